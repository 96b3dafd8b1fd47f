"""Intake: journal accepted events before they are acknowledged (the 202), committing concurrent requests together.

``Intake.accept(events, done)`` queues the events of one request; a single writer thread commits everything queued
so far in one SQLite transaction (one fsync for many requests), then calls each request's ``done(task, error)``.
This is the queue interface the HTTP layer sees: a Procrastinate-backed queue would implement the same ``accept``.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Callable

from keepwf.model.runrecord import format_started, new_run_id, utcnow
from keepwf.store.journal import dumps

MAX_BATCH = 1000


@dataclass
class Event:
    kind: str  # alert | incident | manual | interval
    body: dict
    workflow: str | None = None


class ShuttingDown(Exception):
    """The runtime no longer accepts events (SIGTERM)."""


class Intake:
    def __init__(self, journal, env: str, on_committed: Callable[[], None], observer):
        self.journal = journal
        self.env = env
        self.on_committed = on_committed
        self.observer = observer
        self.q: queue.Queue = queue.Queue()
        self.open = True
        self.thread = threading.Thread(target=self._loop, name="keepwf-intake", daemon=True)
        self.thread.start()

    def accept(self, events: list[Event], done: Callable[[str | None, BaseException | None], None]) -> None:
        """Journal ``events`` (one request's); ``done(task, None)`` once they are on disk, ``done(None, error)`` if not."""
        if not self.open:
            done(None, ShuttingDown("keepwf serve is shutting down"))
            return
        self.q.put((events, done))

    def close(self) -> None:
        """Stop accepting; what is queued is still committed."""
        self.open = False
        self.q.put(None)
        self.thread.join(10)

    def _loop(self) -> None:
        stop = False
        while not stop:
            item = self.q.get()
            batch = []
            while True:
                if item is None:
                    stop = True
                else:
                    batch.append(item)
                if len(batch) >= MAX_BATCH:
                    break
                try:
                    item = self.q.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._commit(batch)

    def _commit(self, batch) -> None:
        received = format_started(utcnow())
        rows, tasks = [], []
        for events, _done in batch:
            task = new_run_id()
            tasks.append(task)
            rows += [(task, e.kind, self.env, dumps(e.body), received, e.workflow) for e in events]
        try:
            self.journal.add_events(rows)
        except Exception as e:  # the disk refused: no 202 for any of them
            for _events, done in batch:
                done(None, e)
            return
        for (events, done), task in zip(batch, tasks):
            kinds: dict[str, int] = {}
            for e in events:
                kinds[e.kind] = kinds.get(e.kind, 0) + 1
            for k, n in kinds.items():
                self.observer.events_received(k, n)
            done(task, None)
        self.on_committed()
