"""Issue 11, item 6: `list` and `status` show the deployed version's health — runs, success rate, last error —
in the table and in --json, from the runs the runner recorded and synced."""

from __future__ import annotations

import pytest

from tests.team_helpers import make_team

FLAKY = """workflow:
  id: pager
  triggers:
    - type: manual
  inputs:
    - {name: cmd, type: string, default: "true"}
  steps:
    - name: page
      provider:
        type: bash
        with:
          command: "{{{ inputs.cmd }}}"
"""


@pytest.mark.slow
def test_list_and_status_show_health_of_the_deployed_version(tmp_path):
    _bare, cl = make_team(tmp_path, ("alice", "runner"))
    a, r = cl["alice"], cl["runner"]
    a.write("workflows/pager.yml", FLAKY)
    a.commit("flaky")
    a.git("push", "-q", "origin", "HEAD:main")
    assert a.cli("deploy", "pager").code == 0 and a.cli("sync").code == 0
    assert r.cli("sync").code == 0
    for cmd in ("true", "true", "true", "pagerctl-not-installed"):
        r.cli("run", "pager", "--input", f"cmd={cmd}")
    assert r.cli("sync").code == 0 and a.cli("sync").code == 0
    st = a.cli("status", "pager", "--json").json()[0]["envs"][0]
    h = st["health"]
    assert (h["version"], h["runs"], h["success_rate"]) == ("v1", 4, 0.75)
    assert "pagerctl-not-installed" in h["last_error"]["error"]
    out = a.cli("status", "pager").out
    assert "health: 4 runs, 75% success, last error " in out and "command not found: pagerctl-not-installed" in out
    lst = a.cli("list").out
    assert "production health" in lst and "4 runs 75%" in lst
    [row] = [w for w in a.cli("list", "--json").json() if w["workflow"] == "pager"]
    assert row["envs"][0]["health"]["runs"] == 4
