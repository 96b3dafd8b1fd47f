"""Un-prune (`keepwf prune --restore WF vN`, audited, carried by sync) and retention (`keep_versions`)."""

from __future__ import annotations

import subprocess

from tests.helpers import GitRepo, workflow_yaml


def _deploy(r: GitRepo, word: str) -> None:
    r.write("workflows/pager.yml", workflow_yaml("pager", word))
    r.commit(word)
    res = r.cli("deploy", "pager", "-m", f"deploy {word}")
    assert res.code == 0, res


def _labels(r: GitRepo) -> list[str]:
    return [v["version"] for v in r.cli("history", "pager", "--json").json()["versions"]]


def test_restore_brings_a_pruned_version_back_audited(tmp_repo):
    r = tmp_repo
    for w in ("one", "two", "three"):
        _deploy(r, w)
    before = r.git("rev-parse", "keepwf/production/pager/v1")
    assert r.cli("prune", "pager", "--keep", "1").code == 0
    assert _labels(r) == ["v3", "v2"]  # v2 is the rollback target: never pruned
    res = r.cli("prune", "--restore", "pager", "v1", "-m", "the auditors want it")
    assert res.code == 0 and "restored keepwf/production/pager/v1" in res.out
    assert _labels(r) == ["v3", "v2", "v1"]
    assert r.git("rev-parse", "keepwf/production/pager/v1") == before  # the same tag object
    assert r.git("for-each-ref", "refs/keepwf/archive/") == ""
    audit = r.cli("audit", "--json").json()
    assert [(e["action"], e["version"]) for e in audit[:2]] in ([("restore", "v1"), ("prune", "v1")],
                                                                [("prune", "v1"), ("restore", "v1")])
    assert r.cli("prune", "--restore", "pager", "v1").code == 2  # not pruned any more
    assert r.cli("prune", "--restore", "pager", "v9").code == 2
    assert r.cli("prune", "--restore", "pager").code == 2


def test_a_restore_travels_with_sync_and_is_not_pruned_again(tmp_repo, tmp_path):
    r = tmp_repo
    for w in ("one", "two", "three"):
        _deploy(r, w)
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    r.git("remote", "add", "origin", str(bare))
    r.git("push", "-q", "origin", "main")
    assert r.cli("prune", "pager", "--keep", "1").code == 0
    assert r.cli("sync").code == 0
    subprocess.run(["git", "clone", "-q", str(bare), str(tmp_path / "b")], check=True)
    b = GitRepo(tmp_path / "b")
    assert b.cli("sync").code == 0 and _labels(b) == ["v3", "v2"]
    assert r.cli("prune", "--restore", "pager", "v1", "-m", "back").code == 0
    for c in (r, b, r):
        res = c.cli("sync")
        assert res.code == 0, res
    assert _labels(r) == ["v3", "v2", "v1"] and _labels(b) == ["v3", "v2", "v1"]


def test_keep_versions_prunes_on_deploy(tmp_repo):
    r = tmp_repo
    cfg = (r.path / "keepwf.toml").read_text()
    assert "[env.production]" in cfg
    r.write("keepwf.toml", cfg.replace("[env.production]", "[env.production]\nkeep_versions = 2", 1))
    r.commit("retention")
    for w in ("one", "two", "three"):
        _deploy(r, w)
    res = r.cli("deploy", "pager", "-m", "x")  # nothing changed: nothing pruned either
    _deploy(r, "four")
    assert _labels(r) == ["v4", "v3"]
    actions = [e["action"] for e in r.cli("audit", "--json").json() if e["workflow"] == "pager"]
    assert actions.count("prune") == 2
    r.write("keepwf.toml", cfg.replace("[env.production]", "[env.production]\nkeep_versions = 0", 1))
    assert r.cli("status").code == 2
