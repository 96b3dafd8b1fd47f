"""A real Alertmanager (Debian's prometheus-alertmanager) sends its webhook, with basic_auth, to keepwf serve."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.serve_helpers import KEY, Server, alert_workflow, runs
from tests.test_serve import deploy

pytestmark = pytest.mark.slow
AM = shutil.which("prometheus-alertmanager")


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.skipif(AM is None, reason="Debian's prometheus-alertmanager is not installed (make test installs it)")
def test_real_alertmanager_webhook_with_basic_auth_runs_the_workflow(tmp_repo, tmp_path):
    deploy(tmp_repo, "page", alert_workflow("page", "v1"))
    srv = Server(tmp_repo.path)
    port = _free_port()
    conf = tmp_path / "am.yml"
    conf.write_text(f"""route:
  receiver: keepwf
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: keepwf
    webhook_configs:
      - url: {srv.url}/alerts/event/prometheus
        send_resolved: true
        http_config:
          basic_auth:
            username: api_key
            password: {KEY}
""")
    am = subprocess.Popen([AM, f"--config.file={conf}", f"--storage.path={tmp_path / 'am-data'}",
                           f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        api = f"http://127.0.0.1:{port}/api/v2/alerts"
        alert = [{"labels": {"alertname": "DiskFull", "severity": "critical", "instance": "db1:9100"},
                  "annotations": {"summary": "disk almost full"}}]
        deadline = time.monotonic() + 30
        while True:
            try:
                req = urllib.request.Request(api, data=json.dumps(alert).encode(), method="POST",
                                             headers={"Content-Type": "application/json"})
                urllib.request.urlopen(req, timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or am.poll() is not None:
                    raise AssertionError(f"alertmanager did not start: {am.stderr.read().decode() if am.poll() is not None else ''}")
                time.sleep(0.2)
        got = srv.wait_for(lambda: runs(tmp_repo, "page"), timeout=60, what="the run of Alertmanager's webhook")
        with urllib.request.urlopen(api, timeout=5) as r:
            am_fp = json.loads(r.read())[0]["fingerprint"]
        rec = got[0]
        assert rec["status"] == "success" and rec["trigger"]["name"] == "DiskFull"
        assert rec["trigger"]["fingerprint"] == am_fp
        assert rec["event"]["severity"] == "critical" and rec["event"]["instance"] == "db1:9100"
        assert 'reason="auth"' not in srv.metrics()  # basic_auth was accepted the first time
    finally:
        am.terminate()
        am.wait(30)
        srv.close()
