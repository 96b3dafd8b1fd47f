"""The PostgreSQL queue of ``keepwf serve`` past one machine: Procrastinate's jobs, plus two small keepwf tables.

- ``procrastinate_*``: Procrastinate's own schema (applied once, under an advisory lock, by whoever starts first);
- ``keepwf_alerts(env, fingerprint, hash)``: the last alert hash per fingerprint (Keep's full-duplicate rule, shared
  by every intake node: the upsert that changes the hash is the one that dispatches);
- ``keepwf_schedule(env, workflow, last_started)``: interval triggers, Keep's rule (last start + interval ≤ now),
  claimed with one conditional upsert on the database clock, so one worker wins each period.

Procrastinate and psycopg are the optional extra ``queue``; they are imported here, inside functions, only.
"""

from __future__ import annotations

import re
from typing import Any

from keepwf.errors import StateError, UsageError

QUEUE = "keepwf"
TASK_RUN = "keepwf_run"
TASK_TICK = "keepwf_tick"
SCHEMA_LOCK = 7_457_011  # pg_advisory_lock key while the schema is applied

KEEPWF_TABLES = """
CREATE TABLE IF NOT EXISTS keepwf_alerts (
    env text NOT NULL, fingerprint text NOT NULL, hash text NOT NULL, seen timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (env, fingerprint));
CREATE TABLE IF NOT EXISTS keepwf_schedule (
    env text NOT NULL, workflow text NOT NULL, last_started timestamptz NOT NULL, PRIMARY KEY (env, workflow));
"""


def redact(url: str) -> str:
    """The URL without its password (for logs and messages)."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def check_url(url: str) -> str:
    if not re.match(r"^postgres(ql)?://", url or ""):
        raise UsageError(f"queue {redact(url)!r} is not a PostgreSQL URL",
                         hint="--queue postgresql://USER@HOST:5432/DB   (or [serve] queue = \"postgresql://…\")")
    return url


def _imports():
    try:
        import procrastinate
        import psycopg
    except ImportError as e:
        raise UsageError(f"the PostgreSQL queue needs the optional extra 'queue' ({e.name} is not installed)",
                         hint="pip install 'keepwf[queue]'") from e
    return procrastinate, psycopg


def connect(url: str):
    """An autocommit psycopg connection; a clear error when the server does not answer."""
    _procrastinate, psycopg = _imports()
    try:
        return psycopg.connect(check_url(url), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise StateError(f"cannot reach the queue database {redact(url)}: {first}",
                         hint="is PostgreSQL running, and does the database exist? (createdb NAME)") from e


def ensure_schema(url: str) -> None:
    """Procrastinate's schema and keepwf's tables, created when missing (safe when several nodes start at once)."""
    procrastinate, _psycopg = _imports()
    from procrastinate.schema import SchemaManager

    with connect(url) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            if conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0] is None:
                conn.execute(SchemaManager.get_schema().encode())
            conn.execute(KEEPWF_TABLES.encode())
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))


def make_app(url: str, *, sync: bool = False):
    """A Procrastinate app on ``url``: sync connector for intake and status, async (pool) for workers."""
    procrastinate, _psycopg = _imports()
    check_url(url)
    if sync:
        return procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=url, min_size=1, max_size=4))
    return procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))


def remember_alert_hash(conn, env: str, fingerprint: str, h: str) -> bool:
    """Record ``h`` as the last hash of ``fingerprint``; False when it already was (a full duplicate)."""
    row = conn.execute(
        "INSERT INTO keepwf_alerts(env, fingerprint, hash) VALUES (%s,%s,%s) ON CONFLICT (env, fingerprint) "
        "DO UPDATE SET hash=excluded.hash, seen=now() WHERE keepwf_alerts.hash <> excluded.hash RETURNING 1",
        (env, fingerprint, h)).fetchone()
    return row is not None


def claim_interval(conn, env: str, workflow: str, every_s: int) -> str | None:
    """Take this period of ``workflow``'s interval (first time: at once); the database's time of the claim (ISO) when
    this caller won, None when the period is not over or another worker took it."""
    row = conn.execute(
        "INSERT INTO keepwf_schedule(env, workflow, last_started) VALUES (%s,%s,now()) ON CONFLICT (env, workflow) "
        "DO UPDATE SET last_started=now() WHERE keepwf_schedule.last_started + make_interval(secs => %s) <= now() "
        "RETURNING last_started", (env, workflow, every_s)).fetchone()
    return row[0].isoformat() if row else None


def queue_status(url: str, stalled_after_s: float) -> dict[str, Any]:
    """Jobs by workflow and state, the workers and which of them stopped sending heartbeats."""
    with connect(url) as conn:
        if conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0] is None:
            return {"workflows": {}, "workers": [], "stalled_workers": 0, "initialised": False}
        rows = conn.execute(
            "SELECT args->'job'->>'workflow', status::text, count(*) FROM procrastinate_jobs "
            "WHERE task_name=%s GROUP BY 1, 2 ORDER BY 1, 2", (TASK_RUN,)).fetchall()
        wfs: dict[str, dict[str, int]] = {}
        for wf, status, n in rows:
            wfs.setdefault(wf or "?", {})[status] = n
        workers = [{"id": wid, "last_heartbeat": hb.isoformat(), "seconds_since": round(float(age), 1),
                    "running": running, "stalled": float(age) > stalled_after_s}
                   for wid, hb, age, running in conn.execute(
                       "SELECT w.id, w.last_heartbeat, extract(epoch FROM now() - w.last_heartbeat), "
                       "(SELECT count(*) FROM procrastinate_jobs j WHERE j.worker_id=w.id AND j.status='doing') "
                       "FROM procrastinate_workers w ORDER BY w.id").fetchall()]
    return {"workflows": wfs, "workers": workers, "stalled_workers": sum(w["stalled"] for w in workers),
            "initialised": True}


def waiting_jobs(conn) -> int:
    return conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')").fetchone()[0]
