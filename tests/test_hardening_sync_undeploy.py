"""Issue 10 #5: a remote cannot un-deploy by adding refs/keepwf/archive/… — an archive entry needs a prune record on
the audit chain, and the deployed version is never archived by a sync. Nothing changes when a sync refuses."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.helpers import GitRepo, workflow_yaml


def _bare(bare, *args: str, input: str | None = None, env: dict | None = None) -> str:
    cp = subprocess.run(["git", "-C", str(bare), *args], capture_output=True, text=True, check=True, input=input,
                        env={**os.environ, **(env or {})})
    return cp.stdout.strip()


@pytest.fixture
def clone(tmp_repo, tmp_path):
    """pager v1..v4 deployed and published to a bare origin; a second clone synced. Returns (bare, clone)."""
    r = tmp_repo
    for word in ("one", "two", "three", "four"):
        r.write("workflows/pager.yml", workflow_yaml("pager", word))
        r.commit(word)
        assert r.cli("deploy", "pager", "-m", f"deploy {word}").code == 0
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    r.git("remote", "add", "origin", str(bare))
    r.git("push", "-q", "origin", "main")
    assert r.cli("sync").code == 0
    subprocess.run(["git", "clone", "-q", str(bare), str(tmp_path / "c")], check=True)
    c = GitRepo(tmp_path / "c")
    assert c.cli("sync").code == 0
    return bare, c


def _archive_on_remote(bare, n: int) -> None:
    tag = _bare(bare, "rev-parse", f"refs/tags/keepwf/production/pager/v{n}")
    _bare(bare, "update-ref", f"refs/keepwf/archive/production/pager/v{n}", tag)


def _forge_prune_record(bare, n: int) -> None:
    commit = _bare(bare, "rev-parse", f"refs/tags/keepwf/production/pager/v{n}^{{commit}}")
    empty = _bare(bare, "hash-object", "-t", "tree", "-w", "--stdin", input="")
    parent = _bare(bare, "for-each-ref", "--format=%(objectname)", "refs/keepwf/audit")
    args = ["commit-tree", empty, "-m", f"Prune 1 version(s)\n\nKeepwf-Action: prune\n"
                                        f"Keepwf-Pruned: production/pager/v{n} {commit}\n"]
    if parent:
        args[2:2] = ["-p", parent]
    sha = _bare(bare, *args)
    _bare(bare, "update-ref", "refs/keepwf/audit", sha)


def _deployed(c) -> str:
    return c.cli("history", "pager", "--json").json()["deployed"]


def _refs(c, prefix: str) -> str:
    return c.git("for-each-ref", "--format=%(refname) %(objectname)", prefix)


@pytest.mark.parametrize("with_record", [False, True])
def test_a_remote_cannot_archive_the_deployed_version(clone, with_record):
    bare, c = clone
    _archive_on_remote(bare, 4)
    if with_record:  # even with a (forged) prune record: the deployed version is never archived by a sync
        _forge_prune_record(bare, 4)
    before = (_refs(c, "refs/tags/"), _refs(c, "refs/keepwf/archive/"), _refs(c, "refs/keepwf/audit"))
    r = c.cli("sync")
    assert r.code == 3, r
    assert "keepwf/archive/production/pager/v4" in r.err and "deployed version" in r.err
    assert "nothing was changed" in r.err and "git push origin :refs/keepwf/archive/production/pager/v4" in r.err
    assert _deployed(c) == "v4"
    assert (_refs(c, "refs/tags/"), _refs(c, "refs/keepwf/archive/"), _refs(c, "refs/keepwf/audit")) == before


@pytest.mark.parametrize("n", [1, 2, 3])
def test_an_archive_entry_without_a_prune_record_is_refused(clone, n):
    bare, c = clone
    _archive_on_remote(bare, n)
    r = c.cli("sync")
    assert r.code == 3, r
    assert f"keepwf/archive/production/pager/v{n}" in r.err and "no prune of it is recorded" in r.err
    assert c.git("tag", "-l", f"keepwf/production/pager/v{n}")  # still live here
    # the fix the message gives works
    subprocess.run(["git", "push", "-q", "origin", f":refs/keepwf/archive/production/pager/v{n}"], cwd=c.path, check=True)
    assert c.cli("sync").code == 0


def test_an_archived_version_nobody_has_needs_a_record_too(clone, tmp_path):
    bare, c = clone
    tag = _bare(bare, "rev-parse", "refs/tags/keepwf/production/pager/v2")
    _bare(bare, "update-ref", "refs/keepwf/archive/production/pager/v9", tag)
    r = c.cli("sync")
    assert r.code == 3 and "keepwf/archive/production/pager/v9" in r.err, r


def test_an_older_version_with_a_prune_record_is_taken(clone):
    """What a real prune leaves (archive + audit record) is taken, as before — and shows in `keepwf audit`."""
    bare, c = clone
    _archive_on_remote(bare, 1)
    _forge_prune_record(bare, 1)
    r = c.cli("sync")
    assert r.code == 0, r
    assert _deployed(c) == "v4" and not c.git("tag", "-l", "keepwf/production/pager/v1")
    assert any(x["action"] == "prune" for x in c.cli("audit", "--json").json())


def test_a_real_prune_elsewhere_still_reaches_this_clone(clone, tmp_path):
    bare, c = clone
    subprocess.run(["git", "clone", "-q", str(bare), str(tmp_path / "d")], check=True)
    d = GitRepo(tmp_path / "d")
    assert d.cli("sync").code == 0
    assert d.cli("prune", "pager", "--keep", "1").code == 0
    assert d.cli("sync").code == 0
    r = c.cli("sync")
    assert r.code == 0, r
    assert _deployed(c) == "v4"
    assert sorted(c.git("tag", "-l", "keepwf/*").split()) == ["keepwf/production/pager/v3", "keepwf/production/pager/v4"]


def test_a_newer_real_deploy_with_the_old_one_pruned_moves_the_deployed_version(clone, tmp_path):
    """Sync changes what is deployed only through a real version tag: the other clone's v5."""
    bare, c = clone
    subprocess.run(["git", "clone", "-q", str(bare), str(tmp_path / "d")], check=True)
    d = GitRepo(tmp_path / "d")
    assert d.cli("sync").code == 0
    d.write("workflows/pager.yml", workflow_yaml("pager", "five"))
    d.commit("five")
    assert d.cli("deploy", "pager", "-m", "five").code == 0
    assert d.cli("sync").code == 0
    assert c.cli("sync").code == 0
    assert _deployed(c) == "v5"
