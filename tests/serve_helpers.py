"""A real ``keepwf serve`` process on 127.0.0.1 with an ephemeral port, and plain-HTTP calls to it (urllib)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

KEY = "test-key-0123456789"

ALERTMANAGER = {
    "version": "4", "groupKey": "{}:{alertname=\"DiskFull\"}", "status": "firing", "receiver": "keepwf",
    "groupLabels": {"alertname": "DiskFull"}, "commonLabels": {"alertname": "DiskFull"}, "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093", "truncatedAlerts": 0,
    "alerts": [{
        "status": "firing",
        "labels": {"alertname": "DiskFull", "severity": "error", "instance": "db1:9100", "job": "node"},
        "annotations": {"summary": "disk almost full", "description": "/var is 97% full"},
        "startsAt": "2026-11-30T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph", "fingerprint": "5e3a1c2b9f0d4e71",
    }],
}


def alertmanager(alertname: str = "DiskFull", fingerprint: str = "5e3a1c2b9f0d4e71", status: str = "firing",
                 **labels) -> dict:
    body = json.loads(json.dumps(ALERTMANAGER))
    a = body["alerts"][0]
    a["labels"].update(alertname=alertname, **labels)
    a["fingerprint"], a["status"], body["status"] = fingerprint, status, status
    return body


def basic(key: str = KEY, user: str = "api_key") -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()}


class Server:
    def __init__(self, repo_path: Path, *args: str, env: dict | None = None):
        self.repo_path = repo_path
        self.lines: list[dict] = []
        cmd = [sys.executable, "-m", "keepwf", "serve", "--port", "0", "--log-format", "json", *args]
        self.proc = subprocess.Popen(cmd, cwd=repo_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, "KEEPWF_API_KEYS": KEY, **(env or {})})
        self.url = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 30
        while self.url is None:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError(f"serve did not start: {self.proc.stderr.read() if self.proc.stderr else ''}"
                                     f"\n{self.lines}")
            time.sleep(0.02)

    def _read(self) -> None:
        for ln in self.proc.stderr:
            try:
                rec = json.loads(ln)
            except ValueError:
                rec = {"msg": "raw", "text": ln.rstrip()}
            self.lines.append(rec)
            if rec.get("msg") == "listening":
                self.url = rec["url"]

    def request(self, method: str, path: str, body=None, headers: dict | None = None, raw: bytes | None = None):
        """(status, parsed JSON or text)."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = {"Content-Type": "application/json", **(headers or {})}
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, text = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def post(self, path: str, body, headers: dict | None = None):
        return self.request("POST", path, body, headers if headers is not None else basic())

    def metrics(self) -> str:
        return self.request("GET", "/metrics", headers={"X-API-KEY": KEY})[1]

    def wait_for(self, pred, timeout: float = 30, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            v = pred()
            if v:
                return v
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; log: {self.lines[-20:]}")

    def terminate(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)


def runs(repo, workflow: str | None = None) -> list[dict]:
    """Every run record in the git run log (read fresh), newest first."""
    from keepwf.store.repo import Repo
    from keepwf.store.runlog import RunLog

    return list(RunLog(Repo.discover(repo.path)).iter_runs(None, workflow))


def alert_workflow(wf_id: str, marker: str = "v1", *, strategy: str | None = None, sleep: float = 0,
                   source: str = "prometheus", marker_dir: str = "") -> str:
    """A workflow fired by alerts from ``source``; its step prints ``marker`` (to tell versions apart). With ``sleep``
    it first touches ``<marker_dir>/started-<fingerprint>`` (an absolute folder: bash steps of a deployed version run
    in a read-only export of its commit, not in the repository)."""
    slow = f"""
    - name: mark
      provider:
        type: bash
        with:
          command: touch {marker_dir.rstrip("/") + "/" if marker_dir else ""}started-{{{{ alert.fingerprint }}}}
    - name: wait
      provider:
        type: bash
        with:
          command: sleep {sleep}
""" if sleep else ""
    return f"""workflow:
  id: {wf_id}
  name: {wf_id}
  description: test
  {f"strategy: {strategy}" if strategy else ""}
  triggers:
    - type: alert
      filters:
        - key: source
          value: {source}
  steps:{slow}
    - name: say
      provider:
        type: console
        with:
          message: "{marker} {{{{ alert.name }}}} {{{{ alert.fingerprint }}}}"
"""
