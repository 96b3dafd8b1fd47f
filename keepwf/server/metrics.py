"""Prometheus metrics (``GET /metrics``) and JSON log lines: the server's ``Observer`` of the runtime."""

from __future__ import annotations

import json
import sys
import time
from typing import Callable


class Metrics:
    def __init__(self, pending: Callable[[], int], log_format: str = "text", stream=None):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        r = self.registry
        self.received = Counter("keepwf_events_received", "Events accepted (journaled, answered 202)", ["kind"], registry=r)
        self.rejected = Counter("keepwf_events_rejected", "Requests refused before the journal", ["reason"], registry=r)
        self.deduplicated = Counter("keepwf_events_deduplicated", "Alerts dropped as full duplicates (Keep's rule)",
                                    registry=r)
        self.dispatched = Counter("keepwf_events_dispatched", "Events dispatched, by outcome", ["outcome"], registry=r)
        self.runs = Counter("keepwf_runs", "Runs finished", ["workflow", "version", "status"], registry=r)
        self.duration = Histogram("keepwf_run_duration_seconds", "Run duration", ["workflow"], registry=r,
                                  buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
        depth = Gauge("keepwf_queue_depth", "Events and runs accepted but not yet in the run log", registry=r)
        depth.set_function(pending)
        self.log_format = log_format
        self.stream = stream or sys.stderr

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    # -- Observer ----------------------------------------------------------------------------------------------
    def events_received(self, kind: str, n: int) -> None:
        self.received.labels(kind).inc(n)

    def event_rejected(self, reason: str) -> None:
        self.rejected.labels(reason).inc()

    def events_dispatched(self, counts: dict[str, int]) -> None:
        for outcome, n in counts.items():
            self.dispatched.labels(outcome).inc(n)
            if outcome == "deduplicated":
                self.deduplicated.inc(n)

    def run_finished(self, rec: dict) -> None:
        self.runs.labels(rec.get("workflow", ""), str(rec.get("version")), rec.get("status", "")).inc()
        self.duration.labels(rec.get("workflow", "")).observe((rec.get("duration_ms") or 0) / 1000)

    def log(self, fields: dict) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if self.log_format == "json":
            line = json.dumps({"time": stamp, **{k: v for k, v in fields.items() if v is not None}},
                              ensure_ascii=False, default=str)
        else:
            msg = fields.get("msg", "")
            rest = " ".join(f"{k}={v}" for k, v in fields.items() if k != "msg" and v is not None)
            line = f"{stamp} {msg} {rest}".rstrip()
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass
