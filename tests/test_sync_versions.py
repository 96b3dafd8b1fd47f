"""keepwf sync carries pruned versions (refs/keepwf/archive/**) and the audit chain; a version both clones deployed
differently stops the sync with what differs and the commands that resolve it."""

from __future__ import annotations

import subprocess

import pytest

from tests.helpers import GitRepo, workflow_yaml


def _bare_refs(bare, prefix: str) -> list[str]:
    cp = subprocess.run(["git", "-C", str(bare), "for-each-ref", "--format=%(refname)", prefix],
                        capture_output=True, text=True, check=True)
    return cp.stdout.split()


def _pager_tags(c: GitRepo) -> list[str]:
    return sorted(t for t in c.git("tag", "-l", "keepwf/*").split() if "/pager/" in t)


@pytest.fixture
def two(tmp_repo, tmp_path):
    """pager deployed four times (v1..v4), published to a bare origin; clones a and b synced."""
    r = tmp_repo
    for word in ("one", "two", "three", "four"):
        r.write("workflows/pager.yml", workflow_yaml("pager", word))
        r.commit(word)
        assert r.cli("deploy", "pager", "-m", f"deploy {word}").code == 0
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    r.git("remote", "add", "origin", str(bare))
    r.git("push", "-q", "origin", "main")
    assert r.cli("sync").code == 0
    clones = []
    for name in ("a", "b"):
        subprocess.run(["git", "clone", "-q", str(bare), str(tmp_path / name)], check=True)
        c = GitRepo(tmp_path / name)
        res = c.cli("sync")
        assert res.code == 0, res
        clones.append(c)
    return bare, clones[0], clones[1]


def test_a_prune_in_one_clone_reaches_the_other_and_the_remote(two):
    bare, a, b = two
    res = a.cli("prune", "pager", "--keep", "1", "-m", "tidy up")
    assert res.code == 0, res
    res = a.cli("sync")
    assert res.code == 0, res
    # the remote holds the archive and the audit record, and no longer the live tags of the pruned versions
    assert _bare_refs(bare, "refs/keepwf/archive/") == [f"refs/keepwf/archive/production/pager/v{n}" for n in (1, 2)]
    assert _bare_refs(bare, "refs/keepwf/audit") == ["refs/keepwf/audit"]
    assert _bare_refs(bare, "refs/tags/keepwf/production/pager/") == [f"refs/tags/keepwf/production/pager/v{n}" for n in (3, 4)]
    # a's own next sync does not bring the pruned tags back
    assert a.cli("sync").code == 0 and _pager_tags(a) == ["keepwf/production/pager/v3", "keepwf/production/pager/v4"]
    # b still had v1, v2 live: after sync they are archived there too (same objects, nothing lost)
    assert len(_pager_tags(b)) == 4
    res = b.cli("sync", "-v")
    assert res.code == 0 and "2 pruned versions (" in res.out and "2 of them still live here" in res.out, res
    assert _pager_tags(b) == ["keepwf/production/pager/v3", "keepwf/production/pager/v4"]
    h = b.cli("history", "pager", "--json").json()
    assert [v["version"] for v in h["versions"]] == ["v4", "v3"]
    h = b.cli("history", "pager", "--pruned", "--json").json()
    assert [(v["version"], v["pruned"]) for v in h["versions"]] == [("v4", False), ("v3", False), ("v2", True), ("v1", True)]
    audit = b.cli("audit", "--json").json()
    prunes = [x for x in audit if x["action"] == "prune"]
    assert len(prunes) == 1 and prunes[0]["version"] == "v1, v2" and "tidy up" in prunes[0]["message"]
    assert sorted(x["version"] for x in audit if x["action"] == "deploy") == ["v1", "v2", "v3", "v4"]
    assert b.cli("status", "--json").code == 0
    # the archive survives the clone that pruned: a fresh clone gets it
    assert b.git("rev-parse", "refs/keepwf/archive/production/pager/v1") == a.git(
        "rev-parse", "refs/keepwf/archive/production/pager/v1")


def test_diverged_audit_chains_merge_without_losing_or_doubling_a_prune(two):
    bare, a, b = two
    a.write("workflows/pager.yml", workflow_yaml("pager", "five"))
    a.commit("five")
    assert a.cli("deploy", "pager").code == 0
    assert a.cli("sync").code == 0 and b.cli("sync").code == 0
    # both prune v1, v2 (same objects: no conflict); a also prunes v3
    assert a.cli("prune", "pager", "--keep", "0", "-m", "prune in a").code == 0
    assert b.cli("prune", "pager", "--keep", "3", "-m", "prune in b").code == 0
    assert a.cli("sync").code == 0
    res = b.cli("sync", "-v")  # b's audit chain diverged from origin's: joined by a merge commit, pushed without force
    assert res.code == 0 and "audit log merged" in res.out, res
    assert a.cli("sync").code == 0
    for c in (a, b):
        assert _pager_tags(c) == ["keepwf/production/pager/v4", "keepwf/production/pager/v5"]
        prunes = [x for x in c.cli("audit", "--json").json() if x["action"] == "prune"]
        versions = sorted(v for p in prunes for v in p["version"].split(", "))
        assert versions == ["v1", "v2", "v3"], prunes  # v1, v2 pruned in both clones: listed once
        assert all(p["message"].endswith(("prune in a", "prune in b")) for p in prunes)
        assert any("v3" in p["version"] and p["message"].endswith("prune in a") for p in prunes)
    assert a.git("rev-parse", "refs/keepwf/audit") == b.git("rev-parse", "refs/keepwf/audit")
    audit_log = a.git("log", "--format=%s", "refs/keepwf/audit")
    assert audit_log.count("Prune") == 2


