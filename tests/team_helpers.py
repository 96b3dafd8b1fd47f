"""A team around a bare "server" repository: clones with keepwf's hooks, the server with its pre-receive hook."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.helpers import GitRepo, workflow_yaml


def server_refs(bare: Path, prefix: str) -> list[str]:
    cp = subprocess.run(["git", "-C", str(bare), "for-each-ref", "--format=%(refname)", prefix],
                        capture_output=True, text=True, check=True)
    return cp.stdout.split()


def make_team(tmp_path: Path, names=("alice", "bob", "runner"), toml: str | None = None):
    """``(bare server, {name: clone})``: alice set the project up (pager workflow committed and pushed); every clone
    and the server have keepwf's hooks installed (the server: pre-push and pre-receive)."""
    bare = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    assert GitRepo(bare).cli("hooks", "install").code == 0
    assert (bare / "hooks" / "pre-receive").exists()
    clones = {}
    for i, name in enumerate(names):
        subprocess.run(["git", "clone", "-q", str(bare), str(tmp_path / name)], check=True, capture_output=True)
        c = GitRepo(tmp_path / name)
        if i == 0:
            assert c.cli("init").code == 0
            if toml is not None:
                c.write("keepwf.toml", toml)
            c.write("workflows/pager.yml", workflow_yaml("pager", "zero"))
            c.commit("pager")
            c.git("push", "-q", "origin", "HEAD:main")
        else:
            c.git("pull", "-q", "origin", "main")
        assert c.cli("hooks", "install").code == 0
        clones[name] = c
    return bare, clones


def change(c: GitRepo, wf: str, word: str) -> str:
    c.write(f"workflows/{wf}.yml", workflow_yaml(wf, word))
    sha = c.commit(word)
    c.git("push", "-q", "origin", "HEAD:main")
    return sha


def become(monkeypatch, name: str) -> None:
    """Act as another person from now on (git identity of commits, tags and approvals)."""
    for k in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{k}_NAME", name.title())
        monkeypatch.setenv(f"GIT_{k}_EMAIL", f"{name}@example.com")
