"""``postgres`` with psycopg 3 (imported when such a step runs). Keep's config: ``authentication`` with ``host``,
``port`` (5432), ``database``, ``username``, ``password``. Parameters and result shape: ``sql.py``.

Read-only by default: the connection's transactions are ``READ ONLY`` (PostgreSQL refuses every write, DDL included)
and the statement goes through the extended protocol, so one step runs one statement (no ``COMMIT; …`` escape).
A step with ``read_only: false`` commits. As an action the result is ``None``, as Keep's ``_notify``.
"""

from __future__ import annotations

import math
from typing import Any

from keepwf.engine.providers.base import Provider, ProviderCall, ProviderError, register
from keepwf.engine.providers.settings import auth_of, port_of
from keepwf.engine.providers.sql import WRITE_HINT, first_line, shape, sql_request

WHO = "postgres"


def _driver():
    try:
        import psycopg
    except ImportError:  # pragma: no cover - a dependency of keepwf
        raise ProviderError("postgres: the psycopg driver is not installed (pip install 'psycopg[binary]')") from None
    return psycopg


def run_query(call: ProviderCall) -> Any:
    req = sql_request(call, WHO, formats_extra=False)
    auth = auth_of(call, WHO, ("host", "username"))
    psycopg = _driver()
    host, port, database = str(auth["host"]), port_of(auth, 5432, WHO), auth.get("database") or None
    where = f"{host}:{port}" + (f"/{database}" if database else "")
    try:
        conn = psycopg.connect(host=host, port=port, dbname=database, user=str(auth["username"]),
                               password=auth.get("password") or None, connect_timeout=max(2, math.ceil(req.timeout)),
                               options=f"-c statement_timeout={int(req.timeout * 1000)}", application_name="keepwf")
    except psycopg.Error as e:
        raise ProviderError(f"{WHO}: cannot connect to {where}: {first_line(e)}") from None
    try:
        conn.read_only = req.read_only
        with conn.cursor() as cur:
            # prepare=True: the extended protocol, which takes exactly one statement
            cur.execute(req.query, req.parameters, prepare=True if req.read_only else None)
            columns = [c.name for c in cur.description or []]
            rows = cur.fetchall() if cur.description else []
        if req.read_only:
            conn.rollback()
        else:
            conn.commit()
    except psycopg.errors.ReadOnlySqlTransaction as e:
        raise ProviderError(f"{WHO}: {first_line(e)}; {WRITE_HINT}") from None
    except psycopg.errors.QueryCanceled as e:
        raise ProviderError(f"{WHO}: the query was stopped after the timeout of {req.timeout:g}s "
                            f"({first_line(e)})") from None
    except psycopg.Error as e:
        msg = first_line(e)
        if "multiple commands" in msg:
            msg += " (a read-only step runs one statement)"
        raise ProviderError(f"{WHO}: query failed on {where}: {msg}") from None
    finally:
        conn.close()
    return shape(rows, columns, req, WHO)


@register
class PostgresProvider(Provider):
    type = WHO

    def query(self, call: ProviderCall) -> Any:
        return run_query(call)

    def notify(self, call: ProviderCall) -> Any:
        run_query(call)
        return None
