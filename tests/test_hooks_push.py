"""pre-push / pre-receive (deploy tags are append-only) and post-checkout (drift from what is deployed)."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.helpers import GitRepo, workflow_yaml
from tests.test_hooks import BAD_YAML, git_rc

TAG = "keepwf/production/hello-alert/v1"


def fake_deploy_tag(repo: GitRepo, name: str = TAG, rev: str = "HEAD", path: str = "workflows/hello-alert.yml") -> None:
    """An annotated tag shaped like keepwf's deploy tags (storage contract), without needing `keepwf deploy`."""
    env_, wf, v = name.split("/")[1:]
    blob = repo.git("rev-parse", f"{rev}:{path}")
    msg = (f"deploy {wf}\n\nKeepwf-Workflow: {wf}\nKeepwf-Env: {env_}\nKeepwf-Version: {v}\n"
           f"Keepwf-Path: {path}\nKeepwf-Blob: {blob}\nKeepwf-Action: deploy\n")
    repo.git("tag", "-a", name, rev, "-F", "-", input=msg)


@pytest.fixture
def pair(tmp_repo, tmp_path):
    """(clone with hooks installed, its bare origin)."""
    origin = GitRepo(tmp_path / "origin.git")
    subprocess.run(["git", "clone", "-q", "--bare", str(tmp_repo.path), str(origin.path)], check=True)
    tmp_repo.git("remote", "add", "origin", str(origin.path))
    tmp_repo.git("fetch", "-q", "origin")
    tmp_repo.git("branch", "-q", "--set-upstream-to=origin/main")
    assert tmp_repo.cli("hooks", "install").code == 0
    return tmp_repo, origin


def test_pre_push_refuses_moving_or_deleting_a_deploy_tag(pair):
    repo, origin = pair
    fake_deploy_tag(repo)
    assert git_rc(repo, "push", "-q", "origin", f"refs/tags/{TAG}").returncode == 0  # a new tag is fine
    before = origin.git("rev-parse", f"refs/tags/{TAG}")
    repo.write("x.txt", "x\n")
    repo.commit("more")
    repo.git("tag", "-d", TAG)
    fake_deploy_tag(repo)  # same name, now on the new commit
    cp = git_rc(repo, "push", "-f", "origin", f"refs/tags/{TAG}")
    assert cp.returncode != 0
    assert f"refusing to move deploy tag {TAG}" in cp.stderr
    cp = git_rc(repo, "push", "origin", f":refs/tags/{TAG}")
    assert cp.returncode != 0 and f"refusing to delete deploy tag {TAG}" in cp.stderr
    assert origin.git("rev-parse", f"refs/tags/{TAG}") == before
    # an explicit, deliberate override (e.g. prune) goes through, and says so
    cp = git_rc(repo, "push", "origin", f":refs/tags/{TAG}", env={"KEEPWF_ALLOW_TAG_REWRITE": "1"})
    assert cp.returncode == 0, cp
    assert "allowed by KEEPWF_ALLOW_TAG_REWRITE=1" in cp.stderr


def test_pre_push_validates_pushed_commits(pair):
    repo, origin = pair
    repo.write("workflows/bad.yml", BAD_YAML)
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", "bad")
    repo.write("workflows/bad.yml", workflow_yaml("bad"))  # fixed on disk only: the pushed commit is what counts
    cp = git_rc(repo, "push", "origin", "main")
    assert cp.returncode != 0, cp
    assert "workflows/bad.yml:4:1: error" in cp.stderr and "main: workflows in" in cp.stderr
    repo.commit("fix")
    cp = git_rc(repo, "push", "-q", "origin", "main")
    assert cp.returncode == 0, cp
    # a brand-new branch is validated whole
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("workflows/also-bad.yml", BAD_YAML)
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", "bad again")
    cp = git_rc(repo, "push", "origin", "topic")
    assert cp.returncode != 0 and "also-bad.yml" in cp.stderr


def test_bare_repository_gets_server_side_guard(pair, tmp_path):
    repo, origin = pair
    r = origin.cli("hooks", "install", "--json")
    assert r.code == 0, r
    data = r.json()
    assert data["bare"] is True
    assert {h["hook"] for h in data["hooks"]} == {"pre-push", "pre-receive"}
    fake_deploy_tag(repo)
    assert git_rc(repo, "push", "-q", "origin", f"refs/tags/{TAG}").returncode == 0
    # even a client without keepwf's hooks cannot delete it
    repo.cli("hooks", "uninstall")
    cp = git_rc(repo, "push", "origin", f":refs/tags/{TAG}")
    assert cp.returncode != 0 and "refusing to delete deploy tag" in cp.stderr
    assert origin.git("tag", "-l", TAG) == TAG


def test_post_checkout_says_when_checkout_differs_from_deployed(pair):
    repo, _ = pair
    cp = git_rc(repo, "checkout", "-b", "nothing-deployed")
    assert "keepwf" not in cp.stderr
    repo.git("checkout", "-q", "main")
    fake_deploy_tag(repo)
    repo.git("checkout", "-q", "-b", "edit")
    repo.write("workflows/hello-alert.yml", workflow_yaml("hello-alert", "edited"))
    repo.commit("edit hello")
    cp = git_rc(repo, "checkout", "main")
    assert "differ" not in cp.stderr, cp.stderr  # main is what is deployed
    cp = git_rc(repo, "checkout", "edit")
    assert cp.returncode == 0
    lines = [ln for ln in cp.stderr.splitlines() if ln.startswith("keepwf:")]
    assert lines == ["keepwf: 1 deployed workflow differs from this checkout (production: hello-alert); see `keepwf status`"]
    # post-merge: merging the edit into main makes main differ too
    repo.git("checkout", "-q", "main")
    cp = git_rc(repo, "merge", "-q", "--ff-only", "edit")
    assert "production: hello-alert" in cp.stderr


