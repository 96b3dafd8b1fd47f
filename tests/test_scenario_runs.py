"""The scripted scenario of issue 5 (continues the deploy scenario): runs tied to the version that ran."""

from __future__ import annotations

from tests.helpers import workflow_yaml

WF = "workflows/pager.yml"


def test_runs_follow_versions_drafts_and_rollback(tmp_repo):
    r = tmp_repo
    r.write(WF, workflow_yaml("pager", "first"))
    c1 = r.commit("Add pager")
    assert r.cli("deploy", "pager", "-m", "v1").code == 0
    r.write(WF, workflow_yaml("pager", "second"))
    c2 = r.commit("Louder")
    assert r.cli("deploy", "pager", "-m", "v2").code == 0

    for _ in range(2):
        res = r.cli("run", "pager")
        assert res.code == 0, res
        assert "success" in res.out and "differs" not in res.err
    r.write(WF, workflow_yaml("pager", "third"))
    res = r.cli("run", "pager", "--json")
    assert res.code == 0, res
    assert "running v2 (" + c2[:7] + "); your working copy differs — use --draft to run it" in res.err
    rec = res.json()
    assert rec["version"] == "v2" and rec["commit"] == c2 and rec["draft"] is False
    assert rec["steps"][0]["results"] == ["second 0"]  # the deployed text, not the working copy's

    res = r.cli("run", "pager", "--draft", "--json")
    assert res.code == 0, res
    draft = res.json()
    assert draft["draft"] is True and draft["version"] is None and draft["commit"] == r.git("rev-parse", "HEAD")
    assert draft["steps"][0]["results"] == ["third 0"]
    assert "draft" in r.git("notes", "--ref", "keepwf/drafts", "show", "HEAD")

    v2 = r.cli("runs", "pager", "--version", "v2", "--json").json()["runs"]
    assert len(v2) == 3 and {x["version"] for x in v2} == {"v2"} and draft["run_id"] not in {x["run_id"] for x in v2}
    assert [x["run_id"] for x in r.cli("runs", "--drafts", "--json").json()["runs"]] == [draft["run_id"]]

    r.git("checkout", "-q", "--", WF)
    rb = r.cli("rollback", "pager", "--to", "v1", "-m", "back")
    assert rb.code == 0, rb
    res = r.cli("run", "pager", "--json")
    assert res.code == 0, res
    assert res.json()["version"] == "v3" and res.json()["commit"] == c1

    v3 = r.cli("runs", "pager", "--version", "v3", "--json").json()["runs"]
    assert len(v3) == 1 and v3[0]["commit"] == c1
    assert len(r.cli("runs", "pager", "--version", "v2", "--json").json()["runs"]) == 3
    assert len(r.cli("runs", "pager", "--version", "v1", "--json").json()["runs"]) == 0
    allruns = r.cli("runs", "--json").json()["runs"]
    assert [x["version"] for x in allruns] == ["v3", "v2", "v2", "v2"]

    # history gains the runs; status shows the deployed version's last runs
    h = r.cli("history", "pager", "--json").json()
    assert {v["version"]: (v["runs"] or {}).get("runs", 0) for v in h["versions"]} == {"v3": 1, "v2": 3, "v1": 0}
    hist = r.cli("history", "pager").out
    assert "1 (100%), last " in hist and "3 (100%), last " in hist
    st = r.cli("status", "pager", "--json").json()
    prod = next(e for e in st[0]["envs"] if e["env"] == "production")
    assert [x["version"] for x in prod["last_runs"]] == ["v3"]
    # the note on the deployed commit shows recent runs, visible to plain git
    assert v2[0]["run_id"] in r.git("notes", "--ref", "keepwf/runs", "show", c2)

    shown = r.cli("runs", "show", v3[0]["run_id"][:12])
    assert shown.code == 0 and "v3" in shown.out and "step-0" in shown.out
