"""Workers on the PostgreSQL queue (``keepwf worker --queue URL``): each job is one run, made by the same ``execute``
as ``keepwf run``/``trigger``/``serve`` and appended to this host's clone (one git writer per host); ``sync`` pushes
the records and pulls deploys on a jittered timer and on shutdown.

- the version is the one deployed in this clone when the job starts (the record says which);
- a job retried after its worker died (Procrastinate's ``attempts`` > 0) records ``attempt`` and ``retry_of`` (the
  run id the intake decided); if that run id is already in this clone's run log, nothing is appended again;
- ``keepwf_tick`` (a periodic job, deferred once per second across all workers) puts back the running jobs of
  workers whose heartbeat stopped (3 heartbeats), then claims due interval triggers in ``keepwf_schedule`` — one
  worker wins each period — and defers their runs.
"""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import time
from typing import Any

from keepwf.model.runrecord import new_run_id, utcnow
from keepwf.service.runtime.observe import Observer


class QueueWorker:
    def __init__(self, root, url: str, env: str | None = None, *, observer: Observer | None = None,
                 sync_remote: str | None = None, sync_interval: float = 30.0, heartbeat: float = 10.0):
        from keepwf.store.repo import Repo
        from keepwf.store.settings import load_config

        self.root, self.url = root, url
        self.config = load_config(Repo.discover(root))
        self.env = self.config.env(env).name
        self.observer = observer or Observer()
        self.sync_remote, self.sync_interval = sync_remote, sync_interval
        self.heartbeat = heartbeat
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self._local = threading.local()

    def ctx(self):
        c = getattr(self._local, "ctx", None)
        if c is None:
            from keepwf.service.runtime.versions import DeployedIndex
            from keepwf.store.repo import Repo

            repo = Repo.discover(self.root)
            c = self._local.ctx = (repo, DeployedIndex(repo, self.env))
        return c

    # -- the jobs ----------------------------------------------------------------------------------------------
    def run_job(self, job: dict, attempts: int) -> str:
        from keepwf.service.execute import Target, build_record, execute
        from keepwf.service.runtime.recovery import run_ids_in_log
        from keepwf.service.runtime.worker import ALREADY_RUNNING
        from keepwf.store.runlog import RunLog

        repo, index = self.ctx()
        first = job["run_id"]
        attempt = attempts + 1
        if attempt > 1 and run_ids_in_log(repo, {first}):
            self.observer.log({"msg": "already recorded", "run_id": first, "workflow": job["workflow"]})
            return "already recorded"
        run_id = first if attempt == 1 else new_run_id()
        extra: dict[str, Any] = {"attempt": attempt, "task": job.get("task"), "worker": self.name}
        if attempt > 1:
            extra["retry_of"] = first
        event = json.loads(job["event"]) if job.get("event") else None
        v = index.version_for(job["workflow"], event)
        if v is None:
            self.observer.log({"msg": "not deployed", "workflow": job["workflow"], "env": job["env"], "run_id": first})
            return "undeployed"
        t = Target(job["workflow"], job["env"], index.doc(v, job["workflow"]), v.commit, v.blob, v.path, v.label, v.tag)
        if job.get("reject"):
            rec = build_record(t, utcnow(), trigger=job["kind"], event=event, steps_so_far=[], repo=repo, run_id=run_id)
            rec.update(extra, error=ALREADY_RUNNING, duration_ms=0, event=event)
            RunLog(repo).append_many([rec])
        else:
            kind = job["kind"]
            ekind = "incident" if kind == "incident" else ("alert" if event is not None else None)
            rec = execute(repo, t, trigger=kind, event=event, event_kind=ekind,
                          inputs=json.loads(job["inputs"]) if job.get("inputs") else {}, config=self.config,
                          history_before=job["arrived"], run_id=run_id, extra=extra).record
        self.observer.run_finished(rec)
        self.observer.log({"msg": "run", "run_id": rec.get("run_id"), "workflow": rec.get("workflow"),
                           "version": rec.get("version"), "status": rec.get("status"), "attempt": attempt,
                           "retry_of": extra.get("retry_of"), "duration_ms": rec.get("duration_ms")})
        return str(rec.get("status"))

    def tick(self, app) -> int:
        """Claim the due interval triggers of the deployed workflows and defer their runs; returns how many."""
        from keepwf.service.runtime.dispatch import interval_seconds, plan_event
        from keepwf.service.runtime.qintake import defer_jobs
        from keepwf.store.journal import dumps
        from keepwf.store.pgqueue import claim_interval, connect

        repo, index = self.ctx()
        due = []
        for wf, v in sorted(index.refresh().items()):
            doc = index.doc(v, wf)
            every = interval_seconds(doc)
            if every is not None and doc.data.get("disabled") not in (True, "true"):
                due.append((wf, every))
        if not due:
            return 0
        n = 0
        with connect(self.url) as conn:
            for wf, every in due:
                with conn.transaction():
                    stamp = claim_interval(conn, self.env, wf, every)
                    if stamp is None:
                        continue
                    row = {"kind": "interval", "env": self.env, "body": dumps({}), "received": stamp, "workflow": wf}
                    defer_jobs(app, [dict(j, task=new_run_id()) for j in
                                     plan_event(row, index, None, None, new_run_id).jobs])
                    n += 1
        return n

    async def retry_stalled(self, jm, stalled_after: float) -> int:
        """Put back the running jobs of workers whose heartbeat stopped; they run again on a live worker."""
        stalled = await jm.get_stalled_jobs(seconds_since_heartbeat=stalled_after)
        if stalled:  # at once by the database's clock (this host's clock may be ahead: the job would wait for it)
            now = (await jm.connector.execute_query_one_async("SELECT now() AS now"))["now"]
        for j in stalled:
            await jm.retry_job(j, retry_at=now)
            self.observer.log({"msg": "stalled job retried", "job": j.id, "task": j.task_name, "worker_id": j.worker_id})
        return len(stalled)

    # -- sync ---------------------------------------------------------------------------------------------------
    def sync_once(self) -> None:
        sync_once(self.root, self.sync_remote, self.observer)

    # -- the process -------------------------------------------------------------------------------------------
    def build_app(self):
        from keepwf.store.pgqueue import QUEUE, TASK_RUN, TASK_TICK, make_app

        app = make_app(self.url)
        stalled_after = 3 * self.heartbeat

        @app.task(name=TASK_RUN, queue=QUEUE, pass_context=True)
        def keepwf_run(context, job: dict) -> str:
            return self.run_job(job, context.job.attempts)

        @app.periodic(cron="* * * * * *")
        @app.task(name=TASK_TICK, queue=QUEUE, queueing_lock=TASK_TICK, pass_context=True)
        async def keepwf_tick(context, timestamp: int) -> int:
            import asyncio

            await self.retry_stalled(context.app.job_manager, stalled_after)
            return await asyncio.to_thread(self.tick, app)

        return app

    def run(self, concurrency: int = 4, grace: float = 30.0) -> None:
        """Work until SIGTERM/SIGINT (running jobs get ``grace`` seconds), then sync once more."""
        from keepwf.store.pgqueue import QUEUE, ensure_schema, redact

        ensure_schema(self.url)
        app = self.build_app()
        if self.sync_remote:
            self.sync_once()  # the deploys first
            threading.Thread(target=sync_loop, args=(self.root, self.sync_remote, self.sync_interval, self.stopping,
                                                     self.observer), name="keepwf-sync", daemon=True).start()
        self.observer.log({"msg": "worker started", "queue": redact(self.url), "env": self.env,
                           "concurrency": concurrency, "worker": self.name})
        try:
            with app.open():
                app.run_worker(queues=[QUEUE], concurrency=concurrency, delete_jobs="successful",
                               update_heartbeat_interval=self.heartbeat, stalled_worker_timeout=3 * self.heartbeat,
                               shutdown_graceful_timeout=grace, install_signal_handlers=True)
        finally:
            self.stopping.set()
            if self.sync_remote:
                self.sync_once()
            self.observer.log({"msg": "worker stopped", "worker": self.name})


def sync_once(root, remote: str, observer: Observer) -> None:
    from keepwf.service.sync import sync
    from keepwf.store.repo import Repo

    try:
        res = sync(Repo.discover(root), remote)
        observer.log({"msg": "sync", "remote": remote, "runs_after": res.runs_after})
    except Exception as e:  # a remote that is down must not stop the node: records wait in this clone
        observer.log({"msg": "sync failed", "remote": remote,
                      "error": getattr(e, "message", None) or f"{type(e).__name__}: {e}"})


def sync_loop(root, remote: str, interval: float, stopping: threading.Event, observer: Observer) -> None:
    """``sync`` every ``interval`` seconds ±20% (hosts do not push in lock-step) until ``stopping``."""
    while True:
        # short sleeps, not Event.wait(timeout): a lock wait with a timeout hangs under libfaketime's shifted clock
        end = time.monotonic() + interval * random.uniform(0.8, 1.2)
        while time.monotonic() < end and not stopping.is_set():
            time.sleep(0.2)
        if stopping.is_set():
            return
        sync_once(root, remote, observer)
