"""keepwf serve end to end: a real server process on 127.0.0.1 (ephemeral port), real HTTP, the git run log read back."""

from __future__ import annotations

import time

import pytest

from tests.serve_helpers import KEY, Server, alert_workflow, alertmanager, basic, runs

pytestmark = pytest.mark.slow


def deploy(repo, wf: str, text: str, msg: str = "deploy") -> None:
    repo.write(f"workflows/{wf}.yml", text)
    repo.commit(msg)
    r = repo.proc("deploy", wf, "-m", msg)
    assert r.code == 0, r


@pytest.fixture
def served(tmp_repo):
    deploy(tmp_repo, "page", alert_workflow("page", "v1"))
    servers = []

    def start(*args, **kw):
        s = Server(tmp_repo.path, *args, **kw)
        servers.append(s)
        return s

    yield tmp_repo, start
    for s in servers:
        s.close()


def test_alertmanager_webhook_runs_the_deployed_version_once(served):
    repo, start = served
    srv = start()
    status, body = srv.post("/alerts/event/prometheus", alertmanager())
    assert status == 202 and len(body["task_name"]) == 26
    got = srv.wait_for(lambda: runs(repo, "page"), what="the run record")
    rec = got[0]
    assert rec["status"] == "success" and rec["version"] == "v1" and rec["trigger"]["type"] == "alert"
    assert rec["trigger"]["name"] == "DiskFull" and rec["trigger"]["fingerprint"] == "5e3a1c2b9f0d4e71"
    assert rec["attempt"] == 1 and rec["task"] == body["task_name"]
    ev = rec["event"]  # Keep's PrometheusProvider mapping
    assert ev["severity"] == "high" and ev["description"] == "/var is 97% full" and ev["instance"] == "db1:9100"
    assert ev["source"] == ["prometheus"] and ev["labels"]["job"] == "node"
    # Alertmanager resends the same alert every repeat_interval: Keep drops it before any workflow runs
    assert srv.post("/alerts/event/prometheus", alertmanager())[0] == 202
    srv.wait_for(lambda: "keepwf_events_deduplicated_total 1.0" in srv.metrics(), what="the dedupe counter")
    # resolved is a different alert: it runs
    assert srv.post("/alerts/event/prometheus", alertmanager(status="resolved"))[0] == 202
    srv.wait_for(lambda: len(runs(repo, "page")) == 2, what="the resolved run")
    time.sleep(0.5)
    assert [r["event"]["status"] for r in runs(repo, "page")] == ["resolved", "firing"]
    m = srv.metrics()
    assert 'keepwf_runs_total{status="success",version="v1",workflow="page"} 2.0' in m
    assert 'keepwf_events_received_total{kind="alert"} 3.0' in m
    assert srv.terminate() == 0
    assert any(ln.get("msg") == "run" and ln.get("workflow") == "page" for ln in srv.lines)


def test_auth_as_keep_accepts_it(served):
    repo, start = served
    srv = start()
    body = {"name": "x", "source": ["other"]}
    assert srv.post("/alerts/event", body, headers={}) == (401, {"detail": "Missing API Key"})
    assert srv.post("/alerts/event", body, headers={"X-API-KEY": "wrong"}) == (403, {"detail": "Invalid API Key"})
    assert srv.post("/alerts/event", body, headers=basic("wrong"))[0] == 403
    assert srv.post("/alerts/event", body, headers={"X-API-KEY": KEY})[0] == 202
    assert srv.post("/alerts/event", body, headers=basic())[0] == 202
    assert srv.post("/alerts/event", body, headers={"Authorization": f"Digest {KEY}"})[0] == 202
    assert srv.post(f"/alerts/event?api_key={KEY}", body, headers={})[0] == 202
    assert srv.request("GET", "/healthcheck") == (200, {})
    assert srv.request("GET", "/metrics")[0] == 401
    assert KEY not in "".join(str(ln) for ln in srv.lines)


def test_bad_bodies_get_a_status_and_a_reason(served):
    repo, start = served
    srv = start()
    st, body = srv.request("POST", "/alerts/event", raw=b"{not json", headers=basic())
    assert st == 400 and "not JSON" in body["detail"]
    st, body = srv.post("/alerts/event/prometheus", {"alerts": "nope"})
    assert st == 400 and "alerts" in body["detail"]
    st, body = srv.post("/alerts/event/nagios", {"a": 1})
    assert st == 400 and "nagios" in body["detail"]
    st, body = srv.request("POST", "/alerts/event", raw=b"[" + b"1," * 600_000 + b"1]", headers=basic())
    assert st == 413
    st, body = srv.post("/incidents/event", {"id": "i1", "event": "exploded"})
    assert st == 400 and "exploded" in body["detail"]


def test_a_deploy_from_another_process_takes_effect_for_the_next_alert(served):
    repo, start = served
    srv = start()
    assert srv.post("/alerts/event/prometheus", alertmanager(fingerprint="f1"))[0] == 202
    srv.wait_for(lambda: runs(repo, "page"), what="the v1 run")
    deploy(repo, "page", alert_workflow("page", "v2"), "v2")
    assert srv.post("/alerts/event/prometheus", alertmanager(fingerprint="f2"))[0] == 202
    got = srv.wait_for(lambda: [r for r in runs(repo, "page") if r["trigger"]["fingerprint"] == "f2"], what="f2")
    assert got[0]["version"] == "v2"
    assert got[0]["logs"] and "v2 DiskFull f2" in str(got[0]["logs"])


def test_manual_run_and_incident_routes(served):
    repo, start = served
    deploy(repo, "inc", """workflow:
  id: inc
  name: inc
  description: incidents
  triggers:
    - type: incident
      events: [created]
  steps:
    - name: say
      provider:
        type: console
        with:
          message: "incident {{ incident.id }}"
""", "inc")
    srv = start()
    st, body = srv.post("/workflows/page/run", {"inputs": {"host": "db1"}})
    assert st == 200 and body["workflow_id"] == "page" and body["status"] == "queued"
    assert srv.post("/incidents/event", {"id": "INC-1", "event": "created"})[0] == 202
    srv.wait_for(lambda: runs(repo, "inc") and runs(repo, "page"), what="both runs")
    manual = runs(repo, "page")[0]
    assert manual["run_id"] == body["workflow_execution_id"] and manual["trigger"]["type"] == "manual"
    assert manual["inputs"] == {"host": "db1"}
    assert runs(repo, "inc")[0]["trigger"]["type"] == "incident"


def test_interval_workflow_runs_on_its_schedule(served):
    repo, start = served
    deploy(repo, "tick", """workflow:
  id: tick
  name: tick
  description: every 2 s
  triggers:
    - type: interval
      value: 2
  steps:
    - name: say
      provider:
        type: console
        with:
          message: tick
""", "tick")
    srv = start()
    t0 = time.monotonic()
    srv.wait_for(lambda: runs(repo, "tick"), what="the first tick")
    time.sleep(max(0, 5 - (time.monotonic() - t0)))
    srv.terminate()
    got = runs(repo, "tick")
    assert 2 <= len(got) <= 4, [r["started"] for r in got]
    assert {r["trigger"]["type"] for r in got} == {"interval"}
