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


def _slow(repo, wf: str, sleep: float, strategy: str | None = None) -> None:
    deploy(repo, wf, alert_workflow(wf, "v1", strategy=strategy, sleep=sleep, source=wf), wf)


def _alert(source: str, fp: str, n: int = 0) -> dict:
    return {"name": f"alert-{fp}", "source": [source], "fingerprint": fp, "description": f"variant {n}"}


def test_kill_9_with_events_queued_then_restart_records_every_event_once(served):
    repo, start = served
    _slow(repo, "slow", 1.0)
    srv = start("--workers", "1")
    tasks = [srv.post("/alerts/event", _alert("slow", f"fp{i}")) for i in range(5)]
    assert all(st == 202 for st, _ in tasks)
    srv.wait_for(lambda: runs(repo, "slow"), what="the first run")
    srv.wait_for(lambda: (repo.path / "started-fp1").exists(), what="the second run to start")
    time.sleep(0.2)  # the second run is inside its 1 s step
    srv.kill9()
    assert len(runs(repo, "slow")) < 5
    srv2 = start("--workers", "1")
    got = srv2.wait_for(lambda: (r := runs(repo, "slow")) and len({x["trigger"]["fingerprint"] for x in r}) == 5 and r,
                        timeout=60, what="all five events")
    time.sleep(1.5)  # nothing more comes
    got = runs(repo, "slow")
    assert sorted(r["trigger"]["fingerprint"] for r in got) == [f"fp{i}" for i in range(5)]
    assert all(r["status"] == "success" for r in got)
    retried = [r for r in got if r["attempt"] > 1]
    assert len(retried) == 1 and retried[0]["attempt"] == 2 and len(retried[0]["retry_of"]) == 26
    assert retried[0]["retry_of"] not in {r["run_id"] for r in got}  # the cut attempt left no record
    assert srv2.terminate() == 0


def test_sigterm_refuses_new_events_cancels_what_runs_and_keeps_the_queue(served):
    repo, start = served
    _slow(repo, "slow", 5.0)
    srv = start("--workers", "1", "--grace", "0.5")
    for i in range(3):
        assert srv.post("/alerts/event", _alert("slow", f"fp{i}"))[0] == 202
    srv.wait_for(lambda: (repo.path / "started-fp0").exists(), what="the first run to start")  # bash's cwd: the repo
    srv.proc.send_signal(15)
    srv.wait_for(lambda: any(ln.get("msg") == "stopping" for ln in srv.lines), what="the stopping line")
    try:
        st, _ = srv.post("/alerts/event", _alert("slow", "late"))
    except OSError:  # already closed: refused is as good as 503
        st = 503
    assert st == 503
    assert srv.proc.wait(60) == 0
    got = runs(repo, "slow")
    assert [(r["trigger"]["fingerprint"], r["status"]) for r in got] == [("fp0", "cancelled")]
    stopped = [ln for ln in srv.lines if ln.get("msg") == "stopped"][0]
    assert stopped["cancelled"] == 1 and stopped["left_in_journal"] == 2
    srv2 = start("--workers", "2")
    srv2.wait_for(lambda: len(runs(repo, "slow")) == 3, timeout=60, what="the two queued events")
    assert sorted((r["trigger"]["fingerprint"], r["status"]) for r in runs(repo, "slow")) == [
        ("fp0", "cancelled"), ("fp1", "success"), ("fp2", "success")]


@pytest.mark.parametrize("strategy", ["nonparallel_with_retry", "nonparallel", "parallel"])
def test_keep_strategy_per_workflow_and_fingerprint(served, strategy):
    repo, start = served
    _slow(repo, "slow", 1.0, None if strategy == "nonparallel_with_retry" else strategy)
    srv = start("--workers", "2")
    assert srv.post("/alerts/event", _alert("slow", "same", 1))[0] == 202
    time.sleep(0.3)
    assert srv.post("/alerts/event", _alert("slow", "same", 2))[0] == 202
    got = srv.wait_for(lambda: len(r := runs(repo, "slow")) == 2 and r, timeout=30, what="two records")
    first, second = sorted(got, key=lambda r: r["event"]["description"])
    from datetime import datetime, timedelta

    end_first = datetime.fromisoformat(first["started"]) + timedelta(milliseconds=first["duration_ms"])
    assert first["status"] == "success"
    if strategy == "nonparallel":
        assert second["status"] == "error" and "already running" in second["error"]
    elif strategy == "nonparallel_with_retry":
        assert second["status"] == "success" and datetime.fromisoformat(second["started"]) >= end_first
    else:
        assert second["status"] == "success" and datetime.fromisoformat(second["started"]) < end_first


