"""Issue 10 #7: in an env with signed = true, run/trigger refuse a version whose deploy tag does not verify (a
hand-made annotated tag with correct trailers, or one signed by a key git does not trust); history marks it."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.helpers import GitRepo

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")

WF = """workflow:
  id: pager
  triggers:
    - type: manual
    - type: alert
  steps:
    - name: say
      provider:
        type: console
        with:
          message: "{word}"
"""


def _key(tmp_path, name: str):
    key = tmp_path / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key, (tmp_path / f"{name}.pub").read_text().split()


@pytest.fixture
def signed(tmp_repo: GitRepo, tmp_path) -> GitRepo:
    """production requires signed tags; pager v1 deployed and signed with a trusted key."""
    key, pub = _key(tmp_path, "ada")
    (tmp_path / "allowed").write_text(f"ada@example.com {pub[0]} {pub[1]}\n")
    tmp_repo.git("config", "gpg.format", "ssh")
    tmp_repo.git("config", "user.signingkey", str(key))
    tmp_repo.git("config", "gpg.ssh.allowedSignersFile", str(tmp_path / "allowed"))
    tmp_repo.write("keepwf.toml", '[env.production]\nsigned = true\n[env.staging]\n')
    tmp_repo.write("workflows/pager.yml", WF.format(word="one"))
    tmp_repo.commit("one")
    r = tmp_repo.cli("deploy", "pager", "-m", "signed one")
    assert r.code == 0, r
    return tmp_repo


def _hand_made_tag(repo: GitRepo, n: int, *, sign_with=None, env: str = "production") -> None:
    """An annotated tag with every trailer keepwf writes, made with plain git (not by keepwf deploy)."""
    blob = repo.git("rev-parse", "HEAD:workflows/pager.yml")
    msg = (f"hand made\n\nKeepwf-Workflow: pager\nKeepwf-Env: {env}\nKeepwf-Version: v{n}\n"
           f"Keepwf-Path: workflows/pager.yml\nKeepwf-Blob: {blob}\nKeepwf-Action: deploy\n")
    args = ["tag", "-a", "--cleanup=verbatim", "-m", msg, f"keepwf/{env}/pager/v{n}", "HEAD"]
    if sign_with is not None:
        args = ["-c", f"user.signingkey={sign_with}", "tag", "-s", *args[2:]]
    repo.git(*args)


@pytest.mark.parametrize("how", ["unsigned", "untrusted key"])
def test_run_and_trigger_refuse_a_tag_that_does_not_verify(signed, tmp_path, how):
    signed.write("workflows/pager.yml", WF.format(word="two"))
    signed.commit("two")
    _hand_made_tag(signed, 2, sign_with=None if how == "unsigned" else _key(tmp_path, "mallory")[0])
    hist = signed.cli("history", "pager", "--json").json()
    assert hist["deployed"] == "v2"  # the trailers are right: keepwf would take it as the deployed version
    sigs = {v["version"]: v["signature"] for v in hist["versions"]}
    assert sigs == {"v2": "unsigned" if how == "unsigned" else "bad", "v1": "good"}
    assert "will not run" in signed.cli("history", "pager").out
    r = signed.cli("run", "pager")
    assert r.code == 3, r
    assert "refusing to run" in r.err and "keepwf/production/pager/v2" in r.err and "signed = true" in r.err
    assert "two" not in r.out + r.err  # nothing ran
    alert = tmp_path / "alert.json"
    alert.write_text(json.dumps({"name": "disk full"}))
    r = signed.cli("trigger", "--alert", str(alert), "--json")
    assert r.code == 3, r
    verdict = r.json()["workflows"][0]
    assert verdict["refused"] and verdict["runs"] == []
    assert signed.cli("runs", "--json").json()["runs"] == []  # nothing recorded either
    # the signed version still runs when asked for, and drafts are not held back
    assert signed.cli("run", "pager", "--version", "v1").code == 0
    assert signed.cli("run", "pager", "--draft").code == 0


def test_a_signed_deploy_runs(signed, tmp_path):
    r = signed.cli("run", "pager")
    assert r.code == 0, r
    alert = tmp_path / "alert.json"
    alert.write_text(json.dumps({"name": "disk full"}))
    assert signed.cli("trigger", "--alert", str(alert)).code == 0


def test_envs_without_signed_run_unsigned_tags(signed):
    _hand_made_tag(signed, 1, env="staging")
    assert signed.cli("run", "pager", "--env", "staging").code == 0
    assert "signature" not in signed.cli("history", "pager", "--env", "staging", "--json").out
