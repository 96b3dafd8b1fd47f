"""keepwf serve past one machine (issue 18): runs/s recorded end to end with 1, 2 and 3 workers on the PostgreSQL
queue, and the queue's overhead per run against the embedded queue, measured in the same run.

    .venv/bin/python benchmarks/bench_scale.py            # 300 alerts per phase
    .venv/bin/python benchmarks/bench_scale.py --quick    # 60 alerts per phase

The workflow's one step waits 50 ms (``bash: sleep 0.05``: I/O-bound, like a provider call). Each phase: a fresh
throwaway database on the local PostgreSQL (127.0.0.1:5432), one intake (``serve --queue URL --no-workers``), N
``keepwf worker --concurrency 1`` processes each in its own clone (one git writer per host, as in production), all
alerts posted over HTTP before the workers start; the rate is the runs over the span from the first run's start to
the last run's end (the records' own times, so process start-up is not counted). Baseline: the embedded
``keepwf serve --workers 1`` on the same alerts. Target: 2 workers ≥ 1.8× one. Skips (exit 0) without PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable
KEY = "bench-key"
ADMIN = os.environ.get("KEEPWF_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ENV = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
       "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com", "KEEPWF_API_KEYS": KEY}

WF = """workflow:
  id: bench
  name: bench
  description: one step that waits 50 ms, like a provider call
  triggers:
    - type: alert
  steps:
    - name: call
      provider:
        type: bash
        with:
          command: sleep 0.05
