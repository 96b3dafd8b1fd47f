"""keepwf serve past one machine: intake on the PostgreSQL queue (Procrastinate), ``keepwf worker`` processes, each
run a job; real PostgreSQL (a throwaway database per test), real processes, the git run log read back."""

from __future__ import annotations

import time

import pytest

from tests.scale_helpers import Worker, pg_url  # noqa: F401 (fixture)
from tests.serve_helpers import Server, alert_workflow, alertmanager, runs
from tests.test_serve import deploy

pytestmark = pytest.mark.slow


@pytest.fixture
def procs():
    started = []

    def track(p):
        started.append(p)
        return p

    yield track
    for p in started:
        p.close()


def test_intake_defers_and_a_worker_runs_each_alert_once(tmp_repo, pg_url, procs):
    deploy(tmp_repo, "page", alert_workflow("page", "v1"))
    srv = procs(Server(tmp_repo.path, "--queue", pg_url, "--no-workers"))
    status, body = srv.post("/alerts/event/prometheus", alertmanager())
    assert status == 202 and len(body["task_name"]) == 26
    assert srv.post("/alerts/event/prometheus", alertmanager())[0] == 202  # a resend: Keep drops it
    time.sleep(0.5)
    assert runs(tmp_repo, "page") == []  # intake only: nothing runs without a worker
    w = procs(Worker(tmp_repo.path, pg_url, "--concurrency", "2"))
    got = srv.wait_for(lambda: runs(tmp_repo, "page"), what="the run record")
    rec = got[0]
    assert rec["status"] == "success" and rec["version"] == "v1" and rec["attempt"] == 1
    assert rec["task"] == body["task_name"] and rec["trigger"]["fingerprint"] == "5e3a1c2b9f0d4e71"
    assert rec["event"]["severity"] == "high"
    time.sleep(1.0)
    assert len(runs(tmp_repo, "page")) == 1
    m = srv.metrics()
    assert 'keepwf_events_dispatched_total{outcome="deduplicated"} 1.0' in m
    assert 'keepwf_events_received_total{kind="alert"} 2.0' in m
    assert srv.terminate() == 0
    assert w.terminate() == 0
