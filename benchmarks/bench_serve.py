"""keepwf serve benchmark (issue 14): intake rate, time to 202, end-to-end runs recorded, exactly-once.

    .venv/bin/python benchmarks/bench_serve.py            # 8 s of load per phase, 3,000 alerts end to end
    .venv/bin/python benchmarks/bench_serve.py --quick    # a smoke run

Load comes from a separate process over loopback (asyncio, keep-alive connections), with one matching one-step
console workflow deployed. Targets on the 2-core machine: ≥ 2,000 alerts/s accepted (202); p99 time to 202 under
50 ms at 1,000 alerts/s; end to end ≥ 200 runs/s recorded in the run log; afterwards every accepted alert has exactly
one run record. Baseline, measured in the same run: a bare Starlette app on uvicorn answering 202 after the same
key check and JSON parse (the ratio says what keepwf's journal and formatting cost on top of the HTTP stack).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
KEY = "bench-key"
ENV = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
       "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com", "KEEPWF_API_KEYS": KEY}

WF = """workflow:
  id: bench
  name: bench
  description: one console step per Alertmanager alert
  triggers:
    - type: alert
      filters:
        - key: source
          value: prometheus
  steps:
    - name: say
      provider:
        type: console
        with:
          message: "got {{ alert.name }} {{ alert.fingerprint }}"
