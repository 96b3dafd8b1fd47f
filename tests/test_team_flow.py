"""Issue 11, "done when": one team's day against a bare server with keepwf's pre-receive hook and three clones with
keepwf's hooks (alice deploys, bob reviews, a runner runs), through real git push/fetch."""

from __future__ import annotations

import pytest

from tests.team_helpers import become, change, make_team, server_refs
from tests.test_team_gate import PAGER, _cancelled_run

TOML = """[env.production]
branches = ["main"]
push = true
min_runs = 2
min_success_rate = 0.95

[env.staging]
"""
PROD = "refs/tags/keepwf/production/pager/"


def _deployed(c, env: str = "production") -> str | None:
    row = next(w for w in c.cli("status", "--json").json() if w["workflow"] == "pager")
    d = next(e for e in row["envs"] if e["env"] == env)["deployed"]
    return d["version"] if d else None


def _ship(c, what: str, command: str = "true") -> str:
    c.write("workflows/pager.yml", PAGER.format(what=what, command=command))
    c.git("add", "-A")
    c.git("commit", "-qm", what)
    c.git("push", "-q", "origin", "HEAD:main")
    return c.git("rev-parse", "HEAD")


@pytest.mark.slow
def test_a_team_day(tmp_path, monkeypatch):
    bare, cl = make_team(tmp_path, toml=TOML)
    a, b, r = cl["alice"], cl["bob"], cl["runner"]
    become(monkeypatch, "alice")
    # v1..v3 (push = true: each reaches the server at once), then a prune that every clone and the server see
    for n in (1, 2, 3):
        _ship(a, f"version {n}")
        assert a.cli("deploy", "pager", "-m", f"v{n}").code == 0
    assert server_refs(bare, PROD) == [PROD + f"v{n}" for n in (1, 2, 3)]
    for c in (b, r):
        assert c.cli("sync").code == 0 and _deployed(c) == "v3"
    res = a.cli("prune", "pager", "--env", "production", "--keep", "1")
    assert res.code == 0 and "pushed to origin" in res.out, res
    assert server_refs(bare, PROD) == [PROD + "v2", PROD + "v3"]
    for c in (a, b, r):
        res = c.cli("sync")
        assert res.code == 0, res
        assert c.git("tag", "-l", "keepwf/production/pager/*").split() == ["keepwf/production/pager/v2",
                                                                             "keepwf/production/pager/v3"]
        assert c.git("rev-parse", "refs/keepwf/archive/production/pager/v1")

    # a bad v4, rolled back; the runner sees the rollback after its own sync — alice never syncs
    bad = _ship(a, "pages twice")
    assert a.cli("deploy", "pager", "-m", "v4").code == 0
    assert r.cli("sync").code == 0 and _deployed(r) == "v4"
    res = a.cli("rollback", "pager", "-m", "v4 pages twice")
    assert res.code == 0 and "pushed to origin" in res.out and f"git revert --no-edit {bad[:10]}" in res.out, res
    assert r.cli("sync").code == 0 and _deployed(r) == "v5"
    assert r.cli("run", "pager", "--json").json()["version"] == "v5"
    # deploy --all from main (the CI recipe) is refused until forced with a reason
    b.git("pull", "-q", "origin", "main")
    assert b.cli("sync").code == 0
    res = b.cli("deploy", "--all")
    assert res.code == 3 and "this content is v4, rolled back by v5: 'v4 pages twice'" in res.out, res
    become(monkeypatch, "bob")
    res = b.cli("deploy", "--all", "-m", "receiver fixed", "--force")
    assert res.code == 0 and "created keepwf/production/pager/v6" in res.out, res
    assert server_refs(bare, PROD + "v6") == [PROD + "v6"]
    become(monkeypatch, "alice")

    # staging: a failing run stops the promotion; enough good runs open the gate; a Ctrl-C'd run changes nothing
    assert a.cli("sync").code == 0
    a.git("pull", "-q", "origin", "main")
    _ship(a, "with a ticket", "pagerctl-missing ticket")
    assert a.cli("deploy", "pager", "--env", "staging").code == 0 and a.cli("sync").code == 0
    r.git("pull", "-q", "origin", "main")
    assert r.cli("sync").code == 0 and r.cli("run", "pager", "--env", "staging").code == 1
    assert r.cli("sync").code == 0 and a.cli("sync").code == 0
    res = a.cli("promote", "pager", "--from", "staging", "--to", "production")
    assert res.code == 3 and "✗ gate       staging v1: 1 run, 0% success — needs ≥ 2 runs, ≥ 95%" in res.out, res
    _ship(a, "ticket fixed", "sleep {{ inputs.wait }}")
    assert a.cli("deploy", "pager", "--env", "staging").code == 0 and a.cli("sync").code == 0
    r.git("pull", "-q", "origin", "main")
    assert r.cli("sync").code == 0
    assert r.cli("run", "pager", "--env", "staging").code == 0
    _cancelled_run(r)
    hist = r.cli("history", "pager", "--env", "staging", "--json").json()
    st = next(v for v in hist["versions"] if v["version"] == "v2")["runs"]
    assert (st["runs"], st["success_rate"], st["cancelled"]) == (1, 1.0, 1)  # the cancelled run changes nothing
    assert r.cli("sync").code == 0 and a.cli("sync").code == 0
    assert a.cli("promote", "pager", "--from", "staging", "--to", "production").code == 3  # 1 counted run < 2
    assert r.cli("run", "pager", "--env", "staging").code == 0 and r.cli("sync").code == 0 and a.cli("sync").code == 0
    res = a.cli("promote", "pager", "--from", "staging", "--to", "production")
    assert res.code == 0 and "✓ gate       staging v2: 2 runs, 100% success" in res.out, res
    assert server_refs(bare, PROD + "v7") == [PROD + "v7"]
    assert r.cli("sync").code == 0 and _deployed(r) == "v7"
