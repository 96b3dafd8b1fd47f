#!/usr/bin/env python3
"""Query providers: the cost keepwf adds around a database query, and what they cost the CLI's start-up.

1. A `postgres` / `mysql` step run through the engine (``run_workflow`` of a one-step workflow: render, config,
   driver connect, read-only transaction, query, result shape, record) against the baseline of the same query done
   directly with the driver (connect, query, close) in the same run. Target: within 1.5× of the baseline (the
   connection dominates both). Needs the PostgreSQL/MariaDB of the project's machines (skipped if absent).
2. Start-up: ``import keepwf.engine`` must not import psycopg or PyMySQL; printed with the time those imports take.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

N = 8 if "--quick" in sys.argv else 40
WF = """
workflow:
  id: bench
  steps:
    - name: q
      provider:
        type: {type}
        config: "{{{{ providers.db }}}}"
        with:
          query: "select 1 as one, 'x' as name"
"""


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def median_ms(fn) -> float:
    fn()  # warm-up
    times = []
    for _ in range(N):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def engine_step(ptype: str, auth: dict):
    from keepwf.engine import RunOptions, run_workflow
    from keepwf.workflow.loader import load_source

    doc = load_source(WF.format(type=ptype).encode(), "bench.yml").docs[0]

    def go():
        r = run_workflow(doc, RunOptions(providers_file={"db": {"authentication": auth}}))
        assert r.status == "success", r.error
    return go


def direct_pg():
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres") as c:
        c.execute("select 1 as one, 'x' as name").fetchall()


def direct_mysql():
    import pymysql

    c = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", database="test")
    try:
        with c.cursor() as cur:
            cur.execute("select 1 as one, 'x' as name")
            cur.fetchall()
    finally:
        c.close()


def main() -> int:
    print(f"query step through the engine vs the driver alone, median of {N}:")
    if answers(5432):
        base = median_ms(direct_pg)
        ours = median_ms(engine_step("postgres", {"host": "127.0.0.1", "database": "test", "username": "postgres"}))
        print(f"  postgres: driver {base:.2f} ms, keepwf step {ours:.2f} ms, ratio {ours / base:.2f}x (target <= 1.5x)")
    else:
        print("  postgres: no server on 127.0.0.1:5432, skipped")
    if answers(3306):
        base = median_ms(direct_mysql)
        ours = median_ms(engine_step("mysql", {"host": "127.0.0.1", "database": "test", "username": "root"}))
        print(f"  mysql:    driver {base:.2f} ms, keepwf step {ours:.2f} ms, ratio {ours / base:.2f}x (target <= 1.5x)")
    else:
        print("  mysql: no server on 127.0.0.1:3306, skipped")
    probe = ("import sys, time; t = time.perf_counter(); import keepwf.engine; e = time.perf_counter() - t; "
             "loaded = [m for m in ('psycopg', 'pymysql') if m in sys.modules]; t = time.perf_counter(); "
             "import psycopg, pymysql; d = time.perf_counter() - t; "
             "print(f'  import keepwf.engine {e * 1000:.1f} ms, drivers loaded by it: {loaded or \"none\"}; '"
             "f'importing psycopg + pymysql would add {d * 1000:.1f} ms')")
    print("start-up:")
    subprocess.run([sys.executable, "-c", probe], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
