"""Issue 10 #13: a run-chain ref pointed at a tree, a blob or a code commit is refused with the ref named."""

from __future__ import annotations

import subprocess

import pytest

from tests.helpers import workflow_yaml

CHAIN = "refs/keepwf/runs/production/pager/v1"


@pytest.fixture
def ran(tmp_repo):
    tmp_repo.write("workflows/pager.yml", workflow_yaml("pager"))
    tmp_repo.commit("pager")
    assert tmp_repo.cli("deploy", "pager", "-m", "first").code == 0
    assert tmp_repo.cli("run", "pager").code == 0
    return tmp_repo


def _point(repo, target: str) -> str:
    sha = repo.git("rev-parse", target)
    repo.git("update-ref", CHAIN, sha)
    return sha


@pytest.mark.parametrize("target", ["main^{tree}", "main", "HEAD:workflows/pager.yml", "keepwf/production/pager/v1"])
def test_readers_name_the_bad_chain_ref(ran, target):
    _point(ran, target)
    for args in (("runs",), ("runs", "pager"), ("runs", "pager", "--version", "v1"), ("history", "pager")):
        r = ran.cli(*args)
        assert r.code == 3, (args, r)
        assert CHAIN in r.err and "not a run chain" in r.err and "Traceback" not in r.err


@pytest.mark.parametrize("target", ["main^{tree}", "main"])
def test_a_run_is_not_appended_onto_code_commits(ran, target):
    before = _point(ran, target)
    r = ran.cli("run", "pager")
    assert r.code == 3, r
    assert CHAIN in r.err
    assert ran.git("rev-parse", CHAIN) == before  # nothing appended onto main


def test_a_chain_grafted_onto_main_further_down_is_refused_too(ran):
    """A run commit on top of a code commit (what the old code wrote when the ref pointed at main)."""
    tip = ran.git("rev-parse", CHAIN)
    msg = ran.git("log", "-1", "--format=%B", tip)
    empty = ran.git("hash-object", "-t", "tree", "-w", "--stdin", input="")
    forged = ran.git("commit-tree", empty, "-p", "main", "-m", msg)
    ran.git("update-ref", CHAIN, forged)
    r = ran.cli("runs", "pager")
    assert r.code == 3 and CHAIN in r.err, r


def test_sync_refuses_a_remote_chain_pointing_at_a_code_commit(ran, tmp_path):
    bare = tmp_path / "o.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    ran.git("remote", "add", "origin", str(bare))
    ran.git("push", "-q", "origin", "main")
    main = ran.git("rev-parse", "main")
    subprocess.run(["git", "-C", str(bare), "update-ref", "refs/keepwf/runs/production/pager/v9", main], check=True)
    r = ran.cli("sync")
    assert r.code == 3, r
    assert "refs/keepwf/remotes/origin/keepwf/runs/production/pager/v9" in r.err and "not a run chain" in r.err
    assert ran.git("for-each-ref", "refs/keepwf/runs/production/pager/v9") == ""
