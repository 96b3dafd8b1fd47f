"""Signed deploy tags (git tag -s with an SSH key, the easiest throwaway signer) and `keepwf verify`."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from keepwf.errors import StateError
from tests.helpers import GitRepo

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")

MSG = "deploy hello-alert\n\nKeepwf-Workflow: hello-alert\nKeepwf-Env: {env}\nKeepwf-Version: {n}\nKeepwf-Action: deploy\n"


@pytest.fixture
def signer(tmp_repo: GitRepo, tmp_path) -> GitRepo:
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ada", "-f", str(key)], check=True)
    pub = (tmp_path / "key.pub").read_text().split()
    (tmp_path / "allowed").write_text(f"ada@example.com {pub[0]} {pub[1]}\n")
    tmp_repo.git("config", "gpg.format", "ssh")
    tmp_repo.git("config", "user.signingkey", str(key))
    tmp_repo.git("config", "gpg.ssh.allowedSignersFile", str(tmp_path / "allowed"))
    return tmp_repo


def _repo(g: GitRepo):
    from keepwf.store.repo import Repo

    return Repo.discover(g.path)


def test_signed_tag_object_without_ref_then_cas_create(signer):
    from keepwf.store.signing import create_signed_tag, write_signed_tag_object

    repo = _repo(signer)
    head = signer.git("rev-parse", "HEAD")
    oid = write_signed_tag_object(repo, head, "keepwf/production/hello-alert/v1", MSG.format(env="production", n=1))
    assert signer.git("tag", "-l") == ""  # no ref made
    assert "-----BEGIN SSH SIGNATURE-----" in signer.git("cat-file", "tag", oid)
    assert subprocess.run(["git", "verify-tag", oid], cwd=signer.path, capture_output=True).returncode == 0
    oid2 = create_signed_tag(repo, "keepwf/production/hello-alert/v1", head, MSG.format(env="production", n=1))
    assert signer.git("rev-parse", "refs/tags/keepwf/production/hello-alert/v1") == oid2
    with pytest.raises(StateError, match="already exists"):
        create_signed_tag(repo, "keepwf/production/hello-alert/v1", head, "again\n")
    assert signer.git("rev-parse", "refs/tags/keepwf/production/hello-alert/v1") == oid2


def test_verify_good_unsigned_and_tampered(signer):
    from keepwf.store.signing import create_signed_tag

    cfg = (signer.path / "keepwf.toml").read_text().replace("approvals = 0", "approvals = 0\nsigned = true")
    signer.write("keepwf.toml", cfg)
    signer.commit("sign production")
    repo = _repo(signer)
    head = signer.git("rev-parse", "HEAD")
    create_signed_tag(repo, "keepwf/production/hello-alert/v1", head, MSG.format(env="production", n=1))
    r = signer.cli("verify", "--json")
    assert r.code == 0, r
    (row,) = r.json()["tags"]
    assert row["status"] == "good" and "ada@example.com" in row["detail"]
    # an unsigned tag is fine in staging (not required) but fails in production (signed = true)
    signer.git("tag", "-a", "keepwf/staging/hello-alert/v1", "-m", MSG.format(env="staging", n=1))
    assert signer.cli("verify", "--env", "staging").code == 0
    signer.git("tag", "-a", "keepwf/production/hello-alert/v2", "-m", MSG.format(env="production", n=2))
    r = signer.cli("verify", "hello-alert", "--env", "production")
    assert r.code == 1 and "unsigned (required)" in r.out, r
    signer.git("tag", "-d", "keepwf/production/hello-alert/v2")
    # a signed tag whose message was altered afterwards: bad signature
    raw = signer.git("cat-file", "tag", "keepwf/production/hello-alert/v1") + "\n"
    forged = raw.replace("deploy hello-alert", "deploy hello-alert (edited)")
    oid = subprocess.run(["git", "hash-object", "-t", "tag", "-w", "--stdin", "--literally"], cwd=signer.path,
                         input=forged, capture_output=True, text=True, check=True).stdout.strip()
    signer.git("update-ref", "refs/tags/keepwf/production/hello-alert/v2", oid)
    r = signer.cli("verify", "--json")
    assert r.code == 1
    statuses = {t["tag"]: t["status"] for t in r.json()["tags"]}
    assert statuses["keepwf/production/hello-alert/v2"] == "bad"
    assert statuses["keepwf/production/hello-alert/v1"] == "good"


def test_signing_not_configured_is_a_clear_error(tmp_repo):
    from keepwf.store.signing import create_signed_tag

    tmp_repo.git("config", "gpg.format", "ssh")  # ssh format but no key
    with pytest.raises(StateError) as e:
        create_signed_tag(_repo(tmp_repo), "keepwf/production/hello-alert/v1", tmp_repo.git("rev-parse", "HEAD"), "m\n")
    assert "could not sign" in e.value.message and "user.signingkey" in e.value.hint
    assert tmp_repo.git("tag", "-l") == ""


def test_verify_unknown_workflow_and_env(tmp_repo):
    assert tmp_repo.cli("verify", "nope").code == 2
    r = tmp_repo.cli("verify", "--env", "moon")
    assert r.code == 2 and "unknown environment" in r.err
    r = tmp_repo.cli("verify")
    assert r.code == 0 and "no deploy tags" in r.out


def test_deploy_to_signed_env_makes_verifiable_tags(signer):
    cfg = (signer.path / "keepwf.toml").read_text().replace("approvals = 0", "approvals = 0\nsigned = true")
    signer.write("keepwf.toml", cfg)
    signer.commit("sign production")
    r = signer.cli("deploy", "hello-alert", "-m", "first signed deploy")
    assert r.code == 0, r
    raw = signer.git("cat-file", "tag", "keepwf/production/hello-alert/v1")
    assert "-----BEGIN SSH SIGNATURE-----" in raw
    assert signer.cli("verify", "hello-alert").code == 0
    hist = signer.cli("history", "hello-alert", "--json")
    assert hist.code == 0, hist
    assert "first signed deploy" in hist.out and "foreign" not in hist.out.replace('"foreign": null', "")
    # staging is not signed
    assert signer.cli("deploy", "hello-alert", "--env", "staging").code == 0
    assert "SIGNATURE" not in signer.git("cat-file", "tag", "keepwf/staging/hello-alert/v1")


def test_deploy_to_signed_env_without_a_key_refuses_cleanly(tmp_repo):
    cfg = (tmp_repo.path / "keepwf.toml").read_text().replace("approvals = 0", "approvals = 0\nsigned = true")
    tmp_repo.write("keepwf.toml", cfg)
    tmp_repo.commit("sign production")
    tmp_repo.git("config", "gpg.format", "ssh")
    r = tmp_repo.cli("deploy", "hello-alert")
    assert r.code == 3 and "no user.signingkey" in (r.out + r.err), r
    tmp_repo.git("config", "user.signingkey", str(tmp_repo.path / "no-such-key"))
    r = tmp_repo.cli("deploy", "hello-alert")
    assert r.code == 3 and "could not sign the deploy tag, so no version was created" in r.err, r
    assert tmp_repo.git("tag", "-l") == ""


@pytest.fixture
def gpg_home(monkeypatch):
    """A throwaway GPG home with one ed25519 key (short path: gpg-agent sockets have a length limit)."""
    import tempfile

    if shutil.which("gpg") is None or shutil.which("gpgconf") is None:
        pytest.skip("gpg is not installed")
    home = tempfile.mkdtemp(prefix="kwg")
    monkeypatch.setenv("GNUPGHOME", home)
    cp = subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "Ada Tester <ada@example.com>",
                         "ed25519", "sign", "never"], capture_output=True, text=True, timeout=30)
    if cp.returncode != 0:
        shutil.rmtree(home, ignore_errors=True)
        pytest.skip(f"cannot make a throwaway gpg key: {cp.stderr.strip()[:200]}")
    yield home
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], capture_output=True)
    shutil.rmtree(home, ignore_errors=True)


def test_deploy_signed_with_a_gpg_key(tmp_repo, gpg_home):
    cfg = (tmp_repo.path / "keepwf.toml").read_text().replace("approvals = 0", "approvals = 0\nsigned = true")
    tmp_repo.write("keepwf.toml", cfg)
    tmp_repo.commit("sign production")
    tmp_repo.git("config", "user.signingkey", "ada@example.com")
    r = tmp_repo.cli("deploy", "hello-alert")
    assert r.code == 0, r
    assert "-----BEGIN PGP SIGNATURE-----" in tmp_repo.git("cat-file", "tag", "keepwf/production/hello-alert/v1")
    r = tmp_repo.cli("verify", "--json")
    assert r.code == 0, r
    assert r.json()["tags"][0]["status"] == "good"
