#!/usr/bin/env python3
"""Notification providers: what keepwf adds on top of the HTTP request itself.

N Slack webhook notifications through a whole workflow run (render ``with:``, build Keep's request, the transport
with the network policy check, read the answer, record the redacted result) against a loopback server that answers
like Slack, vs the same N POSTs of the same JSON with ``http.client`` alone (a fresh connection each, as keepwf
opens one per request), measured in the same run. Target: the ratio stays under 3 (the provider path costs less
than twice the bare request).

    .venv/bin/python benchmarks/bench_providers.py [--quick]
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keepwf.engine import RunOptions, run_workflow  # noqa: E402
from keepwf.model import WorkflowDoc  # noqa: E402


class Slack(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def workflow(n: int) -> WorkflowDoc:
    actions = [{"name": f"a{i}", "provider": {"type": "slack", "config": "{{ providers.hook }}",
                                              "with": {"message": "{{ alert.name }} is {{ alert.severity }}",
                                                       "channel": "#ops"}}} for i in range(n)]
    data = {"id": "bench", "triggers": [{"type": "manual"}], "actions": actions}
    return WorkflowDoc(id="bench", path="bench.yml", data=data, root={"workflow": data})


def bare(port: int, n: int) -> float:
    body = json.dumps({"channel": "#ops", "text": "cpu high is critical"}).encode()
    t0 = time.perf_counter()
    for _ in range(n):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("POST", "/services/T0/B0/x", body=body, headers={"Content-Type": "application/json"})
        c.getresponse().read()
        c.close()
    return time.perf_counter() - t0


def keepwf(url: str, n: int) -> float:
    doc = workflow(n)
    opts = RunOptions(event={"name": "cpu high", "severity": "critical"}, event_kind="alert",
                      providers_file={"hook": {"authentication": {"webhook_url": f"{url}/services/T0/B0/x"}}},
                      allow_private_network=True)
    t0 = time.perf_counter()
    res = run_workflow(doc, opts)
    elapsed = time.perf_counter() - t0
    assert res.status == "success", res.error
    return elapsed


def main() -> None:
    n = 50 if "--quick" in sys.argv else 500
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slack)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        bare(port, 10)
        keepwf(f"http://127.0.0.1:{port}", 10)  # warm up both
        b = min(bare(port, n) for _ in range(3))
        k = min(keepwf(f"http://127.0.0.1:{port}", n) for _ in range(3))
    finally:
        server.shutdown()
        server.server_close()
    print(f"{n} Slack webhook notifications on loopback (best of 3)")
    print(f"  http.client alone (baseline): {b * 1000:8.1f} ms  ({b / n * 1000:.2f} ms each)")
    print(f"  keepwf workflow run:          {k * 1000:8.1f} ms  ({k / n * 1000:.2f} ms each)")
    print(f"  ratio keepwf / baseline:      {k / b:8.2f}  (target < 3)")


if __name__ == "__main__":
    main()
