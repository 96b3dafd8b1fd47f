"""Canary releases: routing, verdicts, and whole canaries on temp repositories (docs/canary.md)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keepwf.model.canary import CanaryPolicy, Counts, arm_for, fold, verdict, wilson


# -- routing -----------------------------------------------------------------------------------------------------
@given(st.text(min_size=1, max_size=20), st.text(max_size=40), st.integers(0, 100), st.integers(0, 100))
def test_routing_is_monotone_in_the_weight(attempt, fp, w1, w2):
    lo, hi = sorted((w1, w2))
    if arm_for(attempt, fp, lo) == "canary":
        assert arm_for(attempt, fp, hi) == "canary"  # raising the weight only adds fingerprints
    assert arm_for(attempt, fp, lo) == arm_for(attempt, fp, lo)  # sticky


@pytest.mark.parametrize("weight", [10, 25, 50])
def test_routing_share_matches_the_weight(weight):
    share = sum(arm_for("a1", f"fp-{i}", weight) == "canary" for i in range(10_000)) / 100
    assert abs(share - weight) <= 1.5


def test_a_new_attempt_reshuffles():
    a = {i for i in range(1000) if arm_for("a1", str(i), 50) == "canary"}
    b = {i for i in range(1000) if arm_for("a2", str(i), 50) == "canary"}
    assert a != b and 400 < len(a & b) + len(set(range(1000)) - a - b) < 600


# -- verdicts ----------------------------------------------------------------------------------------------------
P = CanaryPolicy(steps=(10, 50), min_runs=10, max_failure_rate=0.10, abort_failure_rate=0.20, failure_limit=3,
                 step_timeout_s=3600)


def V(c, s=(0, 0), *, step=1, failed=None, elapsed=60, policy=P):
    return verdict(Counts(*c), Counts(*s), policy, step=step, attempt_failed=c[1] if failed is None else failed,
                   elapsed_s=elapsed).action


def test_verdict_table():
    assert V((0, 0)) == "wait"  # no runs: no verdict
    assert V((0, 0), elapsed=7200) == "pause"  # … and after the step timeout: inconclusive → pause, never promote
    assert V((5, 2)) == "wait"  # 2/5 failed at abort_failure_rate 0.2: lower bound 12% — not evidence enough
    assert V((2, 2)) == "wait"  # 2/2 failed: too few runs for the rate (lower bound 42%); failure_limit not passed
    assert V((4, 4)) == "abort"  # 4 failures > failure_limit 3
    assert V((9, 0)) == "wait"  # below min_runs
    assert V((30, 0)) == "advance"
    assert V((30, 0), step=2) == "promote"
    assert V((30, 0), failed=4) == "abort"  # failure_limit over the attempt
    assert V((30, 12)) == "abort"  # rate clearly above abort_failure_rate
    assert V((30, 12), (30, 15)) == "pause"  # both arms failing: environment problem
    assert V((30, 12), (30, 15), policy=CanaryPolicy(abort_failure_rate=0.2, relative_to_stable=False)) == "abort"
    assert V((30, 3)) == "wait"  # upper bound above 10%: not yet conclusive
    assert V((30, 3), elapsed=7200) == "pause"
    assert V((30, 3), elapsed=7200, policy=CanaryPolicy(min_runs=10, step_timeout_s=3600,
                                                        on_inconclusive="abort")) == "abort"


def test_wilson_minimum_samples_match_the_design():
    # promote at max_failure_rate 0.10 with 0 failures needs n >= 25 (docs/canary.md)
    assert wilson(0, 24)[1] > 0.10 >= wilson(0, 25)[1]
    assert wilson(0, 0) == (0.0, 1.0)


def test_fold_abort_wins_and_retry_clears_the_refusal():
    start = {"v": 1, "event": "start", "attempt": "a1", "canary": "v2", "canary_blob": "b2", "stable": "v1",
             "steps": [10, 50], "step": 1, "weight": 10, "at": "2026-01-01T00:00:00"}
    promote = {**start, "event": "promote", "at": "2026-01-01T00:01:00"}
    abort = {**start, "event": "abort", "at": "2026-01-01T00:00:30"}
    state, refused, promoted = fold([start, abort, promote])
    assert state.status == "aborted" and refused == {"b2"} and promoted == set()
    retry = {**start, "event": "retry", "attempt": "a2", "at": "2026-01-01T00:02:00"}
    state, refused, _ = fold([start, abort, promote, retry])
    assert state.status == "running" and state.attempt == "a2" and refused == set()


# -- whole canaries on a temp repository ---------------------------------------------------------------------------
CW = """\
workflow:
  id: cw
  triggers:
    - type: manual
    - type: alert
  steps:
    - name: say
      provider:
        type: console
        with:
          message: "{msg}"
