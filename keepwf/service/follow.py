"""Following the run log live: new runs as they are recorded, and one run's steps while it executes.

Works across processes on one repository (``keepwf run``/``trigger``/``serve`` in another terminal): recorded runs
come from the run log, running ones from their live windows (``store.live``). Polling, not notification: git has
no change feed, and a poll of the newest heads costs a few hundred microseconds.
"""

from __future__ import annotations

import time
from typing import Callable, Iterator

from keepwf.store.repo import Repo

POLL_S = 0.25


def follow_runs(repo: Repo, workflow: str | None = None, env: str | None = None, *, poll: float = POLL_S,
                sleep: Callable[[float], None] = time.sleep) -> Iterator[tuple[str, dict]]:
    """Endless: ``("running", header)`` when a run starts, ``("run", record)`` when a run is recorded (each once).

    Runs already recorded or running when following starts are not repeated. A run recorded later with an earlier
    start time (a long run that started before a short one finished) is still seen: the scan reaches back to the
    start of the oldest run seen running.
    """
    from keepwf.store.live import running
    from keepwf.store.runlog import RunLog

    log = RunLog(repo)

    def newest(floor: str) -> list[dict]:
        out = []
        for rec in log.iter_runs(env, workflow):
            if rec.get("started", "") < floor:
                break
            out.append(rec)
        return out

    def wanted(h: dict) -> bool:
        return (workflow is None or h.get("workflow") == workflow) and (env is None or h.get("env") == env)

    first = next(iter(log.iter_runs(env, workflow)), None)
    watermark = first["started"] if first else ""
    seen = {r["run_id"] for r in newest(watermark)} if first else set()
    live_seen: dict[str, str] = {h["run_id"]: h.get("started", "") for _, h in running(repo) if wanted(h)}
    while True:
        for _, h in running(repo):
            if wanted(h) and h["run_id"] not in live_seen and h["run_id"] not in seen:
                live_seen[h["run_id"]] = h.get("started", "")
                yield "running", h
        floor = min([watermark, *live_seen.values()]) if live_seen else watermark
        fresh = [r for r in newest(floor) if r["run_id"] not in seen]
        for rec in sorted(fresh, key=lambda r: (r["started"], r["run_id"])):
            seen.add(rec["run_id"])
            live_seen.pop(rec["run_id"], None)
            watermark = max(watermark, rec["started"])
            yield "run", rec
        sleep(poll)


def follow_run(repo: Repo, run_id: str, *, poll: float = POLL_S,
               sleep: Callable[[float], None] = time.sleep) -> Iterator[tuple[str, dict]]:
    """One run: ``("running", header)``, then ``("event", progress event)`` as its steps go, then ``("run", record)``
    once it is recorded. A run already recorded yields only its record."""
    from keepwf.errors import UsageError
    from keepwf.service.runs import show_run
    from keepwf.store.live import alive, done_path, read_live, running

    pid = run_id.strip().upper()
    hits = [(p, h) for p, h in running(repo) if h["run_id"].startswith(pid)] if len(pid) >= 4 else []
    if len(hits) > 1:
        raise UsageError(f"run id prefix {run_id!r} is ambiguous: " + ", ".join(h["run_id"] for _, h in hits[:5]),
                         hint="give more characters of the id")
    if not hits:
        yield "run", show_run(repo, run_id).data
        return
    path, head = hits[0]
    yield "running", head
    done = 0
    while True:
        h, events = read_live(path)
        if h is None:  # closed: the last events are in the .done file
            _, events = read_live(done_path(path))
        for ev in events[done:]:
            yield "event", ev
        done = max(done, len(events))
        if h is None or not alive(head.get("pid")):  # the window closed: the record is in the run log
            for _ in range(40):
                try:
                    yield "run", show_run(repo, head["run_id"]).data
                    return
                except UsageError:
                    sleep(poll)  # a killed writer: wait a little, then say so
            raise UsageError(f"run {head['run_id']} stopped without a record (its process was killed?)",
                             hint="keepwf runs --limit 5")
        sleep(poll)
