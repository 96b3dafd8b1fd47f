"""Issue 10 #9: a `git update-ref` killed while holding ref locks must not block any keepwf writer for ever.

Each test kills a real `git update-ref --stdin` (SIGKILL) after it took its locks, then ages the lock files past
STALE_LOCK_S in *file* time (mtime set relative to a file created now, like keepwf measures it — never the process
clock, so this holds under faketime), and runs a keepwf writer: prune, approve, sync, run, deploy all go through.
A lock held by a live process is never taken away.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from keepwf.store.reftx import STALE_LOCK_S, file_clock_now
from tests.helpers import workflow_yaml

TAG1 = "refs/tags/keepwf/production/pager/v1"


@pytest.fixture
def deployed(tmp_repo, tmp_path):
    r = tmp_repo
    for word in ("one", "two", "three"):
        r.write("workflows/pager.yml", workflow_yaml("pager", word))
        r.commit(word)
        assert r.cli("deploy", "pager", "-m", word).code == 0
    assert r.cli("run", "pager").code == 0
    return r


def _hold(repo, commands: str, expect: list[str]) -> subprocess.Popen:
    """A real `git update-ref --stdin` that prepared a transaction (holding its locks) and waits for more input."""
    p = subprocess.Popen(["git", "update-ref", "--stdin"], cwd=repo.path, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(("start\n" + commands + "prepare\n").encode())
    p.stdin.flush()
    git_dir = repo.path / ".git"
    deadline = time.monotonic() + 10
    while not all((git_dir / (e + ".lock")).exists() for e in expect):
        assert time.monotonic() < deadline and p.poll() is None, p.stderr.read() if p.poll() is not None else "no locks"
        time.sleep(0.01)
    return p


def _kill_and_age(repo, p: subprocess.Popen, expect: list[str]) -> list[Path]:
    p.send_signal(signal.SIGKILL)
    p.wait()
    git_dir = repo.path / ".git"
    old = file_clock_now(git_dir) - STALE_LOCK_S - 5
    locks = [git_dir / (e + ".lock") for e in expect]
    for lock in locks:
        assert lock.exists()  # the kill left it behind, as git would
        os.utime(lock, (old, old))
    return locks


def test_prune_after_a_killed_update_ref(deployed):
    expect = [TAG1, "packed-refs"]
    deployed.git("pack-refs", "--all")
    locks = _kill_and_age(deployed, _hold(deployed, f"delete {TAG1}\n", expect), expect)
    r = deployed.cli("prune", "--keep", "1")
    assert r.code == 0, r
    assert not any(lock.exists() for lock in locks)
    assert deployed.git("for-each-ref", "--format=%(refname)", "refs/keepwf/archive/").split() == [
        "refs/keepwf/archive/production/pager/v1"]


def test_approve_after_a_killed_update_ref_is_immediate(deployed):
    ref = "refs/notes/keepwf/reviews"
    head = deployed.git("rev-parse", "HEAD")
    locks = _kill_and_age(deployed, _hold(deployed, f"update {ref} {head}\n", [ref]), [ref])
    t0 = time.monotonic()
    r = deployed.cli("approve", "pager", "-m", "ok")
    assert r.code == 0, r
    assert time.monotonic() - t0 < 10  # was: 60 attempts, ~20 s, then exit 3
    assert not locks[0].exists()


def test_sync_after_a_killed_update_ref(deployed, tmp_path):
    bare = tmp_path / "o.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    deployed.git("remote", "add", "origin", str(bare))
    deployed.git("push", "-q", "origin", "main")
    assert deployed.cli("sync").code == 0
    subprocess.run(["git", "clone", "-q", str(bare), str(tmp_path / "c")], check=True)
    from tests.helpers import GitRepo

    c = GitRepo(tmp_path / "c")
    deployed.write("workflows/pager.yml", workflow_yaml("pager", "four"))
    deployed.commit("four")
    assert deployed.cli("deploy", "pager", "-m", "four").code == 0
    assert deployed.cli("sync").code == 0
    v4 = "refs/tags/keepwf/production/pager/v4"  # taken by sync's one update-ref transaction (versions first)
    chain = "refs/keepwf/runs/production/pager/v3"  # the clone has no run chains yet: created by the runs merge
    expect = [v4, chain]
    head = c.git("rev-parse", "HEAD")
    locks = _kill_and_age(c, _hold(c, f"create {v4} {head}\ncreate {chain} {head}\n", expect), expect)
    r = c.cli("sync")
    assert r.code == 0, r
    assert not any(lock.exists() for lock in locks)
    assert c.git("rev-parse", v4) == deployed.git("rev-parse", v4)
    assert c.git("rev-parse", chain) == deployed.git("rev-parse", chain)


@pytest.mark.parametrize("cmd,ref", [(("run", "pager"), "refs/keepwf/runs/production/pager/v3"),
                                     (("run", "pager"), "refs/notes/keepwf/runs")])
def test_run_after_a_killed_update_ref(deployed, cmd, ref):
    head = deployed.git("rev-parse", "HEAD")
    locks = _kill_and_age(deployed, _hold(deployed, f"update {ref} {head}\n", [ref]), [ref])
    r = deployed.cli(*cmd)
    assert r.code == 0, r
    assert not locks[0].exists()


def test_deploy_after_a_killed_update_ref(deployed):
    ref = "refs/tags/keepwf/production/pager/v4"
    head = deployed.git("rev-parse", "HEAD")
    _kill_and_age(deployed, _hold(deployed, f"create {ref} {head}\n", [ref]), [ref])
    deployed.write("workflows/pager.yml", workflow_yaml("pager", "four"))
    deployed.commit("four")
    r = deployed.cli("deploy", "pager", "-m", "four")
    assert r.code == 0, r
    assert deployed.git("rev-parse", ref + "^{commit}") == deployed.git("rev-parse", "HEAD")


def test_a_lock_held_by_a_live_git_is_not_taken(deployed, monkeypatch):
    """Stale means: no keepwf holds keepwf.lock AND older than git ever holds one. A live holder is waited for."""
    monkeypatch.setenv("KEEPWF_LOCK_TIMEOUT", "0.5")
    expect = [TAG1, "packed-refs"]
    deployed.git("pack-refs", "--all")
    p = _hold(deployed, f"delete {TAG1}\n", expect)
    try:
        r = deployed.cli("prune", "--keep", "1")
        assert r.code == 3, r
        assert "nothing was pruned" in r.err
        assert (deployed.path / ".git" / (TAG1 + ".lock")).exists()
    finally:
        p.kill()
        p.wait()
