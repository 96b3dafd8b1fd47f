"""Version references (REF), show, diff and status details."""

from __future__ import annotations

import pytest

from tests.helpers import workflow_yaml


@pytest.fixture
def three(tmp_repo):
    """pager v1, v2, v3 in production (v3 = rollback to v1's commit), other v1."""
    r = tmp_repo
    r.write("workflows/pager.yml", workflow_yaml("pager", "one"))
    r.write("workflows/other.yml", workflow_yaml("other"))
    r.c1 = r.commit("one")
    assert r.cli("deploy", "--all").code == 0
    r.write("workflows/pager.yml", workflow_yaml("pager", "two", steps=2))
    r.c2 = r.commit("two")
    assert r.cli("deploy", "pager").code == 0
    assert r.cli("rollback", "pager").code == 0
    return r


def version_of(r, *args):
    res = r.cli("show", "pager", "--json", *args)
    assert res.code == 0, res
    return res.json()["version"]["version"]


def test_every_ref_form(three):
    r = three
    assert version_of(r) == "v3"
    assert version_of(r, "--version", "deployed") == "v3"
    assert version_of(r, "--version", "previous") == "v2"
    assert version_of(r, "--version", "v2") == "v2"
    assert version_of(r, "--version", "1") == "v1"
    assert version_of(r, "--version", "keepwf/production/pager/v2") == "v2"
    assert version_of(r, "--version", "refs/tags/keepwf/production/pager/v1") == "v1"
    assert version_of(r, "--version", r.c2[:8]) == "v2"
    assert version_of(r, "--version", r.c1) == "v3", "a commit deployed twice resolves to its newest version"


@pytest.mark.parametrize("ref, text", [
    ("v9", "has no version v9"),
    ("banana", "bad version reference"),
    ("keepwf/production/other/v1", "is a version of other in production, not of pager"),
    ("keepwf/staging/pager/v1", "not of pager in production"),
])
def test_bad_refs_exit_2(three, ref, text):
    res = three.cli("show", "pager", "--version", ref)
    assert res.code == 2 and text in res.err, res


def test_commit_that_is_not_a_version(three):
    three.write("workflows/x.yml", workflow_yaml("x"))
    c = three.commit("unrelated")
    res = three.cli("show", "pager", "--version", c[:10])
    assert res.code == 2 and "is not a version of pager" in res.err


def test_ambiguous_prefix(three, monkeypatch):
    from keepwf.errors import UsageError
    from keepwf.model.version import Version
    from keepwf.service import versions

    fake = [Version("pager", "production", 2, "abcd" + "1" * 36, "t2"), Version("pager", "production", 1, "abcd" + "2" * 36, "t1")]
    monkeypatch.setattr(versions, "list_versions", lambda *a, **k: fake)
    with pytest.raises(UsageError, match="ambiguous"):
        versions.resolve_version(None, "pager", "production", "abcd")


def test_unknown_workflow_everywhere(three):
    for cmd in (["show", "nope"], ["history", "nope"], ["diff", "nope"], ["rollback", "nope"], ["status", "nope"]):
        res = three.cli(*cmd)
        assert res.code == 2 and "unknown workflow 'nope'" in res.err, (cmd, res)
    res = three.cli("history", "pagr")
    assert "did you mean pager?" in res.err


def test_show_reads_git_objects_not_the_working_tree(three):
    three.write("workflows/pager.yml", workflow_yaml("pager", "draft edit"))
    out = three.cli("show", "pager", "--version", "v2").out
    assert out.startswith("# keepwf: pager v2 in production\n# commit " + three.c2)
    assert '"two 1"' in out and "draft edit" not in out


def test_diff_forms_and_exit_codes(three):
    r = three
    assert r.cli("diff", "pager", "v1", "v3").code == 0
    res = r.cli("diff", "pager", "v1", "v2", "--json")
    assert res.code == 1
    d = res.json()
    assert d["summary"]["steps"] == {"added": ["step-1"], "removed": [], "changed": [{"name": "step-0", "keys": ["provider.with.message"]}]}
    assert r.cli("diff", "pager").code == 1  # deployed (v3 = one) vs draft (two)
    assert r.cli("diff", "pager", "v2", "draft").code == 0


def test_status_counts_undeployed_commits(three):
    r = three
    r.write("workflows/pager.yml", workflow_yaml("pager", "three"))
    r.commit("three")
    st = r.cli("status", "pager", "--env", "production", "--json").json()[0]["envs"][0]
    assert st["deployed"]["version"] == "v3"
    assert [c["subject"] for c in st["undeployed_commits"]] == ["three", "two"]
    assert st["draft"] == "modified"
    lst = r.cli("list", "--json").json()
    assert {w["workflow"]: w["envs"][0]["deployed"]["version"] for w in lst if w["envs"][0]["deployed"]} == {
        "pager": "v3", "other": "v1", "hello-alert": "v1"}


def test_head_and_branch_name_the_commit_not_the_deployed_version(three):
    """`--version HEAD` used to mean "deployed" even when HEAD was another commit: a git user got the wrong YAML."""
    r = three
    assert version_of(r, "--version", "HEAD") == "v2", "HEAD is c2, deployed as v2 (deployed is v3 = c1)"
    r.git("branch", "at-one", r.c1)
    assert version_of(r, "--version", "at-one") == "v3", "c1 is deployed as v1 and v3: the newest"
    r.write("workflows/x.yml", workflow_yaml("x"))
    c = r.commit("unrelated")
    assert version_of(r, "--version", "HEAD~1") == "v2"
    res = r.cli("show", "pager", "--version", "HEAD")
    assert res.code == 2 and f"HEAD is commit {c[:12]}, which is not a version of pager" in res.err, res
