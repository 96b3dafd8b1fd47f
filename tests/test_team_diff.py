"""Issue 11, items 7 and 8: what a reviewer needs — `diff WF deployed BRANCH` and `diff WF --env A --against B`
with the step-level summary; `approve` and `promote` of several workflows at once (one checklist, one transaction)."""

from __future__ import annotations

import pytest

from tests.helpers import workflow_yaml
from tests.team_helpers import become, make_team


@pytest.fixture
def team(tmp_path):
    bare, cl = make_team(tmp_path, ("alice", "bob"), toml='[env.production]\nbranches = ["main"]\napprovals = 1\n\n[env.staging]\n')
    a = cl["alice"]
    a.write("workflows/pager.yml", workflow_yaml("pager", "one"))
    a.write("workflows/notify.yml", workflow_yaml("notify", "one"))
    a.commit("two workflows")
    a.git("push", "-q", "origin", "HEAD:main")
    assert a.cli("deploy", "--all", "--env", "staging").code == 0
    assert a.cli("sync").code == 0
    return bare, cl


@pytest.mark.slow
def test_diff_deployed_against_a_branch_and_across_envs(team, monkeypatch):
    _bare, cl = team
    a, b = cl["alice"], cl["bob"]
    b.git("pull", "-q", "origin", "main")
    b.git("switch", "-q", "-c", "louder")
    b.write("workflows/pager.yml", workflow_yaml("pager", "LOUDER", steps=2))
    b.commit("louder")
    b.git("push", "-q", "origin", "louder")
    a.git("fetch", "-q", "origin")
    res = a.cli("diff", "pager", "deployed", "origin/louder", "--env", "staging")
    assert res.code == 1, res
    head = b.git("rev-parse", "HEAD")[:10]
    assert f"+++ origin/louder:workflows/pager.yml@{head}" in res.out and "--- v1:workflows/pager.yml@" in res.out
    assert "summary" in res.out and "+ step step-1 added" in res.out
    assert a.cli("diff", "pager", "deployed", "main", "--env", "staging").code == 0  # main is what staging runs
    assert a.cli("diff", "pager", "deployed", "no-such-branch", "--env", "staging").code == 2
    # across envs: what promoting staging would change in production
    assert a.cli("promote", "pager", "--from", "staging", "--to", "production", "--force", "-m", "x").code == 3  # approvals
    b.git("switch", "-q", "main")
    become(monkeypatch, "bob")
    assert b.cli("sync").code == 0 and b.cli("approve", "pager", "notify", "-m", "both fine").code == 0
    assert b.cli("sync").code == 0
    become(monkeypatch, "alice")
    assert a.cli("sync").code == 0
    assert a.cli("promote", "pager", "--from", "staging", "--to", "production").code == 0
    a.git("merge", "-q", "origin/louder")
    assert a.cli("deploy", "pager", "--env", "staging").code == 0
    res = a.cli("diff", "pager", "--env", "staging", "--against", "production")
    assert res.code == 1, res
    assert "--- production/v1:workflows/pager.yml@" in res.out and "+++ staging/v2:workflows/pager.yml@" in res.out
    assert "+ step step-1 added" in res.out
    js = a.cli("diff", "pager", "--env", "staging", "--against", "production", "--json").json()
    assert (js["a"]["label"], js["b"]["label"], js["same"]) == ("production/v1", "staging/v2", False)
    assert a.cli("diff", "notify", "--env", "staging", "--against", "production").code == 2  # not in production


@pytest.mark.slow
def test_approve_and_promote_several_workflows_at_once(team, monkeypatch):
    bare, cl = team
    a, b = cl["alice"], cl["bob"]
    b.git("pull", "-q", "origin", "main")
    become(monkeypatch, "bob")
    res = b.cli("approve", "--all", "-m", "reviewed both")
    assert res.code == 0, res
    assert res.out.count("approved ") == 3  # hello-alert (from init), notify, pager
    assert b.cli("sync").code == 0
    become(monkeypatch, "alice")
    assert a.cli("sync").code == 0
    res = a.cli("promote", "pager", "notify", "--from", "staging", "--to", "production", "-m", "both")
    assert res.code == 0, res
    assert res.out.count("✓ approvals") == 2
    assert "created keepwf/production/notify/v1" in res.out and "created keepwf/production/pager/v1" in res.out
    # --all: one transaction; a refusal of one refuses all (nothing is created)
    a.write("workflows/pager.yml", workflow_yaml("pager", "two"))
    a.write("workflows/notify.yml", workflow_yaml("notify", "two"))
    a.commit("both again")
    a.git("push", "-q", "origin", "HEAD:main")
    assert a.cli("deploy", "--all", "--env", "staging").code == 0
    assert a.cli("sync").code == 0
    become(monkeypatch, "bob")
    b.git("pull", "-q", "origin", "main")
    assert b.cli("sync").code == 0 and b.cli("approve", "notify", "-m", "only notify").code == 0 and b.cli("sync").code == 0
    become(monkeypatch, "alice")
    assert a.cli("sync").code == 0
    before = a.git("tag", "-l", "keepwf/production/*")
    res = a.cli("promote", "--all", "--from", "staging", "--to", "production")
    assert res.code == 3, res
    assert "✗ approvals  pager:" in res.out and "✓ approvals  notify:" in res.out
    assert a.git("tag", "-l", "keepwf/production/*") == before
