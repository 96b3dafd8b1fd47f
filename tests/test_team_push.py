"""Issue 11, item 3: with `push = true` a deploy, rollback, promote or prune reaches the server at once (one atomic
push, never forced; a remote that moved refuses and nothing is created); without it the command says it was not
pushed and `status` lists what the server lacks."""

from __future__ import annotations

import pytest

from tests.team_helpers import change, make_team, server_refs

PUSH_TOML = '[env.production]\nbranches = ["main"]\npush = true\n\n[env.staging]\n'
TAGS = "refs/tags/keepwf/production/pager/"


def _deployed(c) -> str:
    rows = c.cli("status", "pager", "--json").json()
    return next(e for e in rows[0]["envs"] if e["env"] == "production")["deployed"]["version"]


@pytest.mark.slow
def test_a_rollback_reaches_the_runner_without_the_deployer_syncing(tmp_path):
    bare, cl = make_team(tmp_path, ("alice", "runner"), toml=PUSH_TOML)
    a, r = cl["alice"], cl["runner"]
    change(a, "pager", "good")
    res = a.cli("deploy", "pager", "-m", "good")
    assert res.code == 0, res
    assert "✓ push       to origin at once (push = true)" in res.out and res.out.rstrip().endswith("pushed to origin")
    assert server_refs(bare, TAGS) == [TAGS + "v1"]
    change(a, "pager", "bad")
    assert a.cli("deploy", "pager", "-m", "bad").code == 0
    assert r.cli("sync").code == 0 and _deployed(r) == "v2"
    res = a.cli("rollback", "pager", "-m", "v2 pages twice")
    assert res.code == 0, res
    assert "pushed to origin" in res.out
    assert server_refs(bare, TAGS) == [TAGS + f"v{n}" for n in (1, 2, 3)]
    # the runner follows the remote with its next sync; alice never ran `keepwf sync`
    assert r.cli("sync").code == 0 and _deployed(r) == "v3"
    run = r.cli("run", "pager", "--json")
    assert run.code == 0 and run.json()["version"] == "v3"
    # nothing is "not pushed" in alice's status: the push recorded what the server holds
    assert "not on origin yet" not in a.cli("status", "pager").out


@pytest.mark.slow
def test_a_remote_that_moved_refuses_the_push_and_nothing_is_created(tmp_path):
    bare, cl = make_team(tmp_path, ("alice", "bob"), toml=PUSH_TOML)
    a, b = cl["alice"], cl["bob"]
    change(a, "pager", "alice")
    assert a.cli("deploy", "pager").code == 0  # v1 on the server
    b.git("pull", "-q", "origin", "main")  # bob has the commit, not the tag (he did not sync)
    b.write("workflows/pager.yml", a.path.joinpath("workflows/pager.yml").read_text().replace("alice", "bob"))
    b.commit("bob's change")
    b.git("push", "-q", "origin", "HEAD:main")
    before = b.git("tag", "-l", "keepwf/*")
    res = b.cli("deploy", "pager", "-m", "bob")
    assert res.code == 3, res
    assert "origin refused keepwf/production/pager/v1" in res.err and "keepwf sync" in res.err
    assert b.git("tag", "-l", "keepwf/*") == before == ""  # nothing created here either
    assert server_refs(bare, TAGS) == [TAGS + "v1"]
    assert bare.joinpath("refs").exists()
    # the fix the message gives: sync, then deploy again — v2
    assert b.cli("sync").code == 0
    res = b.cli("deploy", "pager", "-m", "bob")
    assert res.code == 0, res
    assert server_refs(bare, TAGS) == [TAGS + "v1", TAGS + "v2"]


@pytest.mark.slow
def test_prune_and_promote_push_too(tmp_path):
    toml = '[env.production]\nbranches = ["main"]\npush = true\n\n[env.staging]\npush = true\n'
    bare, cl = make_team(tmp_path, ("alice",), toml=toml)
    a = cl["alice"]
    for word in ("one", "two", "three"):
        change(a, "pager", word)
        assert a.cli("deploy", "pager", "--env", "staging").code == 0
    res = a.cli("promote", "pager", "--from", "staging", "--to", "production")
    assert res.code == 0 and "pushed to origin" in res.out, res
    assert server_refs(bare, TAGS) == [TAGS + "v1"]
    res = a.cli("prune", "pager", "--env", "staging", "--keep", "1")
    assert res.code == 0 and "pushed to origin" in res.out, res
    assert server_refs(bare, "refs/tags/keepwf/staging/pager/") == ["refs/tags/keepwf/staging/pager/v2",
                                                                     "refs/tags/keepwf/staging/pager/v3"]
    assert server_refs(bare, "refs/keepwf/archive/") == ["refs/keepwf/archive/staging/pager/v1"]
    assert server_refs(bare, "refs/keepwf/audit") == ["refs/keepwf/audit"]


@pytest.mark.slow
def test_without_push_every_command_says_it_is_not_pushed_and_status_lists_it(tmp_path):
    bare, cl = make_team(tmp_path, ("alice",))
    a = cl["alice"]
    change(a, "pager", "one")
    res = a.cli("deploy", "pager")
    assert res.code == 0 and res.out.rstrip().endswith("not pushed yet: keepwf sync"), res
    assert server_refs(bare, TAGS) == []
    st = a.cli("status", "pager")
    assert "not on origin yet: v1 (keepwf sync)" in st.out
    assert a.cli("status", "pager", "--json").json()[0]["envs"][0]["unpushed"] == ["v1"]
    assert a.cli("sync").code == 0
    assert "not on origin yet" not in a.cli("status", "pager").out
    change(a, "pager", "two")
    assert a.cli("deploy", "pager").code == 0
    res = a.cli("rollback", "pager")
    assert res.code == 0 and "not pushed yet: keepwf sync" in res.out, res
    assert "not on origin yet: v3, v2 (keepwf sync)" in a.cli("status", "pager").out
