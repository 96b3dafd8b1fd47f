"""The scripted scenario of issue 3: deploy, edit, deploy, status, draft, diff, rollback, history, audit."""

from __future__ import annotations

from tests.helpers import workflow_yaml

WF = "workflows/pager.yml"


def test_deploy_edit_rollback_history_audit(tmp_repo):
    r = tmp_repo
    r.write(WF, workflow_yaml("pager", "first"))
    c1 = r.commit("Add pager")
    res = r.cli("deploy", "pager", "-m", "First release")
    assert res.code == 0, res
    assert "created keepwf/production/pager/v1" in res.out
    assert r.git("rev-parse", "keepwf/production/pager/v1^{commit}") == c1

    r.write(WF, workflow_yaml("pager", "second"))
    c2 = r.commit("Louder pager")
    res = r.cli("deploy", "pager", "-m", "Second release")
    assert res.code == 0, res
    assert r.git("rev-parse", "keepwf/production/pager/v2^{commit}") == c2

    st = r.cli("status", "pager", "--json").json()
    prod = next(e for e in st[0]["envs"] if e["env"] == "production")
    assert prod["deployed"]["version"] == "v2" and prod["draft"] == "in sync" and prod["undeployed_commits"] == []

    r.write(WF, workflow_yaml("pager", "third"))
    st = r.cli("status", "pager", "--env", "production")
    assert st.code == 0 and "v2" in st.out and "modified" in st.out

    d = r.cli("diff", "pager")
    assert d.code == 1, d
    assert '-          message: "second 0"' in d.out and '+          message: "third 0"' in d.out
    assert "step step-0" in d.out and "provider.with.message" in d.out

    rb = r.cli("rollback", "pager", "-m", "Second one pages twice")
    assert rb.code == 0, rb
    assert "created keepwf/production/pager/v3" in rb.out and "rollback of v2" in rb.out
    assert r.git("rev-parse", "keepwf/production/pager/v3^{commit}") == c1
    msg = r.git("cat-file", "-p", "keepwf/production/pager/v3")
    assert "Keepwf-Action: rollback" in msg and "Keepwf-Rollback-Of: v2" in msg

    h = r.cli("history", "pager", "--json").json()
    rows = [(v["version"], v["action"], v["rollback_of"], v["tagger_name"], v["message"], v["deployed"]) for v in h["versions"]]
    assert rows == [
        ("v3", "rollback", "v2", "Ada Tester", "Second one pages twice", True),
        ("v2", "deploy", None, "Ada Tester", "Second release", False),
        ("v1", "deploy", None, "Ada Tester", "First release", False),
    ]
    text = r.cli("history", "pager").out
    assert "rollback of v2" in text and "Ada Tester" in text

    audit = r.cli("audit", "--json").json()
    assert [(a["action"], a["version"]) for a in audit] == [("rollback", "v3"), ("deploy", "v2"), ("deploy", "v1")]
    assert r.cli("audit").code == 0