"""

BARE_APP = '''
import hmac, json, sys
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
import uvicorn

async def event(request):
    if not hmac.compare_digest(request.headers.get("x-api-key", ""), "%s"):
        return JSONResponse({"detail": "Invalid API Key"}, status_code=403)
    json.loads(await request.body())
    return JSONResponse({"task_name": "x"}, status_code=202)

app = Starlette(routes=[Route("/alerts/event/{provider_type}", event, methods=["POST"])])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
''' % KEY


def body(i: int) -> bytes:
    return json.dumps({"version": "4", "status": "firing", "receiver": "keepwf", "alerts": [{
        "status": "firing", "labels": {"alertname": f"HighLoad{i % 50}", "severity": "warning", "instance": f"h{i}"},
        "annotations": {"summary": "load is high"}, "startsAt": "2026-11-30T10:00:00Z",
        "fingerprint": f"fp-{i}"}]}).encode()


# -- the load process ------------------------------------------------------------------------------------------------
async def _client(port: int, bodies, lat: list, codes: dict, rate_gate) -> None:
    r, w = await asyncio.open_connection("127.0.0.1", port)
    for b in bodies:
        if rate_gate is not None:
            await rate_gate()
        head = (f"POST /alerts/event/prometheus HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"X-API-KEY: {KEY}\r\nContent-Length: {len(b)}\r\n\r\n").encode()
        t0 = time.perf_counter()
        w.write(head + b)
        status = int((await r.readline()).split()[1])
        n = 0
        while True:
            ln = await r.readline()
            if ln in (b"\r\n", b""):
                break
            if ln.lower().startswith(b"content-length:"):
                n = int(ln.split(b":")[1])
        await r.readexactly(n)
        lat.append(time.perf_counter() - t0)
        codes[status] = codes.get(status, 0) + 1
    w.close()


def load(port: int, start: int, count: int, conns: int, rate: float | None) -> dict:
    async def main():
        lat: list = []
        codes: dict = {}
        per = [range(start + k, start + count, conns) for k in range(conns)]
        gate = None
        if rate:
            t_start = time.perf_counter()
            sent = [0]

            async def gate():
                sent[0] += 1
                due = t_start + sent[0] / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
        t0 = time.perf_counter()
        await asyncio.gather(*(_client(port, (body(i) for i in rng), lat, codes, gate) for rng in per))
        return {"elapsed": time.perf_counter() - t0, "lat": lat, "codes": codes}

    return asyncio.run(main())


def run_load(port: int, start: int, count: int, conns: int, rate: float | None = None) -> dict:
    """The load, from a separate process."""
    cp = subprocess.run([PY, __file__, "--load", str(port), str(start), str(count), str(conns), str(rate or 0)],
                        capture_output=True, text=True, check=True)
    return json.loads(cp.stdout)


def pct(xs: list, p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000


# -- servers -------------------------------------------------------------------------------------------------------
def wait_port(log: Path, proc) -> int:
    for _ in range(300):
        m = re.search(r'"url": "http://127.0.0.1:(\d+)"', log.read_text() if log.exists() else "")
        if m:
            return int(m.group(1))
        if proc.poll() is not None:
            raise SystemExit(f"serve exited: {log.read_text()}")
        time.sleep(0.05)
    raise SystemExit("serve did not start")


def free_port() -> int:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def bare_server():
    port = free_port()
    proc = subprocess.Popen([PY, "-c", BARE_APP, str(port)], env=ENV)
    import urllib.request

    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        except Exception as e:
            if getattr(e, "code", None) == 404:
                break
        time.sleep(0.05)
    return proc, port


def make_repo(tmp: Path) -> Path:
    repo = tmp / "repo"
    repo.mkdir()
    sh = lambda *a: subprocess.run(a, cwd=repo, check=True, capture_output=True, env=ENV)  # noqa: E731
    sh("git", "init", "-q", "-b", "main")
    sh(PY, "-m", "keepwf", "init")
    (repo / "workflows" / "bench.yml").write_text(WF)
    sh("git", "add", "-A")
    sh("git", "commit", "-qm", "bench")
    sh(PY, "-m", "keepwf", "deploy", "bench", "-m", "bench")
    return repo


def run_records(repo: Path) -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from keepwf.store.repo import Repo
    from keepwf.store.runlog import RunLog

    return list(RunLog(Repo.discover(repo)).iter_runs(None, "bench"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--load", nargs=5)
    a = ap.parse_args()
    if a.load:
        port, start, count, conns, rate = a.load
        out = load(int(port), int(start), int(count), int(conns), float(rate) or None)
        print(json.dumps(out))
        return 0
    burst = 3000 if a.quick else 16000
    paced_s = 3 if a.quick else 8
    e2e = 600 if a.quick else 3000
    conns = 32

    proc, port = bare_server()
    try:
        bare = run_load(port, 0, burst, conns)
    finally:
        proc.terminate()
        proc.wait()
    bare_rate = bare["codes"].get("202", 0) / bare["elapsed"]

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        repo = make_repo(tmp)
        log = tmp / "serve.log"
        with open(log, "w") as lf:
            srv = subprocess.Popen([PY, "-m", "keepwf", "serve", "--port", "0", "--workers", "2", "--log-format",
                                    "json"], cwd=repo, env=ENV, stderr=lf)
        try:
            sport = wait_port(log, srv)
            # 1. accepted/s: as fast as the load process can send (the workers run the workflows meanwhile)
            res = run_load(sport, 0, burst, conns)
            accepted = res["codes"].get("202", 0)
            acc_rate = accepted / res["elapsed"]
            # 2. time to 202 at 1,000 alerts/s (paced)
            paced = run_load(sport, burst, 1000 * paced_s, conns, rate=1000)
            p50, p99 = pct(paced["lat"], 0.5), pct(paced["lat"], 0.99)
            total_sent = burst + 1000 * paced_s
            # wait until the backlog is recorded, then 3. end to end on a fresh batch
            drain(sport, total_sent, 900)
            base = total_sent
            t0 = time.perf_counter()
            e2e_res = run_load(sport, base, e2e, conns)
            drain(sport, base + e2e, 900)
            e2e_rate = e2e / (time.perf_counter() - t0)
        finally:
            srv.send_signal(signal.SIGTERM)
            srv.wait(120)
        recs = run_records(repo)
        fps = [r["trigger"]["fingerprint"] for r in recs]
        accepted_total = accepted + paced["codes"].get("202", 0) + e2e_res["codes"].get("202", 0)
        once = len(fps) == len(set(fps)) == accepted_total

    print(f"bare Starlette+uvicorn 202:   {bare_rate:8.0f} req/s ({conns} connections)")
    print(f"keepwf serve accepted (202):  {acc_rate:8.0f} alerts/s   ratio to bare {acc_rate / bare_rate:.2f}"
          f"   target >= 2000  {'ok' if acc_rate >= 2000 else 'MISSED'}")
    print(f"time to 202 at 1000/s:        p50 {p50:.1f} ms  p99 {p99:.1f} ms   target p99 < 50 ms  "
          f"{'ok' if p99 < 50 else 'MISSED'}   (sent {len(paced['lat'])} in {paced['elapsed']:.1f}s)")
    print(f"end to end (202 → recorded): {e2e_rate:8.0f} runs/s   target >= 200  {'ok' if e2e_rate >= 200 else 'MISSED'}")
    print(f"exactly once: {len(fps)} run records for {accepted_total} accepted alerts, "
          f"{len(set(fps))} distinct fingerprints  {'ok' if once else 'MISSED'}")
    return 0


def drain(port: int, n: int, timeout: float) -> None:
    """Wait until ``n`` runs are finished and nothing is left to record (read from /metrics: cheap, unlike reading
    the whole run log, which would take the CPU the runner needs)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    done = depth = 0.0
    while time.monotonic() < deadline:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"X-API-KEY": KEY})
        text = urllib.request.urlopen(req, timeout=10).read().decode()
        done = sum(float(m) for m in re.findall(r'^keepwf_runs_total\{[^}]*\} (\S+)$', text, re.M))
        depth = float(re.search(r"^keepwf_queue_depth (\S+)$", text, re.M).group(1))
        if done >= n and depth == 0:
            return
        time.sleep(0.2)
    raise SystemExit(f"only {done:.0f} of {n} runs finished ({depth:.0f} pending) after {timeout}s")


if __name__ == "__main__":
    raise SystemExit(main())
