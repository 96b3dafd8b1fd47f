"""rollback, promote, prune, audit."""

from __future__ import annotations

import pytest

from tests.helpers import workflow_yaml


def tags(r):
    return r.git("tag", "-l", "keepwf/*").split()


@pytest.fixture
def r(tmp_repo):
    """pager deployed three times to production (contents one, two, three)."""
    r = tmp_repo
    r.commits = []
    for word in ("one", "two", "three"):
        r.write("workflows/pager.yml", workflow_yaml("pager", word))
        r.commits.append(r.commit(word))
        assert r.cli("deploy", "pager", "-m", f"deploy {word}").code == 0
    return r


def test_rollback_to_ref_dry_run_and_noop(r):
    res = r.cli("rollback", "pager", "--to", "v1", "--dry-run")
    assert res.code == 0 and "would create keepwf/production/pager/v4" in res.out
    assert '-          message: "three 0"' in res.out and '+          message: "one 0"' in res.out
    assert "keepwf/production/pager/v4" not in tags(r)
    res = r.cli("rollback", "pager", "--to", "v1", "--json")
    assert res.code == 0 and res.json()["version"]["rollback_of"] == "v3"
    assert r.git("rev-parse", "keepwf/production/pager/v4^{commit}") == r.commits[0]
    res = r.cli("rollback", "pager", "--to", "v1")
    assert res.code == 0 and "Nothing to do" in res.out and "keepwf/production/pager/v5" not in tags(r)


def test_default_rollback_target_skips_same_content_and_failed_versions():
    from keepwf.model.version import Version
    from keepwf.service.versions import default_rollback_target

    def v(n, blob):
        return Version("w", "p", n, "c" * 40, f"t{n}", blob=blob)

    vs = [v(4, "b"), v(3, "b"), v(2, "a"), v(1, "z")]
    assert default_rollback_target(vs).number == 2
    assert default_rollback_target(vs, {"v2": {"runs": 3, "failed": 3}}).number == 1
    assert default_rollback_target(vs[:1]) is None


def test_rollback_errors(r, tmp_repo):
    assert r.cli("rollback", "pager", "--to", "v9").code == 2
    assert r.cli("rollback", "pager", "--env", "nowhere").code == 2
    res = r.cli("rollback", "pager", "--env", "staging")
    assert res.code == 3 and "never been deployed to staging" in res.err


def test_promote_exact_commit_and_branch_rule(r):
    r.git("switch", "-qc", "feature")
    r.write("workflows/pager.yml", workflow_yaml("pager", "feature"))
    feat = r.commit("feature work")
    assert r.cli("deploy", "pager", "--env", "staging").code == 0
    res = r.cli("promote", "pager", "--from", "staging", "--to", "production")
    assert res.code == 3 and "not on a branch production may be deployed from" in res.err
    r.git("switch", "-q", "main")
    r.git("merge", "-q", "--ff-only", "feature")
    res = r.cli("promote", "pager", "--from", "staging", "--to", "production")
    assert res.code == 0, res
    msg = r.git("cat-file", "-p", "keepwf/production/pager/v4")
    assert "Keepwf-Action: promote" in msg and "Keepwf-Promoted-From: staging/v1" in msg
    assert r.git("rev-parse", "keepwf/production/pager/v4^{commit}") == feat
    res = r.cli("promote", "pager", "--from", "staging", "--to", "production")
    assert res.code == 0 and "Nothing to do" in res.out
    assert r.cli("promote", "pager", "--from", "staging", "--to", "staging").code == 2
    assert r.cli("promote", "pager", "--from", "qa", "--to", "production").code == 2


def test_prune_keeps_deployed_and_rollback_target_archives_and_audits(r):
    for word in ("four", "five"):
        r.write("workflows/pager.yml", workflow_yaml("pager", word))
        r.commits.append(r.commit(word))
        assert r.cli("deploy", "pager").code == 0
    res = r.cli("prune", "pager", "--keep", "0", "--dry-run")
    assert res.code == 0 and "would prune keepwf/production/pager/v3" in res.out
    assert len([t for t in tags(r) if "/pager/" in t]) == 5
    res = r.cli("prune", "pager", "--keep", "0", "-m", "tidy up")
    assert res.code == 0, res
    assert sorted(t for t in tags(r) if "/pager/" in t) == ["keepwf/production/pager/v4", "keepwf/production/pager/v5"]
    assert r.git("for-each-ref", "--format=%(refname)", "refs/keepwf/archive/production/pager/").split() == [
        f"refs/keepwf/archive/production/pager/v{n}" for n in (1, 2, 3)]
    # git gc cannot drop a pruned version's commit (run notes hang on it)
    r.git("reflog", "expire", "--expire=now", "--all")
    r.git("gc", "-q", "--prune=now")
    assert r.git("cat-file", "-t", r.commits[0]) == "commit"
    assert r.cli("show", "pager", "--version", "v1").code == 0, "a pruned version still resolves"
    h = r.cli("history", "pager", "--pruned", "--json").json()
    assert [(v["version"], v["pruned"]) for v in h["versions"]][-1] == ("v1", True)
    audit = r.cli("audit", "--json").json()
    assert audit[0]["action"] == "prune" and audit[0]["version"] == "v1, v2, v3" and "tidy up" in audit[0]["message"]
    assert {a["version"] for a in audit if a["action"] == "deploy"} == {"v1", "v2", "v3", "v4", "v5"}
    # numbers are never reused
    r.write("workflows/pager.yml", workflow_yaml("pager", "six"))
    r.commit("six")
    assert "keepwf/production/pager/v6" in r.cli("deploy", "pager").out


def test_prune_older_than_and_bad_age(r):
    assert r.cli("prune", "--older-than", "soon").code == 2
    res = r.cli("prune", "--older-than", "30d")
    assert res.code == 0 and "Nothing to prune" in res.out


def test_audit_filters(r):
    assert r.cli("audit", "--env", "moon").code == 2
    assert r.cli("audit", "--since", "yesterday-ish").code == 2
    assert len(r.cli("audit", "--since", "1h", "--json").json()) == 3
    assert r.cli("audit", "--since", "2999-01-01", "--json").json() == []
    assert r.cli("audit", "--env", "staging", "--json").json() == []


def test_the_web_forms_promote_goes_through_the_same_checks(r):
    """keepwf ui's promote form (server/ui/queries.release) uses the promote service: plan, gate, create."""
    from keepwf.errors import StateError
    from keepwf.server.ui.queries import release
    from keepwf.store.repo import Repo

    assert r.cli("deploy", "pager", "--env", "staging").code == 0
    repo = Repo.discover(r.path)
    plan = release(repo, "promote", "pager", {"from_env": "staging", "to_env": "production"}, dry_run=True)
    assert plan.noop  # production already runs this commit
    r.write("keepwf.toml", r.path.joinpath("keepwf.toml").read_text().replace(
        "[env.staging]", "[env.staging]\nmin_runs = 1\n"))
    r.write("workflows/pager.yml", workflow_yaml("pager", "four"))
    r.commit("four")
    assert r.cli("deploy", "pager", "--env", "production").code == 0
    assert r.cli("deploy", "pager", "--env", "staging").code == 0
    r.write("workflows/pager.yml", workflow_yaml("pager", "five"))
    r.commit("five")
    assert r.cli("deploy", "pager", "--env", "production").code == 0
    with pytest.raises(StateError, match="promote refused: gate"):
        release(Repo.discover(r.path), "promote", "pager", {"from_env": "production", "to_env": "staging"})
