"""keepwf's git hooks, exercised through real `git commit` / `git merge` / `git push` in tiny repositories."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.helpers import GitRepo, workflow_yaml

BAD_YAML = "workflow:\n  id: broken\n  steps: [\n"


def git_rc(repo: GitRepo, *args: str, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo.path, capture_output=True, text=True, input=input,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def hooked(tmp_repo: GitRepo) -> GitRepo:
    r = tmp_repo.cli("hooks", "install")
    assert r.code == 0, r
    return tmp_repo


def hooks_dir(repo: GitRepo) -> Path:
    return Path(repo.git("rev-parse", "--absolute-git-dir")) / "hooks"


def write_hook(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


# -- install / uninstall / status -------------------------------------------------------------------------------


def test_install_writes_executable_marked_hooks(tmp_repo):
    r = tmp_repo.cli("hooks", "install", "--json")
    assert r.code == 0, r
    data = r.json()
    assert {h["hook"] for h in data["hooks"]} >= {"pre-commit", "pre-push", "post-checkout", "post-merge"}
    pc = hooks_dir(tmp_repo) / "pre-commit"
    assert os.access(pc, os.X_OK) and "# keepwf-hook-version: 2" in pc.read_text()
    again = tmp_repo.cli("hooks", "install", "--json").json()
    assert {h["action"] for h in again["hooks"]} == {"unchanged"}
    st = tmp_repo.cli("hooks", "status", "--json").json()
    assert {h["action"] for h in st["hooks"]} == {"installed"}


def test_init_hooks_installs(tmp_path):
    from tests.helpers import run_cli

    r = run_cli("init", "--hooks", str(tmp_path / "p"))
    assert r.code == 0, r
    assert "pre-commit" in r.out
    assert (tmp_path / "p" / ".git" / "hooks" / "pre-commit").read_text().count("keepwf-hook-version") == 1


def test_foreign_hook_is_chained_and_restored(tmp_repo):
    pc = hooks_dir(tmp_repo) / "pre-commit"
    write_hook(pc, 'echo "legacy hook ran" >&2\nexit 0\n')
    original = pc.read_text()
    r = tmp_repo.cli("hooks", "install")
    assert r.code == 0 and "chaining" in r.out, r
    assert (pc.parent / "pre-commit.legacy").read_text() == original
    tmp_repo.write("notes.txt", "x\n")
    cp = git_rc(tmp_repo, "add", "-A")
    cp = git_rc(tmp_repo, "commit", "-m", "notes")
    assert cp.returncode == 0 and "legacy hook ran" in cp.stderr
    # the legacy hook's failure is respected
    write_hook(pc.parent / "pre-commit.legacy", 'echo "legacy says no" >&2\nexit 7\n')
    tmp_repo.write("notes.txt", "y\n")
    git_rc(tmp_repo, "add", "-A")
    cp = git_rc(tmp_repo, "commit", "-m", "notes 2")
    assert cp.returncode != 0 and "legacy says no" in cp.stderr
    write_hook(pc.parent / "pre-commit.legacy", 'echo "legacy hook ran" >&2\nexit 0\n')
    # uninstall puts the original back
    r = tmp_repo.cli("hooks", "uninstall")
    assert r.code == 0 and "restored" in r.out, r
    assert pc.read_text() == original and not (pc.parent / "pre-commit.legacy").exists()
    assert not (pc.parent / "pre-push").exists()


def test_upgrade_replaces_only_ours(tmp_repo):
    d = hooks_dir(tmp_repo)
    write_hook(d / "post-merge", "echo mine\n")
    assert tmp_repo.cli("hooks", "install").code == 0
    pc = d / "pre-commit"
    pc.write_text(pc.read_text().replace("keepwf-hook-version: 2", "keepwf-hook-version: 0"))
    r = tmp_repo.cli("hooks", "install", "--json").json()
    actions = {h["hook"]: h["action"] for h in r["hooks"]}
    assert actions["pre-commit"] == "upgraded" and actions["post-merge"] == "unchanged"
    assert "keepwf-hook-version: 2" in pc.read_text()
    assert (d / "post-merge.legacy").read_text() == "#!/bin/sh\necho mine\n"


def test_refuses_when_legacy_slot_taken(tmp_repo):
    d = hooks_dir(tmp_repo)
    write_hook(d / "pre-commit", "exit 0\n")
    write_hook(d / "pre-commit.legacy", "exit 0\n")
    r = tmp_repo.cli("hooks", "install")
    assert r.code == 3 and "pre-commit.legacy already exists" in r.err, r
    assert not (d / "pre-push").exists()  # nothing half-installed


def test_core_hooks_path_refusal_and_force(tmp_repo):
    tmp_repo.git("config", "core.hooksPath", ".husky")
    r = tmp_repo.cli("hooks", "install")
    assert r.code == 3, r
    assert "core.hooksPath" in r.err and "--force" in r.err
    assert not (hooks_dir(tmp_repo) / "pre-commit").exists()
    r = tmp_repo.cli("hooks", "install", "--force")
    assert r.code == 0, r
    assert (tmp_repo.path / ".husky" / "pre-commit").exists()
    # and git really runs it from there
    tmp_repo.write("workflows/bad.yml", BAD_YAML)
    git_rc(tmp_repo, "add", "-A")
    assert git_rc(tmp_repo, "commit", "-m", "bad").returncode != 0


def test_linked_worktree_installs_in_common_dir(tmp_repo, tmp_path):
    tmp_repo.git("worktree", "add", "-q", str(tmp_path / "linked"), "-b", "feature")
    linked = GitRepo(tmp_path / "linked")
    r = linked.cli("hooks", "install", "--json")
    assert r.code == 0, r
    assert Path(r.json()["hooks_dir"]) == (tmp_repo.path / ".git" / "hooks").resolve()
    linked.write("workflows/bad.yml", BAD_YAML)
    git_rc(linked, "add", "-A")
    cp = git_rc(linked, "commit", "-m", "bad")
    assert cp.returncode != 0 and "workflows/bad.yml" in cp.stderr


# -- pre-commit -------------------------------------------------------------------------------------------------


def test_pre_commit_blocks_invalid_and_passes_valid(hooked):
    hooked.write("workflows/bad.yml", BAD_YAML)
    git_rc(hooked, "add", "-A")
    cp = git_rc(hooked, "commit", "-m", "bad")
    assert cp.returncode == 1, cp
    assert "workflows/bad.yml:4:1: error" in cp.stderr and "blocked" in cp.stderr
    assert hooked.git("log", "--oneline").count("\n") == 0  # still one commit
    hooked.write("workflows/bad.yml", workflow_yaml("fixed"))
    git_rc(hooked, "add", "-A")
    cp = git_rc(hooked, "commit", "-m", "good")
    assert cp.returncode == 0, cp
    assert cp.stderr == ""


def test_pre_commit_checks_staged_content_not_working_tree(hooked):
    hooked.write("workflows/w.yml", BAD_YAML)
    git_rc(hooked, "add", "-A")
    hooked.write("workflows/w.yml", workflow_yaml("w"))  # fixed on disk, but not staged
    cp = git_rc(hooked, "commit", "-m", "staged is bad")
    assert cp.returncode == 1 and "workflows/w.yml" in cp.stderr
    git_rc(hooked, "add", "-A")
    hooked.write("workflows/w.yml", BAD_YAML)  # broken on disk, staged is fine
    cp = git_rc(hooked, "commit", "-m", "staged is good")
    assert cp.returncode == 0, cp


def test_partial_commit_uses_git_index_file(hooked):
    hooked.write("workflows/ok.yml", workflow_yaml("ok"))
    hooked.commit("ok")
    hooked.write("workflows/w.yml", BAD_YAML)
    git_rc(hooked, "add", "workflows/w.yml")  # staged, but not part of the next commit
    hooked.write("workflows/ok.yml", workflow_yaml("ok", "changed"))
    cp = git_rc(hooked, "commit", "-m", "only ok", "--", "workflows/ok.yml")
    assert cp.returncode == 0, cp
    cp = git_rc(hooked, "commit", "-m", "now w")
    assert cp.returncode == 1 and "workflows/w.yml" in cp.stderr


def test_workflow_deleted_in_commit_passes(hooked):
    git_rc(hooked, "rm", "-q", "workflows/hello-alert.yml")
    cp = git_rc(hooked, "commit", "-m", "remove")
    assert cp.returncode == 0 and cp.stderr == "", cp


def test_broken_keepwf_toml_names_key_and_line(hooked):
    text = (hooked.path / "keepwf.toml").read_text().replace("approvals = 0", 'approvals = "two"')
    hooked.write("keepwf.toml", text)
    git_rc(hooked, "add", "-A")
    cp = git_rc(hooked, "commit", "-m", "cfg")
    assert cp.returncode != 0
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("approvals"))
    assert f"keepwf.toml (staged):{line}: env.production › approvals › wrong type str" in cp.stderr, cp.stderr


def test_merge_commit_is_validated(hooked):
    hooked.git("checkout", "-q", "-b", "feature")
    hooked.write("workflows/bad.yml", BAD_YAML)
    hooked.git("add", "-A")
    hooked.git("commit", "-q", "--no-verify", "-m", "bad on a branch")
    hooked.git("checkout", "-q", "main")
    hooked.write("other.txt", "x\n")
    hooked.commit("diverge")
    cp = git_rc(hooked, "merge", "--no-ff", "--no-edit", "feature")
    assert cp.returncode != 0 and "workflows/bad.yml" in cp.stderr, cp
    git_rc(hooked, "merge", "--abort")


def test_no_workflow_touched_does_not_start_python(tmp_repo, tmp_path):
    from keepwf.service.hooks import install_hooks

    marker = tmp_path / "python-started"
    fake = tmp_path / "fake-python"
    write_hook(fake, f'touch "{marker}"\nexit 0\n')
    install_hooks(tmp_repo.path, python=str(fake))
    tmp_repo.write("README.md", "hello\n")
    git_rc(tmp_repo, "add", "-A")
    cp = git_rc(tmp_repo, "commit", "-m", "docs")
    assert cp.returncode == 0 and cp.stderr == "" and not marker.exists()
    tmp_repo.write("workflows/new.yml", workflow_yaml("new"))
    git_rc(tmp_repo, "add", "-A")
    assert git_rc(tmp_repo, "commit", "-m", "wf").returncode == 0
    assert marker.exists()


def test_repo_without_workflows_is_silent(empty_git):
    assert empty_git.cli("hooks", "install").code == 0
    empty_git.write("config/app.yaml", "not: [a, workflow\n")  # a YAML file outside the workflows folder
    git_rc(empty_git, "add", "-A")
    cp = git_rc(empty_git, "commit", "-m", "first")
    assert cp.returncode == 0 and cp.stderr == "", cp


def test_missing_python_and_no_keepwf_on_path(tmp_repo, tmp_path):
    from keepwf.service.hooks import install_hooks

    install_hooks(tmp_repo.path, python=str(tmp_path / "gone" / "python"))
    tmp_repo.write("workflows/new.yml", workflow_yaml("new"))
    git_rc(tmp_repo, "add", "-A")
    cp = git_rc(tmp_repo, "commit", "-m", "wf", env={"PATH": "/usr/bin:/bin"})
    assert cp.returncode != 0
    assert "cannot run keepwf" in cp.stderr and "keepwf hooks install" in cp.stderr
    st = tmp_repo.cli("hooks", "status", "--json").json()
    assert {h["action"] for h in st["hooks"]} == {"outdated"} and "is gone" in st["hooks"][0]["detail"]
    assert tmp_repo.cli("hooks", "install").code == 0  # reinstalling with this Python repairs them
    assert git_rc(tmp_repo, "commit", "-m", "wf").returncode == 0


def test_hidden_hook_run_command(hooked):
    hooked.write("workflows/bad.yml", BAD_YAML)
    hooked.git("add", "-A")
    r = hooked.cli("hook-run", "pre-commit")
    assert r.code == 1 and "workflows/bad.yml" in r.err, r


def test_duplicate_id_with_an_unstaged_workflow_is_caught(hooked):
    hooked.write("workflows/copy.yml", workflow_yaml("hello-alert", "a copy"))
    git_rc(hooked, "add", "-A")
    cp = git_rc(hooked, "commit", "-m", "copy")
    assert cp.returncode == 1, cp
    assert "workflows/copy.yml" in cp.stderr and "duplicate workflow id 'hello-alert'" in cp.stderr
    assert "also in workflows/hello-alert.yml" in cp.stderr


def test_warnings_are_printed_but_do_not_block(hooked):
    dup_steps = workflow_yaml("dups", steps=1) + """
    - name: step-0
      provider:
        type: console
        with:
          message: again
