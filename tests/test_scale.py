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
    st = _status(tmp_repo, pg_url)
    assert st["workflows"] == {"page": {"todo": 1}} and st["workers"] == []
    human = tmp_repo.cli("queue", "status", "--queue", pg_url).out
    assert "page" in human and "workers: 0 (0 stalled)" in human
    w = procs(Worker(tmp_repo.path, pg_url, "--concurrency", "2", "--metrics-port", "0"))
    got = srv.wait_for(lambda: runs(tmp_repo, "page"), what="the run record")
    rec = got[0]
    assert rec["status"] == "success" and rec["version"] == "v1" and rec["attempt"] == 1
    assert rec["task"] == body["task_name"] and rec["trigger"]["fingerprint"] == "5e3a1c2b9f0d4e71"
    assert rec["event"]["severity"] == "high"
    time.sleep(1.0)
    assert len(runs(tmp_repo, "page")) == 1
    st = _status(tmp_repo, pg_url)
    assert st["workflows"] == {} and len(st["workers"]) == 1 and st["stalled_workers"] == 0
    murl = next(ln["url"] for ln in w.lines if ln.get("msg") == "metrics")
    import urllib.request

    with urllib.request.urlopen(murl, timeout=10) as r:  # the worker's own /metrics
        assert 'keepwf_runs_total{status="success",version="v1",workflow="page"} 1.0' in r.read().decode()
    m = srv.metrics()
    assert 'keepwf_events_dispatched_total{outcome="deduplicated"} 1.0' in m
    assert 'keepwf_events_received_total{kind="alert"} 2.0' in m
    assert srv.terminate() == 0
    assert w.terminate() == 0


def _status(repo, url) -> dict:
    import json

    r = repo.cli("queue", "status", "--queue", url, "--json")
    assert r.code == 0, r
    return json.loads(r.out)


def _alert(source: str, fp: str, n: int = 0) -> dict:
    return {"name": f"alert-{fp}", "source": [source], "fingerprint": fp, "description": f"variant {n}"}


def _clone(bare, path):
    import subprocess

    from tests.helpers import GitRepo

    subprocess.run(["git", "clone", "-q", str(bare), str(path)], check=True)
    clone = GitRepo(path)
    assert clone.proc("sync").code == 0  # the deploy tags
    return clone


def _origin(tmp_repo, tmp_path):
    import subprocess

    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    tmp_repo.git("remote", "add", "origin", str(bare))
    tmp_repo.git("push", "-q", "origin", "main")
    assert tmp_repo.proc("sync").code == 0
    return bare


def test_kill_9_of_a_worker_mid_run_is_retried_on_another_host_and_recorded_once(tmp_repo, tmp_path, pg_url, procs):
    deploy(tmp_repo, "slow", alert_workflow("slow", "v1", sleep=2.0, source="slow", marker_dir=str(tmp_path)))
    bare = _origin(tmp_repo, tmp_path)
    host_a, host_b = _clone(bare, tmp_path / "a"), _clone(bare, tmp_path / "b")
    srv = procs(Server(tmp_repo.path, "--queue", pg_url, "--no-workers"))
    a = procs(Worker(host_a.path, pg_url, "--heartbeat", "0.5", "--sync", "origin", "--sync-interval", "60"))
    assert srv.post("/alerts/event", _alert("slow", "fp-kill"))[0] == 202
    srv.wait_for(lambda: (tmp_path / "started-fp-kill").exists(), what="the run to start on host a")
    a.kill9()
    b = procs(Worker(host_b.path, pg_url, "--heartbeat", "0.5", "--sync", "origin", "--sync-interval", "60"))
    deadline = time.monotonic() + 60
    while not runs(host_b, "slow"):
        assert time.monotonic() < deadline, f"no retried run on host b; its log: {b.lines}"
        time.sleep(0.1)
    assert b.terminate() == 0  # its final sync pushes the record
    assert runs(host_a, "slow") == []  # the killed attempt left no record
    assert tmp_repo.proc("sync").code == 0
    got = runs(tmp_repo, "slow")
    assert len(got) == 1, got
    rec = got[0]
    assert rec["status"] == "success" and rec["attempt"] == 2 and len(rec["retry_of"]) == 26
    assert rec["worker"].endswith(f":{b.proc.pid}")
    assert any(ln.get("msg") == "stalled job retried" for ln in b.lines)


def test_interval_workflow_runs_once_per_period_across_three_workers(tmp_repo, pg_url, procs):
    deploy(tmp_repo, "tick", """workflow:
  id: tick
  name: tick
  description: every 3 s
  triggers:
    - type: interval
      value: 3
  steps:
    - name: say
      provider:
        type: console
        with:
          message: tick
""", "tick")
    workers = [procs(Worker(tmp_repo.path, pg_url, "--concurrency", "2")) for _ in range(3)]
    # all three tick every second; one claim per period wins (the claim is the database's, not a run's start time)
    deadline = time.monotonic() + 60
    while not runs(tmp_repo, "tick") and time.monotonic() < deadline:
        time.sleep(0.1)
    t0 = time.monotonic()
    time.sleep(7.5)
    for w in workers:
        assert w.terminate() == 0
    elapsed = time.monotonic() - t0
    got = runs(tmp_repo, "tick")
    assert {r["trigger"]["type"] for r in got} == {"interval"}
    # one at the start, then one per 3 s period (not three: one per worker)
    assert 2 <= len(got) <= 2 + elapsed // 3, [r["started"] for r in got]


UNIQUE, FPS = 60, 5