def test_two_clones_deploying_the_same_version_get_an_actionable_conflict(two):
    bare, a, b = two
    for c, word in ((a, "from-a"), (b, "from-b")):
        c.write("workflows/pager.yml", workflow_yaml("pager", word))
        c.commit(word)
        assert c.cli("deploy", "pager", "-m", f"deploy {word}").code == 0
    assert a.cli("sync").code == 0
    before = b.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/tags", "refs/keepwf/archive")
    res = b.cli("sync")
    assert res.code == 3, res
    flat = " ".join(res.err.split())
    assert "pager in production, v5 (keepwf/production/pager/v5)" in res.err
    a_commit = a.git("rev-parse", "--short=7", "keepwf/production/pager/v5^{commit}")
    b_commit = b.git("rev-parse", "--short=7", "keepwf/production/pager/v5^{commit}")
    assert f"here: tag -> commit {b_commit}" in flat and f"origin: tag -> commit {a_commit}" in flat
    assert "deploy from-b" in res.err and "deploy from-a" in res.err
    fix = "git tag -d keepwf/production/pager/v5 && keepwf sync origin && keepwf deploy pager --env production"
    assert fix in flat
    # nothing moved
    assert b.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/tags", "refs/keepwf/archive") == before
    # the documented procedure works: b keeps a's v5 and redeploys its own content as v6
    for cmd in ("git tag -d keepwf/production/pager/v5", "keepwf sync origin"):
        if cmd.startswith("git"):
            b.git(*cmd.split()[1:])
        else:
            assert b.cli(*cmd.split()[1:]).code == 0
    res = b.cli("deploy", "pager", "--env", "production", "-m", "redeploy after a sync conflict")
    assert res.code == 0 and "keepwf/production/pager/v6" in res.out, res
    assert b.cli("sync").code == 0 and a.cli("sync").code == 0
    assert a.git("rev-parse", "keepwf/production/pager/v5^{commit}") == b.git("rev-parse", "keepwf/production/pager/v5^{commit}")
    assert a.git("rev-parse", "keepwf/production/pager/v6^{commit}") == b.git("rev-parse", "HEAD")


def test_a_remote_that_refuses_tag_deletion_still_gets_the_prune(two):
    bare, a, b = two
    hook = bare / "hooks" / "update"  # like a host's protected tags: deleting a tag is refused, ref by ref
    hook.write_text('#!/bin/sh\ncase "$1" in refs/tags/*) [ "$3" = 0000000000000000000000000000000000000000 ] && '
                    '{ echo "protected tag $1" >&2; exit 1; };; esac\nexit 0\n')
    hook.chmod(0o755)
    assert a.cli("prune", "pager", "--keep", "1").code == 0
    res = a.cli("sync")
    assert res.code == 0 and "refused to delete 2 pruned tag(s)" in res.err, res
    assert _bare_refs(bare, "refs/keepwf/archive/") == [f"refs/keepwf/archive/production/pager/v{n}" for n in (1, 2)]
    assert a.cli("sync").code == 0 and _pager_tags(a) == ["keepwf/production/pager/v3", "keepwf/production/pager/v4"]
    assert b.cli("sync").code == 0 and _pager_tags(b) == ["keepwf/production/pager/v3", "keepwf/production/pager/v4"]


def test_sync_says_in_plain_counts_what_this_clone_gained_and_details_only_with_v(two):
    _bare, a, b = two
    assert a.cli("run", "pager").code == 0 and a.cli("run", "pager").code == 0
    a.write("workflows/pager.yml", workflow_yaml("pager", "five"))
    a.commit("five")
    assert a.cli("deploy", "pager", "-m", "five").code == 0
    assert a.cli("approve", "pager", "-m", "LGTM").code == 0
    assert a.cli("sync").code == 0
    b.git("pull", "-q", "origin", "main")
    res = b.cli("sync")
    assert res.code == 0, res
    assert res.out.splitlines() == [
        "synced with origin: 2 new runs, 1 new version, 1 new approval, 0 pruned versions (origin has all of yours too)"]
    assert "chain" not in res.out and "notes" not in res.out
    res = b.cli("sync", "-v")
    assert res.out.splitlines()[0].startswith("synced with origin: 0 new runs, 0 new versions, 0 new approvals")
    assert "  runs: 2 before, 2 after; run histories:" in res.out and "  pushed:" in res.out
    d = b.cli("sync", "--json").json()
    assert {k: d[k] for k in ("new_runs", "new_versions", "new_approvals", "pruned_versions")} == {
        "new_runs": 0, "new_versions": 0, "new_approvals": 0, "pruned_versions": 0}
