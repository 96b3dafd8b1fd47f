"""Workers: run the journaled jobs through the same ``execute`` as ``keepwf run``/``trigger`` (the deployed version
read from git, the pure engine, one run record), honouring Keep's ``strategy`` per (workflow, fingerprint):

- ``nonparallel_with_retry`` (default): a job whose key is running waits, then runs with the alert re-read (the
  enrichments recorded by the runs it waited for are applied to it, as Keep re-reads the alert's enrichments);
- ``nonparallel``: a job whose key is running is recorded as an error run "already running" without running;
- ``parallel``: never waits.

A finished record goes to the journal (state ``recorded``), and the recorder appends it to the git run log.
"""

from __future__ import annotations

import ctypes
import json
import threading
from typing import Any

from keepwf.model.runrecord import new_run_id, utcnow

ALREADY_RUNNING = "Workflow already running with the same fingerprint"


class WorkerPool:
    def __init__(self, runtime, n: int):
        self.rt = runtime
        self.n = max(1, n)
        self.queue: list[dict] = []  # queued jobs, oldest first (the journal holds them durably)
        self.busy: dict[str, int] = {}
        self.waited: set[int] = set()  # jobs that waited for their key (re-read the alert before running)
        self.running: dict[int, dict] = {}  # thread ident -> job being run
        self.cond = threading.Condition()
        self.accepting = True
        self.threads: list[threading.Thread] = []

    # -- queue -------------------------------------------------------------------------------------------------
    def submit(self, jobs: list[dict]) -> None:
        with self.cond:
            self.queue.extend(jobs)
            self.cond.notify_all()

    def depth(self) -> int:
        with self.cond:
            return len(self.queue)

    def _claim(self) -> tuple[str, dict] | None:
        for i, job in enumerate(self.queue):
            key = job["key"]
            if job["strategy"] == "parallel" or not self.busy.get(key):
                del self.queue[i]
                self.busy[key] = self.busy.get(key, 0) + 1
                return "run", job
            if job["strategy"] == "nonparallel":
                del self.queue[i]
                return "reject", job
            self.waited.add(job["id"])  # nonparallel_with_retry: stays queued behind the running one
        return None

    def start(self) -> None:
        for i in range(self.n):
            t = threading.Thread(target=self._loop, name=f"keepwf-worker-{i}", daemon=True)
            t.start()
            self.threads.append(t)

    def stop_claiming(self) -> None:
        with self.cond:
            self.accepting = False
            self.cond.notify_all()

    def running_count(self) -> int:
        with self.cond:
            return len(self.running)

    def cancel_running(self) -> int:
        """Interrupt the runs still going (the engine records them; the record says ``cancelled``)."""
        with self.cond:
            items = [(tid, job) for tid, job in self.running.items() if not job.get("recording")]
            for _tid, job in items:
                job["cancelled"] = True
        for tid, _job in items:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid), ctypes.py_object(KeyboardInterrupt))
        return len(items)

    # -- the loop ----------------------------------------------------------------------------------------------
    def _loop(self) -> None:
        ctx = self.rt.thread_context()
        ctx.journal.relaxed()
        while True:
            with self.cond:
                claimed = None
                while self.accepting and (claimed := self._claim()) is None:
                    self.cond.wait(0.5)
                if not self.accepting:
                    if claimed is not None and claimed[0] == "run":  # not started: back to the queue (journal: queued)
                        self.busy[claimed[1]["key"]] -= 1
                        self.queue.insert(0, claimed[1])
                    return
                what, job = claimed
                if what == "run":
                    self.running[threading.get_ident()] = job
            try:
                self._do(ctx, what, job)
            except KeyboardInterrupt:  # a cancel that arrived outside the engine: the job stays for the next start
                pass
            except Exception as e:  # the version cannot be loaded, or a bug: say so, and do not retry it forever
                why = getattr(e, "message", None) or f"{type(e).__name__}: {e}"
                self.rt.observer.log({"msg": "job failed", "job": job["id"], "workflow": job["workflow"],
                                      "task": job.get("task"), "error": why})
                try:
                    ctx.journal.set_job(job["id"], state="done", status="failed")
                except Exception:
                    pass
            finally:
                with self.cond:
                    self.running.pop(threading.get_ident(), None)
                    if what == "run":
                        self.busy[job["key"]] -= 1
                        if not self.busy[job["key"]]:
                            del self.busy[job["key"]]
                    self.cond.notify_all()

    def _do(self, ctx, what: str, job: dict) -> None:
        from keepwf.service.execute import Target, build_record, execute

        journal, index, repo = ctx.journal, ctx.index, ctx.repo
        attempt = int(job.get("attempt") or 0) + 1
        run_id = job["run_id"] if attempt == 1 else new_run_id()
        retry_of = job["run_id"] if attempt > 1 else None
        extra: dict[str, Any] = {"attempt": attempt, "task": job.get("task")}
        if retry_of:
            extra["retry_of"] = retry_of
        journal.set_job(job["id"], state="running", attempt=attempt, run_id=run_id, retry_of=retry_of)
        job.update(attempt=attempt, run_id=run_id, retry_of=retry_of)
        event = json.loads(job["event"]) if job.get("event") else None
        v = index.version_for(job["workflow"], event)
        if v is None:
            journal.set_job(job["id"], state="done", status="undeployed")
            return
        doc = index.doc(v, job["workflow"])
        kind = job["kind"]
        if job.get("blob") and v.blob != job["blob"] and event is not None and kind in ("alert", "incident"):
            from keepwf.service.runtime.dispatch import still_matches

            if not still_matches(doc, kind, event):  # deployed since dispatch, and this version does not want it
                journal.set_job(job["id"], state="done", status="unmatched")
                self.rt.observer.log({"msg": "not run", "workflow": job["workflow"], "version": v.label,
                                      "task": job.get("task"), "reason": "the version deployed since does not match"})
                return
        t = Target(job["workflow"], job["env"], doc, v.commit, v.blob, v.path, v.label, v.tag)

        def record(rec: dict) -> None:
            job["recording"] = True
            if job.get("cancelled") and rec.get("error") == "interrupted":
                rec["status"] = "cancelled"
            self.rt.store_record(journal, job, rec)

        if what == "reject":
            rec = build_record(t, utcnow(), trigger=kind, event=event, steps_so_far=[], repo=repo, run_id=run_id)
            rec.update(extra, error=ALREADY_RUNNING, duration_ms=0, event=event)
            record(rec)
            return
        before = job["arrived"]
        if job["id"] in self.waited:
            self.waited.discard(job["id"])
            before = None  # it waited: it sees the runs it waited for
            if event is not None:
                event = self.rt.reread_alert(journal, job, event)
        ekind = "incident" if kind == "incident" else ("alert" if event is not None else None)
        inputs = json.loads(job["inputs"]) if job.get("inputs") else {}
        execute(repo, t, trigger=kind, event=event, event_kind=ekind, inputs=inputs, config=ctx.config,
                history_before=before, run_id=run_id, extra=extra, record=record)
