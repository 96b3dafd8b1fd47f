"""Shared fixtures: an isolated HOME and git identity, tiny real repositories, the CLI run in-process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import GitRepo

_HERE = Path(__file__).resolve()
# ../shared/keep-examples seen from the main checkout (/work/main) or from a worktree (/work/wt/NAME)
SHARED_EXAMPLES = next(
    (p for p in (_HERE.parents[2] / "shared" / "keep-examples", _HERE.parents[3] / "shared" / "keep-examples") if p.is_dir()),
    _HERE.parents[2] / "shared" / "keep-examples",
)


@pytest.fixture(autouse=True)
def _isolated_git(tmp_path_factory, monkeypatch):
    """No test reads the developer's ~/.gitconfig or writes outside its tmp folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for k, v in {
        "GIT_AUTHOR_NAME": "Ada Tester",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Tester",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
    }.items():
        monkeypatch.setenv(k, v)
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Ada Tester\n\temail = ada@example.com\n[init]\n\tdefaultBranch = main\n"
        "[advice]\n\tdetachedHead = false\n[tag]\n\tgpgSign = false\n[commit]\n\tgpgSign = false\n"
    )
    # no test depends on the developer's terminal width or locale (the wall clock: see `make test-shifted-clock`)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.delenv("LANG", raising=False)
    for k in list(os.environ):
        if k.startswith("KEEP_PROVIDER"):
            monkeypatch.delenv(k)


@pytest.fixture
def tmp_repo(tmp_path) -> GitRepo:
    """An initialised keepwf repository (keepwf init + one commit) in a temp folder."""
    repo = GitRepo(tmp_path / "repo")
    repo.path.mkdir()
    assert repo.cli("init").code == 0
    repo.git("add", "-A")
    repo.git("commit", "-qm", "Initial workflows")
    return repo


@pytest.fixture
def empty_git(tmp_path) -> GitRepo:
    """A git repository with no commits and no keepwf files."""
    repo = GitRepo(tmp_path / "plain")
    repo.path.mkdir()
    repo.git("init", "-q", "-b", "main")
    return repo


@pytest.fixture
def keep_examples() -> Path:
    if not SHARED_EXAMPLES.is_dir():
        pytest.skip("../shared/keep-examples is not present")
    return SHARED_EXAMPLES
