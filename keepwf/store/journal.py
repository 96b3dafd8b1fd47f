"""The serve journal: accepted events and their runs in SQLite (WAL, ``synchronous=FULL``) under ``.git/keepwf/``.

An event is written here before ``keepwf serve`` answers 202, so it survives ``kill -9`` (and a power cut): the
journal is the durable queue between intake and the workers. Tables:

- ``events``: one row per accepted alert/incident/manual/interval event, ``state`` queued → dispatched |
  deduplicated | unmatched (the dispatcher fans an event out to jobs in the same transaction that closes it);
- ``jobs``: one row per run to make, ``state`` queued → running → recorded → done (``record`` holds the finished
  run record until it is in the git run log: the outbox that makes recording exactly-once);
- ``alerts``: the last alert hash per fingerprint (Keep's full-duplicate rule);
- ``enrichments``: the alert enrichments runs recorded, per fingerprint (what a waiting run re-reads);
- ``schedule``: the last start of each interval workflow.

Each thread gets its own connection; SQLite serialises the writers (``BEGIN IMMEDIATE``, busy timeout).
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterable

DIR = "keepwf"
BUSY_WAIT = 30.0
KEEP_DONE = 10_000  # finished jobs/events kept (for a look with sqlite3); older ones are pruned  # seconds a writer waits for another process's transaction
FILE = "serve-journal.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, task TEXT NOT NULL, kind TEXT NOT NULL, env TEXT NOT NULL,
    body TEXT NOT NULL, received TEXT NOT NULL, workflow TEXT, state TEXT NOT NULL DEFAULT 'queued', note TEXT);
CREATE INDEX IF NOT EXISTS events_state ON events(state, seq);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER NOT NULL, task TEXT, env TEXT NOT NULL, workflow TEXT NOT NULL,
    kind TEXT NOT NULL, key TEXT NOT NULL, strategy TEXT NOT NULL, event TEXT, inputs TEXT, arrived TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued', attempt INTEGER NOT NULL DEFAULT 0, run_id TEXT, retry_of TEXT,
    record TEXT, status TEXT, blob TEXT);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, id);
CREATE TABLE IF NOT EXISTS alerts (fingerprint TEXT PRIMARY KEY, hash TEXT NOT NULL, seen TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enrichments (fingerprint TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (fingerprint, key));
CREATE TABLE IF NOT EXISTS schedule (env TEXT NOT NULL, workflow TEXT NOT NULL, last_started TEXT NOT NULL,
    PRIMARY KEY (env, workflow));
"""


def journal_path(repo) -> Path:
    return Path(repo.common_dir) / DIR / FILE


class Journal:
    """The SQLite file; ``tx()`` is a write transaction on this thread's connection."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._lock_fd = os.open(str(self.path) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        self.conn().executescript(_SCHEMA)

    def conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "c", None)
        if c is None:
            c = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_WAIT, check_same_thread=False)
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=FULL")  # a 202 means on disk: fsync at each commit (commits are grouped)
            c.row_factory = sqlite3.Row
            self._local.c = c
            with self._lock:
                self._all.append(c)
        return c

    def tx(self) -> "_Tx":
        """A write transaction. Writers queue on a thread lock and a file lock (both wake the next writer at once)
        rather than in SQLite's busy handler, which sleeps up to 100 ms between tries: the HTTP process's commit
        never waits long behind the runner process's."""
        return _Tx(self.conn(), self._write_lock, self._lock_fd)

    def relaxed(self) -> None:
        """This thread's commits skip the fsync (``synchronous=NORMAL``: still safe from a killed process, only a
        power cut can undo the last ones). For the workers' job-state updates: the events behind them are synced, and
        recovery checks every run id against the git run log."""
        self.conn().execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        with self._lock:
            for c in self._all:
                try:
                    c.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
        self._local = threading.local()
        try:
            os.close(self._lock_fd)
        except OSError:
            pass

    # -- intake ------------------------------------------------------------------------------------------------
    def add_events(self, rows: Iterable[tuple[str, str, str, str, str, str | None]]) -> None:
        """(task, kind, env, body JSON, received, workflow) rows, in one transaction."""
        with self.tx() as c:
            c.executemany("INSERT INTO events(task, kind, env, body, received, workflow) VALUES (?,?,?,?,?,?)", rows)

    def queued_events(self, limit: int = 200) -> list[sqlite3.Row]:
        return self.conn().execute("SELECT * FROM events WHERE state='queued' ORDER BY seq LIMIT ?", (limit,)).fetchall()

    # -- jobs --------------------------------------------------------------------------------------------------
    def jobs_in(self, state: str) -> list[sqlite3.Row]:
        return self.conn().execute("SELECT * FROM jobs WHERE state=? ORDER BY id", (state,)).fetchall()

    def set_job(self, job_id: int, **fields: Any) -> None:
        cols = ", ".join(f"{k}=?" for k in fields)
        with self.tx() as c:
            c.execute(f"UPDATE jobs SET {cols} WHERE id=?", (*fields.values(), job_id))

    def records_to_write(self, limit: int = 500) -> list[sqlite3.Row]:
        return self.conn().execute("SELECT id, record FROM jobs WHERE state='recorded' ORDER BY id LIMIT ?",
                                   (limit,)).fetchall()

    def mark_done(self, job_ids: list[int]) -> None:
        with self.tx() as c:
            c.executemany("UPDATE jobs SET state='done', record=NULL WHERE id=?", [(i,) for i in job_ids])

    def pending(self) -> int:
        """Events and runs accepted but not yet in the run log."""
        c = self.conn()
        ev = c.execute("SELECT count(*) FROM events WHERE state='queued'").fetchone()[0]
        jb = c.execute("SELECT count(*) FROM jobs WHERE state IN ('queued','running','recorded')").fetchone()[0]
        return ev + jb

    def prune(self, keep: int = KEEP_DONE) -> int:
        """Forget finished work beyond the newest ``keep`` jobs and events (their records are in git): the journal
        stays small however long serve runs. Returns the rows removed."""
        with self.tx() as c:
            n = c.execute("DELETE FROM jobs WHERE state='done' AND id <= (SELECT max(id) FROM jobs) - ?", (keep,)).rowcount
            n += c.execute("DELETE FROM events WHERE state != 'queued' AND seq <= (SELECT max(seq) FROM events) - ? "
                           "AND seq NOT IN (SELECT seq FROM jobs WHERE state != 'done')", (keep,)).rowcount
        return n

    # -- interval schedule -------------------------------------------------------------------------------------
    def last_started(self, env: str, workflow: str) -> str | None:
        r = self.conn().execute("SELECT last_started FROM schedule WHERE env=? AND workflow=?", (env, workflow)).fetchone()
        return r[0] if r else None


class _Tx:
    def __init__(self, c: sqlite3.Connection, lock: threading.Lock, lock_fd: int):
        self.c = c
        self.lock = lock
        self.lock_fd = lock_fd

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        try:
            fcntl.flock(self.lock_fd, fcntl.LOCK_EX)
            try:
                self.c.execute("BEGIN IMMEDIATE")
            except BaseException:
                fcntl.flock(self.lock_fd, fcntl.LOCK_UN)
                raise
        except BaseException:
            self.lock.release()
            raise
        return self.c

    def __exit__(self, et, ev, tb) -> None:
        try:
            self.c.execute("COMMIT" if et is None else "ROLLBACK")
        finally:
            fcntl.flock(self.lock_fd, fcntl.LOCK_UN)
            self.lock.release()


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, default=str, separators=(",", ":"))