def test_one_intake_three_worker_hosts_every_run_once_no_overlap_and_deploys_reach_them(tmp_repo, tmp_path, pg_url,
                                                                                        procs):
    from datetime import datetime, timedelta

    deploy(tmp_repo, "page", alert_workflow("page", "v1", sleep=0.2, source="scn"))  # nonparallel_with_retry
    deploy(tmp_repo, "log", alert_workflow("log", "v1", strategy="parallel", source="scn"))
    bare = _origin(tmp_repo, tmp_path)
    hosts = [_clone(bare, tmp_path / f"host{i}") for i in range(3)]
    srv = procs(Server(tmp_repo.path, "--queue", pg_url, "--no-workers"))
    workers = [procs(Worker(h.path, pg_url, "--concurrency", "2", "--sync", "origin", "--sync-interval", "2"))
               for h in hosts]
    for i in range(UNIQUE):
        body = _alert("scn", f"fp{i % FPS}", i)
        assert srv.post("/alerts/event", body)[0] == 202
        assert srv.post("/alerts/event", body)[0] == 202  # delivered twice (a sender's retry): dropped

    def recorded():  # distinct runs: a host's clone also holds the runs other hosts synced to it
        return len({r["run_id"] for h in hosts for r in runs(h)})

    srv.wait_for(lambda: recorded() >= 2 * UNIQUE, timeout=240, what="every run")
    # a deploy made elsewhere reaches the workers through sync: the next alert runs v2
    deploy(tmp_repo, "page", alert_workflow("page", "v2", sleep=0.2, source="scn"), "v2")
    synced = [sum(ln.get("msg") == "sync" for ln in w.lines) for w in workers]
    assert tmp_repo.proc("sync").code == 0
    srv.wait_for(lambda: all(sum(ln.get("msg") == "sync" for ln in w.lines) >= n + 2 for w, n in zip(workers, synced)),
                 timeout=60, what="two syncs of every worker after the deploy")
    assert srv.post("/alerts/event", _alert("scn", "after-v2"))[0] == 202
    srv.wait_for(lambda: any(r["trigger"]["fingerprint"] == "after-v2" for h in hosts for r in runs(h, "page")),
                 timeout=60, what="the run after the deploy")
    for w in workers:
        assert w.terminate() == 0  # each pushes its records on shutdown
    check = _clone(bare, tmp_path / "check")
    got = runs(check)
    page = [r for r in got if r["workflow"] == "page"]
    log = [r for r in got if r["workflow"] == "log"]
    assert sorted(r["event"]["description"] for r in log) == sorted([f"variant {i}" for i in range(UNIQUE)] + ["variant 0"])
    assert len(page) == UNIQUE + 1 and len({r["run_id"] for r in got}) == len(got)
    assert all(r["status"] == "success" and r["attempt"] == 1 for r in got)
    assert {r["worker"].split(":")[1] for r in got} == {str(w.proc.pid) for w in workers}  # all three worked
    after = [r for r in page if r["trigger"]["fingerprint"] == "after-v2"]
    assert [r["version"] for r in after] == ["v2"] and {r["version"] for r in page if r not in after} == {"v1"}
    by_fp: dict[str, list] = {}
    for r in page:  # nonparallel_with_retry: runs of one fingerprint never overlapped, whichever host ran them
        start = datetime.fromisoformat(r["started"])
        by_fp.setdefault(r["trigger"]["fingerprint"], []).append((start, start + timedelta(milliseconds=r["duration_ms"])))
    for fp, spans in by_fp.items():
        spans.sort()
        assert all(b[0] >= a[1] for a, b in zip(spans, spans[1:])), fp


def test_serve_with_a_queue_and_its_own_worker_and_nonparallel_rejects_a_third(tmp_repo, pg_url, procs):
    deploy(tmp_repo, "np", alert_workflow("np", "v1", strategy="nonparallel", sleep=1.5, source="np"))
    srv = procs(Server(tmp_repo.path, "--queue", pg_url, "--workers", "2"))  # intake + one worker process
    for n in range(3):
        assert srv.post("/alerts/event", _alert("np", "same", n))[0] == 202
    got = srv.wait_for(lambda: len(r := runs(tmp_repo, "np")) == 3 and r, timeout=60, what="three records")
    # one running and at most one waiting (lock + queueing_lock); what finds both places taken is recorded as Keep's
    # "already running" error (the second one too when the first was still waiting for a worker)
    first = [r for r in got if r["event"]["description"] == "variant 0"][0]
    errors = [r for r in got if r["status"] == "error"]
    assert first["status"] == "success" and 1 <= len(errors) <= 2
    assert all("already running" in r["error"] for r in errors)
    assert srv.terminate() == 0


def test_an_intake_only_node_gets_new_deploys_through_sync(tmp_repo, tmp_path, pg_url, procs):
    deploy(tmp_repo, "page", alert_workflow("page", "v1"))
    bare = _origin(tmp_repo, tmp_path)
    front = _clone(bare, tmp_path / "front")
    srv = procs(Server(front.path, "--queue", pg_url, "--no-workers", "--sync", "origin", "--sync-interval", "1"))
    procs(Worker(tmp_repo.path, pg_url))
    deploy(tmp_repo, "late", alert_workflow("late", "v1", source="late"), "late")  # unknown to the intake node so far
    assert tmp_repo.proc("sync").code == 0
    n = sum(ln.get("msg") == "sync" for ln in srv.lines)
    srv.wait_for(lambda: sum(ln.get("msg") == "sync" for ln in srv.lines) >= n + 2, what="two syncs of the intake")
    assert srv.post("/alerts/event", _alert("late", "fp-late"))[0] == 202
    got = srv.wait_for(lambda: runs(tmp_repo, "late"), what="the run of the newly deployed workflow")
    assert got[0]["trigger"]["fingerprint"] == "fp-late"
    assert srv.terminate() == 0