"""
    hooked.write("workflows/dups.yml", dup_steps)
    git_rc(hooked, "add", "-A")
    cp = git_rc(hooked, "commit", "-m", "dups")
    assert cp.returncode == 0, cp
    assert "warning[duplicate-name]: duplicate step name 'step-0'" in cp.stderr and "allowed" in cp.stderr


def test_pre_commit_framework_manifest(tmp_repo):
    """What the pre-commit framework would do with .pre-commit-hooks.yaml: run `entry` on the matching files."""
    import re
    import shlex

    import yaml

    root = Path(__file__).resolve().parents[1]
    (hook,) = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text())
    assert {"id", "name", "entry", "language"} <= set(hook) and hook["language"] == "python"
    argv = shlex.split(hook["entry"])
    assert argv[0] == "keepwf"
    tmp_repo.write("workflows/bad.yml", BAD_YAML)
    files = [f for f in ("workflows/hello-alert.yml", "workflows/bad.yml", "README.md") if re.search(hook["files"], f)]
    assert files == ["workflows/hello-alert.yml", "workflows/bad.yml"]
    assert tmp_repo.cli(*argv[1:], files[0]).code == 0
    r = tmp_repo.cli(*argv[1:], *files)
    assert r.code == 1 and "workflows/bad.yml" in (r.out + r.err)
