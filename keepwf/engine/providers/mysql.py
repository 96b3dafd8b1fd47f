"""``mysql`` (MySQL and MariaDB) with PyMySQL (imported when such a step runs). Keep's config: ``authentication`` with
``host``, ``port`` (3306), ``database``, ``username``, ``password``. Parameters and result shape: ``sql.py``; other
``with:`` keys fill ``{name}`` in the query, as Keep's ``query.format(**kwargs)``.

Read-only by default: ``SET SESSION TRANSACTION READ ONLY`` then ``START TRANSACTION READ ONLY`` (the server refuses
writes, DDL included; error 1792), one statement per step (multi-statements are off). ``read_only: false`` commits.
As an action the result is the rows, as Keep's ``_notify``.
"""

from __future__ import annotations

import math
from typing import Any

from keepwf.engine.providers.base import Provider, ProviderCall, ProviderError, register
from keepwf.engine.providers.settings import auth_of, port_of
from keepwf.engine.providers.sql import WRITE_HINT, first_line, shape, sql_request

WHO = "mysql"
READ_ONLY_REFUSED = 1792
STATEMENT_TIMEOUT = (1969, 3024)  # MariaDB max_statement_time, MySQL max_execution_time


def _driver():
    try:
        import pymysql
    except ImportError:  # pragma: no cover - a dependency of keepwf
        raise ProviderError("mysql: the PyMySQL driver is not installed (pip install PyMySQL)") from None
    return pymysql


def _limit_statement_time(cur, seconds: float) -> None:
    """A server-side bound: MariaDB's max_statement_time (seconds), else MySQL's max_execution_time (ms)."""
    for stmt in (f"SET SESSION max_statement_time = {seconds:.3f}", f"SET SESSION max_execution_time = {int(seconds * 1000)}"):
        try:
            cur.execute(stmt)
            return
        except Exception:  # noqa: BLE001 - the other server's variable; the client read timeout still bounds it
            continue


def run_query(call: ProviderCall) -> Any:
    req = sql_request(call, WHO, formats_extra=True)
    auth = auth_of(call, WHO, ("host", "username"))
    pymysql = _driver()
    host, port, database = str(auth["host"]), port_of(auth, 3306, WHO), auth.get("database") or None
    where = f"{host}:{port}" + (f"/{database}" if database else "")
    try:
        conn = pymysql.connect(host=host, port=port, user=str(auth["username"]), password=str(auth.get("password") or ""),
                               database=database, connect_timeout=max(1, math.ceil(req.timeout)),
                               read_timeout=math.ceil(req.timeout) + 2, write_timeout=math.ceil(req.timeout) + 2,
                               charset="utf8mb4", autocommit=False)
    except pymysql.Error as e:
        raise ProviderError(f"{WHO}: cannot connect to {where}: {_message(e)}") from None
    try:
        with conn.cursor() as cur:
            _limit_statement_time(cur, req.timeout)
            if req.read_only:
                cur.execute("SET SESSION TRANSACTION READ ONLY")
                cur.execute("START TRANSACTION READ ONLY")
            cur.execute(req.query, req.parameters)
            columns = [d[0] for d in cur.description or []]
            rows = list(cur.fetchall()) if cur.description else []
        if req.read_only:
            conn.rollback()
        else:
            conn.commit()
    except pymysql.Error as e:
        code = e.args[0] if e.args and isinstance(e.args[0], int) else None
        if code == READ_ONLY_REFUSED:
            raise ProviderError(f"{WHO}: {_message(e)}; {WRITE_HINT}") from None
        if code in STATEMENT_TIMEOUT:
            raise ProviderError(f"{WHO}: the query was stopped after the timeout of {req.timeout:g}s "
                                f"({_message(e)})") from None
        raise ProviderError(f"{WHO}: query failed on {where}: {_message(e)}") from None
    finally:
        conn.close()
    return shape(rows, columns, req, WHO)


def _message(e: BaseException) -> str:
    if len(e.args) >= 2 and isinstance(e.args[0], int):
        return f"({e.args[0]}) {first_line(Exception(e.args[1]))}"
    return first_line(e)


@register
class MysqlProvider(Provider):
    type = WHO

    def query(self, call: ProviderCall) -> Any:
        return run_query(call)