"""


def sh(cwd: Path, *a: str) -> None:
    subprocess.run(a, cwd=cwd, check=True, capture_output=True, env=ENV)


def make_origin(tmp: Path) -> Path:
    repo = tmp / "repo"
    repo.mkdir()
    sh(repo, "git", "init", "-q", "-b", "main")
    sh(repo, PY, "-m", "keepwf", "init")
    (repo / "workflows" / "bench.yml").write_text(WF)
    sh(repo, "git", "add", "-A")
    sh(repo, "git", "commit", "-qm", "bench")
    sh(repo, PY, "-m", "keepwf", "deploy", "bench", "-m", "bench")
    sh(tmp, "git", "init", "-q", "--bare", str(tmp / "origin.git"))
    sh(repo, "git", "remote", "add", "origin", str(tmp / "origin.git"))
    sh(repo, "git", "push", "-q", "origin", "main")
    sh(repo, PY, "-m", "keepwf", "sync")
    return repo


def clone(tmp: Path, name: str) -> Path:
    sh(tmp, "git", "clone", "-q", str(tmp / "origin.git"), name)
    sh(tmp / name, PY, "-m", "keepwf", "sync")
    return tmp / name


def records(path: Path) -> list[dict]:
    from keepwf.store.repo import Repo
    from keepwf.store.runlog import RunLog

    return list(RunLog(Repo.discover(path)).iter_runs(None, "bench"))


def count(path: Path) -> int:
    return len(records(path))


def span(hosts: list[Path], tag: str) -> float:
    """Seconds from the first run's start to the last run's end (the records' own times)."""
    from datetime import datetime, timedelta

    recs = [r for h in hosts for r in records(h) if str(r["trigger"].get("fingerprint", "")).startswith(tag + "-")]
    starts = [datetime.fromisoformat(r["started"]) for r in recs]
    ends = [s + timedelta(milliseconds=r["duration_ms"]) for s, r in zip(starts, recs)]
    return (max(ends) - min(starts)).total_seconds()


def start(cwd: Path, *args: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([PY, "-m", "keepwf", *args, "--log-format", "json"], cwd=cwd, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=open(log, "w"))


def wait_line(log: Path, proc, msg: str) -> dict:
    for _ in range(600):
        for ln in log.read_text().splitlines():
            try:
                rec = json.loads(ln)
            except ValueError:
                continue
            if rec.get("msg") == msg:
                return rec
        if proc.poll() is not None:
            raise SystemExit(f"exited: {log.read_text()}")
        time.sleep(0.05)
    raise SystemExit(f"no {msg!r} line in {log}")


def post_all(url: str, n: int, tag: str) -> None:
    for i in range(n):
        body = json.dumps({"name": f"a{i}", "source": ["bench"], "fingerprint": f"{tag}-{i}"}).encode()
        req = urllib.request.Request(url + "/alerts/event", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "X-API-KEY": KEY})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 202


def stop(*procs) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(90)
        except subprocess.TimeoutExpired:
            p.kill()


def wait_recorded(hosts: list[Path], n: int) -> None:
    while sum(count(h) for h in hosts) < n:
        time.sleep(0.2)


def embedded(tmp: Path, n: int) -> float:
    host = clone(tmp, "embedded")
    log = tmp / "embedded.log"
    srv = start(host, "serve", "--port", "0", "--workers", "1", log=log)
    try:
        url = wait_line(log, srv, "listening")["url"]
        post_all(url, n, "emb")
        wait_recorded([host], n)
        return span([host], "emb")
    finally:
        stop(srv)


def queued(tmp: Path, n: int, workers: int, repo: Path) -> tuple[float, float]:
    """(seconds the intake took to accept the n alerts, seconds the workers took to run them)."""
    import psycopg

    name = f"keepwf_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    qurl = ADMIN.rsplit("/", 1)[0] + "/" + name
    procs = []
    try:
        hosts = [clone(tmp, f"w{workers}-{i}") for i in range(workers)]
        log = tmp / f"intake{workers}.log"
        srv = start(repo, "serve", "--port", "0", "--queue", qurl, "--no-workers", log=log)
        procs.append(srv)
        url = wait_line(log, srv, "listening")["url"]
        t0 = time.perf_counter()
        post_all(url, n, f"q{workers}")  # the queue holds them all before the workers start
        accept = time.perf_counter() - t0
        for i, h in enumerate(hosts):
            wlog = tmp / f"w{workers}-{i}.log"
            w = start(h, "worker", "--queue", qurl, "--concurrency", "1", log=wlog)
            procs.append(w)
            wait_line(wlog, w, "worker started")
        wait_recorded(hosts, n)
        return accept, span(hosts, f"q{workers}")
    finally:
        stop(*procs)
        with psycopg.connect(ADMIN, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n = 60 if args.quick else 300
    try:
        import psycopg

        psycopg.connect(ADMIN, connect_timeout=3).close()
    except Exception as e:  # no server (or no psycopg): nothing to measure here
        print(f"skipped: no PostgreSQL at {ADMIN} ({type(e).__name__}: {str(e).strip()[:120]})")
        return 0
    with tempfile.TemporaryDirectory(prefix="keepwf-bench-scale-") as d:
        tmp = Path(d)
        repo = make_origin(tmp)
        base = embedded(tmp, n)
        print(f"embedded queue, 1 worker:   {n / base:7.1f} runs/s  ({base:.2f} s for {n} runs)", flush=True)
        rates = {}
        for k in (1, 2, 3):
            accept, t = queued(tmp, n, k, repo)
            rates[k] = n / t
            print(f"PostgreSQL queue, {k} worker{'s' if k > 1 else ' '}: {rates[k]:7.1f} runs/s  ({t:.2f} s for {n} runs)"
                  f"  ×{rates[k] / rates[1]:.2f} of one worker   (intake accepted {n / accept:.0f} alerts/s, "
                  f"one request at a time)", flush=True)
        per_run = (1 / rates[1] - 1 / (n / base)) * 1000
        print(f"queue overhead per run vs the embedded queue (1 worker each): {per_run:+.1f} ms")
        ok = rates[2] >= 1.8 * rates[1]
        print(f"target 2 workers ≥ 1.8× one: {'met' if ok else 'NOT met'} (×{rates[2] / rates[1]:.2f}; "
              f"{os.cpu_count()} cores shared by the intake, the workers, PostgreSQL and the load)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
