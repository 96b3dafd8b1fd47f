"""Issue 11, item 1: a prune propagates through `keepwf sync` past keepwf's own pre-push hook and the server's
pre-receive hook — and those hooks accept no other deletion of a deploy tag."""

from __future__ import annotations

import subprocess

import pytest

from tests.team_helpers import change, make_team, server_refs

TAGS = "refs/tags/keepwf/production/pager/"


def _tags(c) -> list[str]:
    return sorted(t for t in c.git("tag", "-l", "keepwf/production/pager/*").split())


@pytest.fixture
def team(tmp_path):
    bare, cl = make_team(tmp_path)
    a = cl["alice"]
    for word in ("one", "two", "three"):
        change(a, "pager", word)
        assert a.cli("deploy", "pager", "-m", f"deploy {word}").code == 0
    assert a.cli("sync").code == 0
    for c in cl.values():
        c.git("pull", "-q", "origin", "main")
        assert c.cli("sync").code == 0, c
    return bare, cl


@pytest.mark.slow
def test_prune_reaches_the_server_and_every_clone_through_the_hooks(team):
    bare, cl = team
    a, b, r = cl["alice"], cl["bob"], cl["runner"]
    assert server_refs(bare, TAGS) == [TAGS + f"v{n}" for n in (1, 2, 3)]
    res = a.cli("prune", "pager", "--keep", "1", "-m", "tidy")
    assert res.code == 0, res
    # v1 is pruned; v2 is the rollback target and stays
    assert _tags(a) == ["keepwf/production/pager/v2", "keepwf/production/pager/v3"]
    res = a.cli("sync")
    assert res.code == 0, res
    assert server_refs(bare, TAGS) == [TAGS + "v2", TAGS + "v3"]
    assert server_refs(bare, "refs/keepwf/archive/") == ["refs/keepwf/archive/production/pager/v1"]
    for c in (b, r):
        assert len(_tags(c)) == 3
        res = c.cli("sync")
        assert res.code == 0, res
        assert _tags(c) == ["keepwf/production/pager/v2", "keepwf/production/pager/v3"]
        audit = c.cli("audit", "--json").json()
        assert [(e["action"], e["version"], e["message"].split("\n")[-1]) for e in audit if e["action"] == "prune"] == [("prune", "v1", "tidy")]
    # the clone that pruned can still push everything else: a deploy and its runs
    change(a, "pager", "four")
    assert a.cli("deploy", "pager").code == 0
    assert a.cli("run", "pager").code == 0
    res = a.cli("sync")
    assert res.code == 0, res
    assert server_refs(bare, TAGS + "v4") == [TAGS + "v4"]


@pytest.mark.slow
def test_hooks_refuse_every_other_deletion(team):
    bare, cl = team
    b = cl["bob"]
    # by hand, through keepwf's pre-push hook
    cp = subprocess.run(["git", "push", "origin", ":" + TAGS + "v1"], cwd=b.path, capture_output=True, text=True)
    assert cp.returncode != 0 and "refusing to delete deploy tag keepwf/production/pager/v1" in cp.stderr
    assert "keepwf prune" in cp.stderr
    # past the client hook (--no-verify): the server's pre-receive refuses
    cp = subprocess.run(["git", "push", "--no-verify", "origin", ":" + TAGS + "v1"], cwd=b.path, capture_output=True, text=True)
    assert cp.returncode != 0 and "pre-receive: refusing to delete deploy tag keepwf/production/pager/v1" in cp.stderr
    # an archive ref made by hand (no prune record on the audit chain) does not make a deletion acceptable
    oid = b.git("rev-parse", TAGS + "v1")
    b.git("update-ref", "refs/keepwf/archive/production/pager/v1", oid)
    cp = subprocess.run(["git", "push", "--no-verify", "origin", "refs/keepwf/archive/production/pager/v1",
                         ":" + TAGS + "v1"], cwd=b.path, capture_output=True, text=True)
    assert cp.returncode != 0 and "has no prune record of production/pager/v1" in cp.stderr
    assert server_refs(bare, TAGS) == [TAGS + f"v{n}" for n in (1, 2, 3)]
    assert server_refs(bare, "refs/keepwf/archive/") == []


@pytest.mark.slow
def test_the_archive_is_write_once_and_the_audit_chain_append_only(team):
    bare, cl = team
    a, b = cl["alice"], cl["bob"]
    assert a.cli("prune", "pager", "--keep", "1").code == 0 and a.cli("sync").code == 0
    assert b.cli("sync").code == 0
    arch = "refs/keepwf/archive/production/pager/v1"
    cp = subprocess.run(["git", "push", "--no-verify", "origin", ":" + arch], cwd=b.path, capture_output=True, text=True)
    assert cp.returncode != 0 and f"refusing to delete pruned version {arch}" in cp.stderr
    tip = b.git("rev-parse", "refs/keepwf/audit")
    b.git("update-ref", "refs/keepwf/audit", b.git("commit-tree", "-m", "forged", b.git("rev-parse", "HEAD^{tree}")))
    cp = subprocess.run(["git", "push", "--no-verify", "-f", "origin", "refs/keepwf/audit"], cwd=b.path,
                        capture_output=True, text=True)
    assert cp.returncode != 0 and "refusing to rewind refs/keepwf/audit" in cp.stderr
    assert server_refs(bare, arch) == [arch]
    assert subprocess.run(["git", "-C", str(bare), "rev-parse", "refs/keepwf/audit"], capture_output=True,
                          text=True).stdout.strip() == tip


@pytest.mark.slow
def test_a_restore_propagates_too_and_a_pruned_again_version_as_well(team):
    bare, cl = team
    a, b = cl["alice"], cl["bob"]
    assert a.cli("prune", "pager", "--keep", "1").code == 0 and a.cli("sync").code == 0
    assert b.cli("sync").code == 0
    res = b.cli("prune", "--restore", "pager", "v1", "-m", "the auditors want it")
    assert res.code == 0, res
    res = b.cli("sync")  # the archive deletion passes the server's pre-receive: a restore recorded on the chain
    assert res.code == 0, res
    assert server_refs(bare, TAGS) == [TAGS + f"v{n}" for n in (1, 2, 3)]
    assert server_refs(bare, "refs/keepwf/archive/") == []
    assert a.cli("sync").code == 0 and "keepwf/production/pager/v1" in _tags(a)
    # pruned again: the newest record is a prune again, so the tag deletion is accepted once more
    assert a.cli("prune", "pager", "--keep", "1").code == 0
    assert a.cli("sync").code == 0 and server_refs(bare, TAGS) == [TAGS + "v2", TAGS + "v3"]