def test_hooks_in_subfolder_and_env_isolation(pair):
    repo, _ = pair
    sub = repo.path / "workflows"
    (sub / "bad.yml").write_text(BAD_YAML)
    cp = subprocess.run(["git", "add", "bad.yml"], cwd=sub, capture_output=True, text=True)
    cp = subprocess.run(["git", "commit", "-m", "x"], cwd=sub, capture_output=True, text=True, env=os.environ)
    assert cp.returncode == 1 and "workflows/bad.yml" in cp.stderr


def test_pre_push_warns_about_a_hand_made_deploy_tag(pair):
    repo, origin = pair
    repo.git("tag", "keepwf/production/hello-alert/v9")  # lightweight, by hand
    cp = git_rc(repo, "push", "origin", "refs/tags/keepwf/production/hello-alert/v9")
    assert cp.returncode == 0
    assert "keepwf/production/hello-alert/v9 was not made by keepwf" in cp.stderr
    fake_deploy_tag(repo)  # shaped like keepwf's: no warning
    cp = git_rc(repo, "push", "origin", f"refs/tags/{TAG}")
    assert cp.returncode == 0 and "not made by keepwf" not in cp.stderr


def test_post_checkout_ignores_hand_made_tags(pair):
    repo, _ = pair
    fake_deploy_tag(repo)
    repo.git("checkout", "-q", "-b", "edit")
    repo.write("workflows/hello-alert.yml", workflow_yaml("hello-alert", "edited"))
    repo.commit("edit hello")
    repo.git("tag", "keepwf/production/hello-alert/v2")  # lightweight, by hand, on the edit: not trusted
    repo.git("checkout", "-q", "main")
    cp = git_rc(repo, "checkout", "edit")
    assert "production: hello-alert" in cp.stderr, cp.stderr  # still compared with v1, the trusted one


def test_chained_pre_push_gets_the_same_stdin(tmp_repo, tmp_path):
    from tests.test_hooks import hooks_dir, write_hook

    origin = tmp_path / "o.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(tmp_repo.path), str(origin)], check=True)
    tmp_repo.git("remote", "add", "origin", str(origin))
    seen = tmp_path / "legacy-saw"
    write_hook(hooks_dir(tmp_repo) / "pre-push", f'cat > "{seen}"\necho "legacy args: $1" >&2\n')
    assert tmp_repo.cli("hooks", "install").code == 0
    fake_deploy_tag(tmp_repo)
    assert git_rc(tmp_repo, "push", "-q", "origin", f"refs/tags/{TAG}").returncode == 0
    cp = git_rc(tmp_repo, "push", "origin", f":refs/tags/{TAG}")
    assert cp.returncode != 0 and "legacy args: origin" in cp.stderr and "refusing to delete" in cp.stderr
    assert f"refs/tags/{TAG}" in seen.read_text()  # the legacy hook read the same ref lines keepwf did


def test_one_workflow_deployed_in_two_envs_is_counted_once(tmp_repo):
    from keepwf.service.hookrun import post_checkout

    repo = tmp_repo
    fake_deploy_tag(repo)
    fake_deploy_tag(repo, "keepwf/staging/hello-alert/v1")
    repo.write("workflows/hello-alert.yml", workflow_yaml("hello-alert", "edited"))
    repo.commit("edit hello")
    out = post_checkout(cwd=repo.path)
    assert out.notes == ["keepwf: 1 deployed workflow differs from this checkout (production: hello-alert; "
                         "staging: hello-alert); see `keepwf status`"]


CASE_OK = """\
alert: {name: DiskFull, severity: critical, source: [prometheus]}
expect:
  status: success
  steps: {greet: ran}
"""


@pytest.mark.slow
def test_pre_push_runs_workflow_tests_when_enabled(pair):
    repo, origin = pair
    repo.write("tests/hello-alert/greets.yml", CASE_OK.replace("greet: ran", "greet: skipped"))  # a wrong expectation
    repo.commit("a test that fails")
    cp = git_rc(repo, "push", "origin", "main")
    assert cp.returncode == 0, cp  # off by default
    cfg = (repo.path / "keepwf.toml").read_text()
    repo.write("keepwf.toml", cfg + "\n[hooks]\npre_push_tests = true\n")
    repo.commit("run workflow tests before every push")
    cp = git_rc(repo, "push", "origin", "main")
    assert cp.returncode != 0, cp
    assert "workflow test failed: hello-alert › greets: steps.greet: expected skipped, got ran" in cp.stderr
    assert "0 workflow test(s) passed, 1 failed" in cp.stderr
    repo.write("tests/hello-alert/greets.yml", CASE_OK)
    repo.commit("fix the test")
    cp = git_rc(repo, "push", "origin", "main")
    assert cp.returncode == 0, cp
    assert "1 workflow test(s) passed" in cp.stderr
    assert origin.git("rev-parse", "main") == repo.git("rev-parse", "HEAD")
