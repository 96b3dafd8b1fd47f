"""Several processes appending at once keep every record; a writer killed mid-append leaves a readable log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from keepwf.store.repo import Repo
from keepwf.store.runlog import RunLog

WRITER = r"""
import sys
from keepwf.store.repo import Repo
from keepwf.store.runlog import RunLog
from tests.runlog_helpers import make_record
from datetime import datetime, timezone
repo = Repo.discover(__import__("pathlib").Path(sys.argv[1]))
head = repo.head_commit()
log = RunLog(repo)
n = int(sys.argv[2])
for i in range(n):
    log.append(make_record(started=datetime.now(timezone.utc), commit=head, version="v%d" % (i % 2 + 1), worker=sys.argv[3]))
    if n > 1000 and i == 0:
        print("started", flush=True)
"""


def _writer(path, n, name):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(n), name], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_four_processes_keep_every_record(tmp_repo):
    procs = [_writer(tmp_repo.path, 25, f"w{i}") for i in range(4)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    log = RunLog(Repo.discover(tmp_repo.path))
    runs = list(log.iter_runs())
    ids = [r["run_id"] for r in runs]
    assert len(ids) == 100 and len(set(ids)) == 100
    assert sorted(r["worker"] for r in runs).count("w3") == 25
    assert len(list(log.iter_runs("production", "wf1", "v1"))) == 4 * 13  # i % 2 == 0 for 13 of 25
    assert tmp_repo.git("fsck", "--no-dangling", "--no-progress") == ""


def test_killed_writer_leaves_a_readable_log(tmp_repo):
    p = _writer(tmp_repo.path, 100000, "doomed")
    assert p.stdout.readline().strip() == "started"
    time.sleep(0.3)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    repo = Repo.discover(tmp_repo.path)
    log = RunLog(repo)
    before = list(log.iter_runs())
    assert before, "the runs appended before the kill are readable"
    assert tmp_repo.git("notes", "--ref", "keepwf/runs", "show", "HEAD")
    # a lock file left behind by the kill (simulated if the kill missed the critical section) is cleared when stale
    lock = repo.common_dir / "refs" / "notes" / "keepwf" / "runs.lock"
    lock.write_text("")
    born = lock.stat().st_mtime  # file time, not the process clock (they differ under clock skew or faketime)
    os.utime(lock, (born - 3600, born - 3600))
    from tests.runlog_helpers import make_record
    from datetime import datetime, timezone

    log.append(make_record(started=datetime.now(timezone.utc), commit=repo.head_commit()))
    assert len(list(log.iter_runs())) == len(before) + 1
    assert tmp_repo.git("fsck", "--no-dangling", "--no-progress") == ""