def test_sync_brings_deploys_in_and_pushes_run_records_out(tmp_repo, tmp_path):
    import subprocess

    from tests.helpers import GitRepo

    deploy(tmp_repo, "page", alert_workflow("page", "v1"))
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    tmp_repo.git("remote", "add", "origin", str(bare))
    tmp_repo.git("push", "-q", "origin", "main")
    assert tmp_repo.proc("sync").code == 0
    subprocess.run(["git", "clone", "-q", str(bare), str(tmp_path / "laptop")], check=True)
    laptop = GitRepo(tmp_path / "laptop")
    assert laptop.proc("sync").code == 0
    srv = Server(tmp_repo.path, "--sync", "origin", "--sync-interval", "1")
    try:
        deploy(laptop, "page", alert_workflow("page", "v2"), "v2 from the laptop")
        assert laptop.proc("sync").code == 0
        time.sleep(2.5)  # a sync or two later, the server runs v2
        srv.wait_for(lambda: any(ln.get("msg") == "sync" for ln in srv.lines), what="a sync")
        assert srv.post("/alerts/event/prometheus", alertmanager(fingerprint="after"))[0] == 202
        got = srv.wait_for(lambda: runs(tmp_repo, "page"), what="the run")
        assert got[0]["version"] == "v2"

        def pushed():
            assert laptop.proc("sync").code == 0
            return [r for r in runs(laptop, "page") if r["trigger"].get("fingerprint") == "after"]

        srv.wait_for(pushed, timeout=30, what="the run record on the laptop")
    finally:
        srv.close()


def test_a_dead_runner_stops_serve_with_exit_1_and_loses_nothing(served):
    import os
    import signal as sig
    from pathlib import Path

    repo, start = served
    srv = start()
    children = srv.wait_for(lambda: Path(f"/proc/{srv.proc.pid}/task/{srv.proc.pid}/children").read_text().split(),
                            what="the runner process")
    assert srv.post("/alerts/event/prometheus", alertmanager(fingerprint="before"))[0] == 202
    srv.wait_for(lambda: runs(repo, "page"), what="the first run")
    os.kill(int(children[0]), sig.SIGKILL)
    assert srv.proc.wait(60) == 1
    assert any(ln.get("msg") == "runner exited" for ln in srv.lines)
    srv2 = start()
    assert srv2.post("/alerts/event/prometheus", alertmanager(fingerprint="after"))[0] == 202
    srv2.wait_for(lambda: len(runs(repo, "page")) == 2, what="the run after the restart")


def test_a_run_uses_the_version_deployed_when_it_starts_and_its_triggers(served):
    repo, start = served
    _slow(repo, "slow", 2.0)
    srv = start("--workers", "1")
    for fp in ("a", "b", "c"):
        assert srv.post("/alerts/event", _alert("slow", fp))[0] == 202
    srv.wait_for(lambda: (repo.path / "started-a").exists(), what="the first run to start")
    # while a runs, v2 stops matching these alerts (its filter wants another source)
    deploy(repo, "slow", alert_workflow("slow", "v2", sleep=2.0, source="elsewhere"), "v2")
    srv.wait_for(lambda: any(ln.get("msg") == "not run" for ln in srv.lines) and
                 sum(ln.get("msg") == "not run" for ln in srv.lines) == 2, timeout=30, what="b and c not run")
    got = runs(repo, "slow")
    assert [(r["trigger"]["fingerprint"], r["version"]) for r in got] == [("a", "v1")]