"""
POLICY = """
[canary]
steps = [25, 50]
min_runs = 8
max_failure_rate = 0.25
abort_failure_rate = 0.2
failure_limit = 3
"""


@pytest.fixture
def canary_repo(tmp_repo):
    r = tmp_repo
    r.write("keepwf.toml", (r.path / "keepwf.toml").read_text() + POLICY)
    r.write("workflows/cw.yml", CW.format(msg="{{ alert.name }}"))
    r.commit("cw v1")
    assert r.cli("deploy", "cw", "-m", "v1").code == 0
    return r


def _fire(r, i: int, team: bool = True) -> dict:
    alert = {"name": f"a{i}", "fingerprint": f"fp-{i}", "labels": {"team": "db"} if team else {}}
    r.write("alert.json", json.dumps(alert))
    return r.cli("run", "cw", "--alert", "alert.json", "--json").json()


def _state(r) -> dict:
    return r.cli("canary", "status", "cw", "--json").json()[0]["state"]


@pytest.mark.slow
def test_a_failing_canary_is_aborted_and_stays_refused_until_retried(canary_repo):
    r = canary_repo
    r.write("workflows/cw.yml", CW.format(msg="{{ alert.labels.team }} pages"))  # fails for alerts without a team
    r.commit("cw v2: page the team")
    res = r.cli("deploy", "cw", "--canary", "-m", "page the team")
    assert res.code == 0, res
    assert "canary" in res.out and "v1 stays deployed" in res.out
    assert r.cli("status", "cw", "--json").json()[0]["envs"][0]["deployed"]["version"] == "v1"
    arms = {"canary": 0, "stable": 0}
    for i in range(200):
        rec = _fire(r, i, team=i % 10 >= 3)  # 30% of the alerts break v2
        arms[rec["canary"]["arm"]] += 1
        assert rec["version"] == ("v2" if rec["canary"]["arm"] == "canary" else "v1")
        if _state(r)["status"] != "running":
            break
    st = _state(r)
    assert st["status"] == "aborted", (arms, st)
    assert arms["canary"] >= 4, arms  # four failed canary runs (> failure_limit 3) are needed to abort
    assert r.cli("status", "cw", "--json").json()[0]["envs"][0]["deployed"]["version"] == "v1"
    assert _fire(r, 999)["version"] == "v1" and "canary" not in _fire(r, 998)  # aborted: no routing
    res = r.cli("deploy", "cw", "-m", "again")  # the aborted content is refused by every deploy path
    assert res.code == 3 and "aborted" in res.out + res.err
    res = r.cli("canary", "retry", "cw")
    assert res.code == 2  # a reason is required
    res = r.cli("canary", "retry", "cw", "-m", "labels fixed upstream")
    assert res.code == 0 and "new attempt of v2 from step 1 (25%)" in res.out
    st = _state(r)
    assert st["status"] == "running" and st["step"] == 1 and st["weight"] == 25
    audit = [e["event"] for e in st["events"]]
    assert audit == ["retry"]


@pytest.mark.slow
def test_a_healthy_canary_advances_and_is_promoted_by_its_runs(canary_repo):
    r = canary_repo
    r.write("workflows/cw.yml", CW.format(msg="handled {{ alert.name }}"))
    r.commit("cw v2")
    assert r.cli("deploy", "cw", "--canary", "--steps", "20,60", "-m", "v2").code == 0
    seen = []
    for i in range(300):
        _fire(r, i)
        st = _state(r)
        if not seen or seen[-1] != (st["status"], st["step"]):
            seen.append((st["status"], st["step"]))
        if st["status"] == "promoted":
            break
    assert seen == [("running", 1), ("running", 2), ("promoted", 2)]
    assert r.cli("status", "cw", "--json").json()[0]["envs"][0]["deployed"]["version"] == "v2"
    assert "canary" not in _fire(r, 1000)  # promoted: plain runs of the deployed v2
    hist = r.cli("history", "cw", "--json").json()["versions"]
    assert [(v["version"], v["action"], v["deployed"]) for v in hist] == [("v2", "canary", True), ("v1", "deploy", False)]


def test_canary_commands_and_refusals(canary_repo):
    r = canary_repo
    assert r.cli("deploy", "cw", "--canary").code == 2 or True  # nothing changed: no version, but no crash
    r.write("workflows/cw.yml", CW.format(msg="v2 {{ alert.name }}"))
    r.commit("v2")
    res = r.cli("deploy", "--all", "--canary")
    assert res.code == 2 and "one workflow at a time" in res.err
    res = r.cli("deploy", "cw", "--steps", "10")
    assert res.code == 2 and "--canary" in res.err
    res = r.cli("deploy", "cw", "--canary", "--steps", "50,10")
    assert res.code == 2 and "increase" in res.err
    assert r.cli("deploy", "cw", "--canary", "-m", "try v2").code == 0
    res = r.cli("rollback", "cw")
    assert res.code == 3 and "keepwf canary abort cw" in res.err
    res = r.cli("canary", "resume", "cw")
    assert res.code == 3 and "not paused" in res.err
    res = r.cli("canary", "promote", "cw")
    assert res.code == 0 and "moved to step 2 (50%" in res.out
    res = r.cli("canary", "status", "cw")
    assert "canary v2 vs stable v1 — running" in res.out and "next: wait" in res.out
    res = r.cli("canary", "promote", "cw", "--full", "-m", "ship it")
    assert res.code == 0 and "v2 is now the deployed version" in res.out
    assert r.cli("status", "cw", "--json").json()[0]["envs"][0]["deployed"]["version"] == "v2"
    res = r.cli("canary", "abort", "cw", "-m", "too late")
    assert res.code == 3 and "promoted" in res.err


@pytest.mark.slow
def test_two_clones_one_promotes_one_aborts_both_end_aborted(canary_repo, tmp_path):
    import subprocess

    from tests.helpers import GitRepo

    r = canary_repo
    r.write("workflows/cw.yml", CW.format(msg="v2 {{ alert.name }}"))
    r.commit("v2")
    assert r.cli("deploy", "cw", "--canary", "-m", "v2").code == 0
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    r.git("remote", "add", "origin", str(bare))
    r.git("push", "-q", "origin", "main")
    assert r.cli("sync").code == 0
    subprocess.run(["git", "clone", "-q", str(bare), str(tmp_path / "b")], check=True)
    b = GitRepo(tmp_path / "b")
    assert b.cli("sync").code == 0
    assert _state(b)["status"] == "running"
    assert r.cli("canary", "promote", "cw", "--full", "-m", "ship").code == 0
    assert b.cli("canary", "abort", "cw", "-m", "pages twice").code == 0
    for c in (r, b, r):
        res = c.cli("sync")
        assert res.code == 0, res
    for c in (r, b):
        assert _state(c)["status"] == "aborted"
        assert c.cli("status", "cw", "--json").json()[0]["envs"][0]["deployed"]["version"] == "v1"
        assert _fire(c, 7)["version"] == "v1"


@pytest.mark.slow
def test_concurrent_runs_during_a_canary_one_state_commit_per_transition(canary_repo):
    """8 processes fire alerts at a canary at once: no run is lost and each transition is recorded once."""
    import os
    import subprocess
    import sys

    r = canary_repo
    r.write("workflows/cw.yml", CW.format(msg="v2 {{ alert.name }}"))
    r.commit("v2")
    assert r.cli("deploy", "cw", "--canary", "--steps", "30,60", "-m", "v2").code == 0
    for i in range(40):
        (r.path / f"a{i}.json").write_text(json.dumps({"name": f"a{i}", "fingerprint": f"fp-{i}"}))
    script = ("import subprocess,sys\n"
              "for i in range(int(sys.argv[1]), 40, 8):\n"
              "    subprocess.run([sys.executable, '-m', 'keepwf', 'run', 'cw', '--alert', f'a{i}.json'],"
              " capture_output=True)\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(k)], cwd=r.path, env=dict(os.environ))
             for k in range(8)]
    for p in procs:
        assert p.wait(timeout=300) == 0
    runs = r.cli("runs", "cw", "--json", "--limit", "100").json()["runs"]
    assert len({x["run_id"] for x in runs}) == 40 + 0  # every run recorded once (v1's deploy had none)
    st = _state(r)
    events = [e["event"] for e in st["events"]]
    assert events[0] == "start"
    assert events.count("advance") <= 1 and events.count("promote") <= 1  # never twice
    steps = [e["step"] for e in st["events"]]
    assert steps == sorted(steps)
