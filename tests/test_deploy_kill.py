"""kill -9 during `keepwf deploy --all` of 50 workflows: all of that deploy's tags or none, git fsck clean, and the
next deploy works (a dead deploy's ref locks are cleaned up)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

from tests.helpers import workflow_yaml

N = 50


def _tags(r) -> set[str]:
    return set(r.git("tag", "-l", "keepwf/*").split())


def _change_all(r, word: str) -> None:
    for i in range(N):
        r.write(f"workflows/wf{i:02d}.yml", workflow_yaml(f"wf{i:02d}", word))
    r.commit(word)


def _wait_for_lock(r, deadline: float) -> None:
    git = r.path / ".git"
    tags = git / "refs" / "tags" / "keepwf"
    while time.monotonic() < deadline:
        if (git / "packed-refs.lock").exists():
            return
        for d, _, fs in os.walk(tags):
            if any(f.endswith(".lock") for f in fs):
                return


def _deploy(r) -> subprocess.Popen:
    env = {**os.environ, "KEEPWF_LOCK_TIMEOUT": "3"}
    return subprocess.Popen([sys.executable, "-m", "keepwf", "deploy", "--all", "-m", "bulk"], cwd=r.path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_kill_9_during_deploy_all_leaves_all_or_none_and_the_next_deploy_works(tmp_repo):
    r = tmp_repo
    rng = random.Random(int(os.environ.get("KEEPWF_KILL_SEED", "0")) or None)
    _change_all(r, "base")
    t0 = time.monotonic()
    p = _deploy(r)
    out, err = p.communicate(timeout=60)
    full = time.monotonic() - t0
    assert p.returncode == 0, err
    base = _tags(r)
    assert len(base) == N + 1  # and the example workflow of keepwf init
    outcomes = []
    for round_ in range(4):
        _change_all(r, f"round{round_}")
        before = _tags(r)
        p = _deploy(r)
        t1 = time.monotonic()
        if round_ % 2 == 0:  # at a random moment (most of a deploy is loading and checking) ...
            delay = rng.uniform(0.3, 1.1) * full
            time.sleep(delay)
        else:  # ... or right when it starts writing refs: the first ref lock file appears (+ a random few µs)
            _wait_for_lock(r, deadline=t1 + 10 * full)
            time.sleep(rng.uniform(0, 0.002))
            delay = time.monotonic() - t1
        os.kill(p.pid, signal.SIGKILL)
        p.communicate(timeout=30)
        new = _tags(r) - before
        assert len(new) in (0, N), f"round {round_} (kill after {delay:.2f}s of {full:.2f}s): {len(new)} of {N} tags"
        assert before <= _tags(r)
        outcomes.append(len(new))
        if round_ % 2 and not new:  # killed while holding its ref locks: they are listed for the next writer
            assert (r.path / ".git" / "keepwf-locks").exists()
        fsck = subprocess.run(["git", "fsck", "--no-dangling"], cwd=r.path, capture_output=True, text=True)
        assert fsck.returncode == 0 and "error" not in fsck.stderr.lower(), fsck.stderr
        # the next deploy works at once: it deploys what the killed one did not, or nothing
        t1 = time.monotonic()
        p = _deploy(r)
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, (round_, err.decode())
        assert time.monotonic() - t1 < 2 * full + 1.0, "the next deploy waited for a dead deploy's lock"
        after = _tags(r) - before
        assert len(after) == N, (round_, len(after))
    lock_files = [os.path.join(d, f) for d, _, fs in os.walk(r.path / ".git") for f in fs
                  if f.endswith(".lock") and f != "keepwf.lock"]  # keepwf.lock: the fcntl lock's file, always there
    assert lock_files == []
    print("kill outcomes (new tags per killed deploy):", outcomes, f"deploy takes {full:.2f}s")


def test_the_locks_of_a_killed_deploy_are_cleared_by_the_next_keepwf_writer(tmp_repo):
    r = tmp_repo
    r.write("workflows/pager.yml", workflow_yaml("pager"))
    r.commit("pager")
    assert r.cli("deploy", "pager").code == 0
    git = r.path / ".git"
    # what a deploy killed inside packed-refs writing leaves: its journal, a ref lock and packed-refs.lock
    (git / "refs/tags/keepwf/production/pager").mkdir(parents=True, exist_ok=True)
    (git / "refs/tags/keepwf/production/pager/v2.lock").write_text("")
    (git / "packed-refs.lock").write_text("")
    (git / "keepwf-locks").write_text("refs/tags/keepwf/production/pager/v2\npacked-refs\n")
    blocked = subprocess.run(["git", "pack-refs", "--all"], cwd=r.path, capture_output=True, text=True)
    assert blocked.returncode != 0 and "packed-refs.lock" in blocked.stderr  # git itself is blocked meanwhile
    assert r.cli("run", "pager").code == 0  # any keepwf writer (here: recording a run) clears them
    assert not (git / "packed-refs.lock").exists() and not (git / "keepwf-locks").exists()
    assert not (git / "refs/tags/keepwf/production/pager/v2.lock").exists()
    r.write("workflows/pager.yml", workflow_yaml("pager", "two"))
    r.commit("two")
    res = r.cli("deploy", "pager")
    assert res.code == 0 and "keepwf/production/pager/v2" in res.out, res
