"""`keepwf runs --follow` and `runs show RUN_ID --follow` against a run executing in another process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

SLOW = """\
workflow:
  id: slow
  triggers:
    - type: manual
  steps:
    - name: before
      provider: {type: console, with: {message: starting}}
    - name: wait
      provider:
        type: bash
        with:
          command: "sleep 1.5; echo waited"
          shell: true
"""


class Reader:
    """Collects a process's stdout lines in a thread, so a test can wait for a line without blocking."""

    def __init__(self, proc):
        self.proc, self.lines = proc, []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for ln in self.proc.stdout:
            self.lines.append(ln.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 30) -> re.Match:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for ln in list(self.lines):
                m = re.search(pattern, ln)
                if m:
                    return m
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} in {self.lines}")


def _keepwf(repo, *args):
    return subprocess.Popen([sys.executable, "-m", "keepwf", *args], cwd=repo.path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"})


@pytest.mark.slow
def test_follow_sees_a_run_start_its_steps_and_its_record(tmp_repo):
    r = tmp_repo
    r.write("workflows/slow.yml", SLOW)
    r.commit("slow")
    assert r.cli("deploy", "slow").code == 0
    follower = Reader(_keepwf(r, "runs", "slow", "--follow"))
    follower.wait_for("^no runs$")
    runner = _keepwf(r, "run", "slow")
    m = follower.wait_for(r"^running slow v1 in production · run ([0-9A-Z]{26}) \(manual\)$")
    run_id = m.group(1)
    one = Reader(_keepwf(r, "runs", "show", run_id[:10], "--follow"))
    assert runner.wait(timeout=60) == 0
    follower.wait_for(rf"^success slow v1 in .* — 2 ran, 0 failed, 0 skipped · run {run_id}$")
    assert one.proc.wait(timeout=30) == 0
    shown = "\n".join(one.lines)
    assert f"running slow v1 in production · run {run_id}" in shown
    streamed, _, whole = shown.partition(f"run {run_id}  success")  # steps as they went, then the record, whole
    assert "  … step wait\n" in streamed and "  ran step wait 1." in streamed
    assert "'stdout': 'waited\\n'" in whole
    follower.proc.send_signal(signal.SIGINT)
    assert follower.proc.wait(timeout=10) == 0
    # the live window is closed once the run is recorded
    assert not list((r.path / ".git/keepwf/live").glob("*.jsonl"))
    assert [p.name for p in (r.path / ".git/keepwf/live").glob("*.done")] == [f"{run_id}.done"]


def test_follow_refuses_filters_it_cannot_follow(tmp_repo):
    res = tmp_repo.cli("runs", "hello-alert", "--follow", "--status", "error")
    assert res.code == 2 and "--follow" in res.err


def test_follow_runs_yields_new_records_only_and_late_records_of_early_starts(tmp_repo):
    """The generator itself, with the world scripted between its polls: runs recorded before it started are not
    repeated; a run that started before the newest one but is recorded after it is still yielded."""
    from datetime import datetime, timedelta, timezone

    from keepwf.service.follow import follow_runs
    from keepwf.store.live import LiveRun
    from keepwf.store.repo import Repo
    from keepwf.store.runlog import RunLog
    from tests.runlog_helpers import make_record

    r = tmp_repo
    assert r.cli("deploy", "hello-alert").code == 0
    assert r.cli("run", "hello-alert").code == 0  # recorded before following: never yielded
    repo = Repo.discover(r.path)
    commit = repo.head_commit()
    t0 = datetime(2030, 1, 1, tzinfo=timezone.utc)  # after the real run, whatever today is (pinned)
    early = make_record(started=t0, commit=commit, workflow="hello-alert", version="v1")
    late = make_record(started=t0 + timedelta(seconds=5), commit=commit, workflow="hello-alert", version="v1")
    lives = []
    script = [
        lambda: lives.append(LiveRun(repo, early["run_id"], {"workflow": "hello-alert", "env": "production",
                                                             "version": "v1", "started": early["started"]})),
        lambda: RunLog(repo).append(late),
        lambda: (RunLog(repo).append(early), lives[0].close()),
    ]
    gen = follow_runs(repo, "hello-alert", sleep=lambda s: script.pop(0)() if script else None)
    got = [next(gen) for _ in range(3)]
    assert [(k, o["run_id"]) for k, o in got] == [("running", early["run_id"]), ("run", late["run_id"]),
                                                  ("run", early["run_id"])]
