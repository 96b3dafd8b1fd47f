"""Intake on the PostgreSQL queue (``keepwf serve --queue URL``): the run itself is the job.

The same ``accept(events, done)`` interface and request batching as the embedded ``Intake``; instead of journaling the
event, one commit plans it exactly as the embedded dispatcher does (``plan_event``: Keep's full-duplicate rule, the
deployed workflows matched as ``keepwf trigger`` matches them) and defers one Procrastinate job per (event × matched
workflow), each carrying the run id decided here. The 202 follows the commit. Per job:

- ``nonparallel_with_retry``: ``lock = env:workflow:fingerprint`` — a later job of the key waits for the running one;
- ``nonparallel``: the same ``lock`` plus ``queueing_lock``: one running and one waiting; a third is deferred as a
  *reject* job that records Keep's error run "Workflow already running with the same fingerprint";
- ``parallel``: no lock.

The full-duplicate rule is shared by every intake node through ``keepwf_alerts`` (one conditional upsert per alert).
"""

from __future__ import annotations

from typing import Any

from keepwf.model.runrecord import format_started, new_run_id, utcnow
from keepwf.service.runtime.intake import Intake
from keepwf.store.journal import dumps


def job_lock(job: dict) -> str | None:
    return None if job["strategy"] == "parallel" else f"{job['env']}:{job['key']}"


def defer_jobs(app, jobs: list[dict]) -> int:
    """Defer ``jobs`` (grouped by lock, one round trip per group); returns how many became *reject* jobs."""
    from procrastinate.exceptions import AlreadyEnqueued

    from keepwf.store.pgqueue import QUEUE, TASK_RUN

    groups: dict[str | None, list[dict]] = {}
    rejects = 0
    for j in jobs:
        lock = job_lock(j)
        if j["strategy"] == "nonparallel":
            try:
                app.configure_task(TASK_RUN, queue=QUEUE, lock=lock, queueing_lock=lock).defer(job=j)
            except AlreadyEnqueued:
                rejects += 1
                groups.setdefault(None, []).append(dict(j, reject=True))
            continue
        groups.setdefault(lock, []).append(j)
    for lock, js in groups.items():
        app.configure_task(TASK_RUN, queue=QUEUE, lock=lock).batch_defer(*({"job": j} for j in js))
    return rejects


class QueueIntake(Intake):
    def __init__(self, root, url: str, env: str, observer):
        self.root, self.url = root, url
        self._ctx: dict[str, Any] | None = None
        super().__init__(None, env, lambda: None, observer)

    def _context(self) -> dict[str, Any]:
        if self._ctx is None:  # in the intake thread: its own Repo, index, history and connections
            from keepwf.service.history import RunLogHistory
            from keepwf.service.runtime.versions import DeployedIndex
            from keepwf.store.pgqueue import connect, make_app
            from keepwf.store.repo import Repo

            repo = Repo.discover(self.root)
            app = make_app(self.url, sync=True)
            app.open()
            self._ctx = {"repo": repo, "index": DeployedIndex(repo, self.env), "history": RunLogHistory(repo, self.env),
                         "conn": connect(self.url), "app": app}
        return self._ctx

    def close(self) -> None:
        super().close()
        self._drop_context()

    def _drop_context(self) -> None:
        """Close the connections (the next commit opens new ones: the database may have restarted)."""
        ctx, self._ctx = self._ctx, None
        for what in ("app", "conn"):
            try:
                if ctx is not None:
                    ctx[what].close()
            except Exception:
                pass

    def _commit(self, batch) -> None:
        from keepwf.service.runtime.dispatch import Planned, plan_event
        from keepwf.store.pgqueue import remember_alert_hash

        received = format_started(utcnow())
        counts: dict[str, int] = {}
        tasks, jobs = [], []
        try:
            ctx = self._context()
            conn = ctx["conn"]
            with conn.transaction():  # the hashes commit only once the jobs are deferred (a failure: no 202)
                for events, _done in batch:
                    task = new_run_id()
                    tasks.append(task)
                    for e in events:
                        row = {"kind": e.kind, "env": self.env, "body": dumps(e.body), "received": received,
                               "workflow": e.workflow}
                        try:
                            p = plan_event(row, ctx["index"], ctx["history"], None, new_run_id)
                        except Exception as err:  # a workflow that cannot be loaded: the event is not matched
                            p = Planned("unmatched", note=f"dispatch failed: {err}")
                        if p.alert_hash and not remember_alert_hash(conn, self.env, *p.alert_hash):
                            p = Planned("deduplicated")
                        counts[p.state] = counts.get(p.state, 0) + 1
                        jobs += [dict(j, task=task) for j in p.jobs]
                defer_jobs(ctx["app"], jobs)
        except Exception as e:  # the database refused or is down: no 202 for any of them (the sender retries)
            self._drop_context()
            for _events, done in batch:
                done(None, e)
            return
        for (events, done), task in zip(batch, tasks):
            for e in events:
                self.observer.events_received(e.kind, 1)
            done(task, None)
        self.observer.events_dispatched(counts)


class QueueRuntime:
    """What the HTTP app needs from a runtime (``intake``, ``stop_accepting``, ``shutdown``), on the queue."""

    def __init__(self, root, url: str, env: str | None, observer):
        from keepwf.store.pgqueue import ensure_schema
        from keepwf.store.repo import Repo
        from keepwf.store.settings import load_config

        self.root, self.url = root, url
        self.env = load_config(Repo.discover(root)).env(env).name
        self.observer = observer
        ensure_schema(url)
        self.intake: QueueIntake | None = None

    def start_intake(self) -> None:
        self.intake = QueueIntake(self.root, self.url, self.env, self.observer)

    def stop_accepting(self) -> None:
        if self.intake is not None and self.intake.open:
            self.intake.close()

    def shutdown(self, grace: float = 0) -> dict[str, int]:
        self.stop_accepting()
        return {"waiting_in_queue": self.pending()}

    def pending(self) -> int:
        from keepwf.store.pgqueue import connect, waiting_jobs

        try:
            with connect(self.url) as conn:
                return waiting_jobs(conn)
        except Exception:
            return -1
