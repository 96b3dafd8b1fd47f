"""Issue 11, items 4 and 5: promotion gates (`promote_from`, `min_runs`, `min_success_rate`) judged on the source
env's runs of exactly that content; honest run statuses (a Ctrl-C'd run is `cancelled`, a --mock run is a trial:
neither changes the success rate nor a gate)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.team_helpers import make_team

GATED = """[env.production]
branches = ["main"]
promote_from = "staging"
min_runs = 3
min_success_rate = 0.95

[env.staging]
"""

PAGER = """workflow:
  id: pager
  description: {what}
  triggers:
    - type: manual
  inputs:
    - {{name: wait, type: string, default: "0"}}
  steps:
    - name: page
      provider:
        type: bash
        with:
          command: "{command}"
"""


def _ship(c, what: str, command: str) -> None:
    c.write("workflows/pager.yml", PAGER.format(what=what, command=command))
    c.git("add", "-A")
    c.git("commit", "-qm", what)
    c.git("push", "-q", "origin", "HEAD:main")


def _cancelled_run(c) -> None:
    """A real `keepwf run` interrupted with Ctrl-C (SIGINT) while its step runs."""
    p = subprocess.Popen([sys.executable, "-m", "keepwf", "run", "pager", "--env", "staging", "--input", "wait=30"],
                         cwd=c.path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = ""
    while "running pager" not in seen:
        line = p.stderr.readline()
        assert line, "keepwf ended before the run started"
        seen += line
    import time

    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=30)
    assert p.returncode == 130


@pytest.mark.slow
def test_promote_is_gated_by_what_staging_saw(tmp_path):
    _bare, cl = make_team(tmp_path, ("alice", "runner"), toml=GATED)
    a, r = cl["alice"], cl["runner"]
    _ship(a, "broken", "pagerctl-missing page")
    assert a.cli("deploy", "pager", "--env", "staging").code == 0
    assert a.cli("sync").code == 0
    assert r.cli("sync").code == 0 and r.cli("run", "pager", "--env", "staging").code == 1  # the runner sees it fail
    assert r.cli("sync").code == 0 and a.cli("sync").code == 0
    res = a.cli("promote", "pager", "--to", "production")  # --from defaults to promote_from
    assert res.code == 3, res
    assert "✗ gate       staging v1: 1 run, 0% success — needs ≥ 3 runs, ≥ 95%" in res.out
    assert "promote refused: gate" in res.err
    # production takes no plain deploy: it points to promote
    res = a.cli("deploy", "pager", "--env", "production")
    assert res.code == 3, res
    assert "production is deployed by promotion from staging" in res.out and "keepwf promote pager --from staging --to production" in res.out + res.err

    # a fixed version, run three times on the runner, plus one run cut short with Ctrl-C and one trial with --mock
    _ship(a, "fixed", "sleep {{ inputs.wait }}")
    assert a.cli("deploy", "pager", "--env", "staging").code == 0 and a.cli("sync").code == 0
    r.git("pull", "-q", "origin", "main")
    assert r.cli("sync").code == 0
    for _ in range(2):
        assert r.cli("run", "pager", "--env", "staging").code == 0
    _cancelled_run(r)
    r.write("mocks.yml", "steps:\n  page: {error: 'simulated outage'}\n")
    assert r.cli("run", "pager", "--env", "staging", "--mock", "mocks.yml").code == 1  # a failing trial
    runs = r.cli("runs", "pager", "--env", "staging", "--version", "v2", "--json").json()["runs"]
    assert sorted(x["status"] for x in runs) == ["cancelled", "error", "success", "success"]
    assert [x.get("trial") for x in runs if x["status"] == "error"] == [True]
    hist = r.cli("history", "pager", "--env", "staging", "--json").json()
    st = next(v for v in hist["versions"] if v["version"] == "v2")["runs"]
    assert (st["runs"], st["success_rate"], st["cancelled"], st["trial"]) == (2, 1.0, 1, 1)
    assert r.cli("sync").code == 0 and a.cli("sync").code == 0
    res = a.cli("promote", "pager", "--to", "production")
    assert res.code == 3 and "✗ gate       staging v2: 2 runs, 100% success — needs ≥ 3 runs, ≥ 95%" in res.out, res
    assert r.cli("run", "pager", "--env", "staging").code == 0 and r.cli("sync").code == 0 and a.cli("sync").code == 0
    res = a.cli("promote", "pager", "--to", "production", "-m", "three good runs in staging")
    assert res.code == 0, res
    assert "✓ gate       staging v2: 3 runs, 100% success (needs ≥ 3 runs, ≥ 95%)" in res.out
    assert "created keepwf/production/pager/v1 → commit" in res.out


@pytest.mark.slow
def test_a_gate_can_be_forced_with_a_reason_that_audit_shows(tmp_path):
    _bare, cl = make_team(tmp_path, ("alice",), toml=GATED)
    a = cl["alice"]
    _ship(a, "untested", "true")
    assert a.cli("deploy", "pager", "--env", "staging").code == 0
    assert a.cli("promote", "pager", "--to", "production", "--force").code == 2
    res = a.cli("promote", "pager", "--to", "production", "--force", "-m", "hotfix, staging is down")
    assert res.code == 0, res
    assert "! gate       staging v1: 0 runs — needs ≥ 3 runs, ≥ 95%; forced: hotfix, staging is down" in res.out
    assert "Keepwf-Forced: gate\nKeepwf-Force-Reason: hotfix, staging is down" in a.git("cat-file", "-p", "keepwf/production/pager/v1")
    line = a.cli("audit", "--env", "production").out.splitlines()[1]
    assert "promote from staging/v1, forced: gate" in line and "hotfix, staging is down" in line


def test_the_kill_switch_is_never_held_back_by_promote_from(tmp_repo):
    r = tmp_repo
    r.write("keepwf.toml", '[env.production]\npromote_from = "staging"\n\n[env.staging]\n')
    r.write("workflows/pager.yml", PAGER.format(what="pager", command="true"))
    r.commit("pager, production fed by staging")
    assert r.cli("deploy", "pager", "--env", "staging").code == 0
    assert r.cli("promote", "pager", "--to", "production").code == 0
    r.write("workflows/pager.yml", PAGER.format(what="pager, edited", command="true"))
    r.commit("edit")
    res = r.cli("deploy", "pager", "--env", "production")
    assert res.code == 3 and "✗ promote" in res.out
    r.git("reset", "-q", "--hard", "HEAD~1")
    res = r.cli("disable", "pager", "-m", "pages on every flap")
    assert res.code == 0, res
    assert "created keepwf/production/pager/v2" in res.out
