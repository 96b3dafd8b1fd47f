"""The runtime of ``keepwf serve``: journal → dispatcher → workers → recorder, plus the interval scheduler and the
optional sync loop. Started and stopped by the server; everything durable is in the journal, so a restart picks up
exactly where a kill left off (``recover``)."""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from keepwf.model.runrecord import new_run_id, utcnow
from keepwf.service.runtime.intake import Event, Intake
from keepwf.service.runtime.observe import Observer
from keepwf.store.journal import Journal, dumps, journal_path

PRUNE_EVERY = 60.0  # seconds between journal prunes


@dataclass
class ThreadContext:
    """What one thread uses: its own Repo (pygit2 objects are not shared between threads) and version index."""

    repo: Any
    journal: Journal
    index: Any
    config: Any


def alert_events(provider: str | None, body: Any) -> list[Event]:
    """The alerts of a webhook body as journal events, in Keep's AlertDto shape (raises FormatError)."""
    from datetime import datetime, timezone

    from keepwf.engine.triggers import normalize_alert
    from keepwf.service.runtime.formats import format_alerts

    now = datetime.now(timezone.utc).isoformat()
    return [Event("alert", normalize_alert(a, now=now)) for a in format_alerts(provider, body, now=now)]


class Runtime:
    def __init__(self, root: Path, env: str | None = None, *, workers: int = 4, observer: Observer | None = None,
                 sync_remote: str | None = None, sync_interval: float = 60.0, tick: float = 1.0):
        from keepwf.store.repo import Repo
        from keepwf.store.settings import load_config

        self.root = Path(root)
        repo = Repo.discover(self.root)
        self.config = load_config(repo)
        self.env = self.config.env(env).name
        self.journal = Journal(journal_path(repo))
        self.observer = observer or Observer()
        self.sync_remote, self.sync_interval, self.tick = sync_remote, sync_interval, tick
        from keepwf.service.runtime.worker import WorkerPool

        self.pool = WorkerPool(self, workers)
        self.wake_dispatch = threading.Event()
        self.wake_record = threading.Event()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.intake: Intake | None = None
        self._local = threading.local()

    # -- per-thread context ------------------------------------------------------------------------------------
    def thread_context(self) -> ThreadContext:
        ctx = getattr(self._local, "ctx", None)
        if ctx is None:
            from keepwf.service.runtime.versions import DeployedIndex
            from keepwf.store.repo import Repo

            repo = Repo.discover(self.root)
            ctx = self._local.ctx = ThreadContext(repo, self.journal, DeployedIndex(repo, self.env), self.config)
        return ctx

    # -- life cycle --------------------------------------------------------------------------------------------
    def start_intake(self) -> None:
        """The HTTP process: journal accepted events; ``on_committed`` tells the runner there is work."""
        self.intake = Intake(self.journal, self.env, self.on_committed, self.observer)

    def on_committed(self) -> None:
        self.wake_dispatch.set()

    def start_runner(self) -> None:
        """The runner process: settle what a previous process left, then dispatch, run, record, schedule, sync."""
        from keepwf.service.runtime.recovery import recover

        ctx = self.thread_context()
        self.pool.submit(recover(ctx.repo, self.journal))
        for name, fn in (("dispatch", self._dispatch_loop), ("record", self._record_loop),
                         ("schedule", self._schedule_loop)) + ((("sync", self._sync_loop),) if self.sync_remote else ()):
            t = threading.Thread(target=fn, name=f"keepwf-{name}", daemon=True)
            t.start()
            self.threads.append(t)
        self.pool.start()
        self.wake_dispatch.set()
        self.wake_record.set()

    def start(self) -> None:
        """Both in this process (intake and runner)."""
        self.start_runner()
        self.start_intake()

    def stop_accepting(self) -> None:
        """SIGTERM, first step: new requests are refused (503); what was accepted stays in the journal."""
        if self.intake is not None:
            self.intake.close()

    def shutdown(self, grace: float = 30.0) -> dict[str, int]:
        """Stop: no new runs start, running ones get ``grace`` seconds, then are cancelled (recorded as such); records
        are flushed to git; queued events and jobs stay in the journal for the next start."""
        self.stop_accepting()
        self.stopping.set()
        if not self.pool.threads:  # intake only (the HTTP process)
            left = self.journal.pending()
            self.journal.close()
            return {"left_in_journal": left}
        self.pool.stop_claiming()
        deadline = time.monotonic() + grace
        while self.pool.running_count() and time.monotonic() < deadline:
            time.sleep(0.05)
        cancelled = self.pool.cancel_running()
        deadline = time.monotonic() + 10
        while self.pool.running_count() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.wake_record.set()
        self.wake_dispatch.set()
        for t in self.threads:
            t.join(15)
        self._flush_records(self.thread_context())
        left = self.journal.pending()
        self.journal.close()
        return {"cancelled": cancelled, "left_in_journal": left}

    # -- events ------------------------------------------------------------------------------------------------
    def store_record(self, journal: Journal, job: dict, rec: dict) -> None:
        """A finished run: its record into the journal outbox (one transaction), then the recorder's turn."""
        enr = [(e["fingerprint"], str(e["key"]), dumps(e.get("value"))) for e in rec.get("enrichments") or []
               if isinstance(e, dict) and e.get("target") == "alert" and not e.get("disposable") and e.get("fingerprint")]
        with journal.tx() as c:
            c.execute("UPDATE jobs SET state='recorded', record=?, status=? WHERE id=?",
                      (dumps(rec), rec.get("status"), job["id"]))
            c.executemany("INSERT INTO enrichments(fingerprint, key, value) VALUES (?,?,?) ON CONFLICT(fingerprint, key)"
                          " DO UPDATE SET value=excluded.value", enr)
        self.observer.run_finished(rec)
        self.observer.log({"msg": "run", "run_id": rec["run_id"], "workflow": rec["workflow"],
                           "version": rec.get("version"), "status": rec.get("status"),
                           "duration_ms": rec.get("duration_ms"), "trigger": (rec.get("trigger") or {}).get("type"),
                           "fingerprint": (rec.get("trigger") or {}).get("fingerprint"), "attempt": rec.get("attempt"),
                           "task": job.get("task"), "error": rec.get("error")})
        self.wake_record.set()

    def reread_alert(self, journal: Journal, job: dict, event: dict) -> dict:
        """The alert with the enrichments recorded for its fingerprint (Keep re-reads them before a retried run)."""
        rows = journal.conn().execute("SELECT key, value FROM enrichments WHERE fingerprint=?",
                                      (str(event.get("fingerprint")),)).fetchall()
        return dict(event, **{r[0]: json.loads(r[1]) for r in rows}) if rows else event

    # -- loops -------------------------------------------------------------------------------------------------
    def _dispatch_loop(self) -> None:
        from keepwf.service.history import RunLogHistory
        from keepwf.service.runtime.dispatch import dispatch

        ctx = self.thread_context()
        self.journal.relaxed()  # a power cut undoes the jobs and the event's state together: dispatched again
        history = RunLogHistory(ctx.repo, self.env)
        while not self.stopping.is_set():
            self.wake_dispatch.wait(self.tick)
            self.wake_dispatch.clear()
            while not self.stopping.is_set():
                try:
                    jobs, counts = dispatch(self.journal, ctx.index, history, new_run_id)
                except Exception as e:
                    self.observer.log({"msg": "dispatch failed", "error": f"{type(e).__name__}: {e}"})
                    break
                if counts:
                    self.observer.events_dispatched(counts)
                if not jobs and not counts:
                    break
                self.pool.submit(jobs)

    def _record_loop(self) -> None:
        ctx = self.thread_context()
        self.journal.relaxed()  # marks records done that are already in git
        next_prune = time.monotonic() + PRUNE_EVERY
        while not self.stopping.is_set():
            self.wake_record.wait(self.tick)
            self.wake_record.clear()
            try:
                self._flush_records(ctx)
                if time.monotonic() >= next_prune:
                    next_prune = time.monotonic() + PRUNE_EVERY
                    self.journal.prune()
            except Exception as e:  # git refused (disk, lock): the records stay in the journal, tried again
                self.observer.log({"msg": "recording failed", "error": f"{type(e).__name__}: {e}"})
                time.sleep(self.tick)

    def _flush_records(self, ctx: ThreadContext) -> int:
        from keepwf.store.runlog import RunLog

        n = 0
        while True:
            rows = self.journal.records_to_write()
            if not rows:
                return n
            RunLog(ctx.repo).append_many([json.loads(r["record"]) for r in rows])
            self.journal.mark_done([r["id"] for r in rows])
            n += len(rows)

    def _schedule_loop(self) -> None:
        from keepwf.service.runtime.schedule import due_intervals

        ctx = self.thread_context()
        while self._pause(self.tick):
            try:
                if due_intervals(ctx.index, self.journal, self.env, utcnow()):
                    self.wake_dispatch.set()
            except Exception as e:
                self.observer.log({"msg": "schedule failed", "error": f"{type(e).__name__}: {e}"})

    def _pause(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless stopping (then False). Short sleeps, not Event.wait(timeout): a timed condition
        wait never returns under libfaketime's shifted clock (the tests' other time zone and date)."""
        end = time.monotonic() + seconds
        while not self.stopping.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return True
            time.sleep(min(left, 0.05))
        return False

    def _sync_loop(self) -> None:
        from keepwf.service.sync import sync

        ctx = self.thread_context()
        while self._pause(self.sync_interval * random.uniform(0.8, 1.2)):
            try:
                res = sync(ctx.repo, self.sync_remote)
                self.observer.log({"msg": "sync", "remote": self.sync_remote, "runs_after": res.runs_after})
            except Exception as e:  # a remote that is down must not stop the runtime
                self.observer.log({"msg": "sync failed", "remote": self.sync_remote,
                                   "error": getattr(e, "message", None) or f"{type(e).__name__}: {e}"})
