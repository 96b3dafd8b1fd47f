"""Issue 11, item 2: content a rollback took back does not come back silently (the redeploy guard), and rollback
says how to take the change off the branch."""

from __future__ import annotations

import subprocess

import pytest

from tests.team_helpers import change, make_team


@pytest.fixture
def rolled(tmp_path):
    """v1..v3 good, v4 bad, v5 = rollback of v4 (v3's commit); main still holds v4's change."""
    bare, cl = make_team(tmp_path, ("alice", "bob"))
    a = cl["alice"]
    for word in ("one", "two", "three"):
        change(a, "pager", word)
        assert a.cli("deploy", "pager", "-m", f"deploy {word}").code == 0
    bad = change(a, "pager", "twice")
    assert a.cli("deploy", "pager", "-m", "page twice").code == 0
    res = a.cli("rollback", "pager", "-m", "v4 pages twice")
    assert res.code == 0, res
    assert a.cli("sync").code == 0
    return bare, cl, bad, res


@pytest.mark.slow
def test_rollback_says_the_branch_still_holds_the_change_and_how_to_revert_it(rolled):
    _bare, cl, bad, res = rolled
    assert "created keepwf/production/pager/v5" in res.out
    assert "main still holds the change rolled back (v4); deploying it again is refused until it is removed:" in res.out
    assert f"  git revert --no-edit {bad[:10]}" in res.out
    # the printed command does remove it: after it, deploy --all has nothing to deploy (main = v5's content)
    b = cl["bob"]
    b.git("pull", "-q", "origin", "main")
    assert b.cli("sync").code == 0
    b.git("revert", "--no-edit", bad[:10])
    res = b.cli("deploy", "--all")
    assert res.code == 0, res
    assert "pager: v5 already has this content, skipped" in res.out


@pytest.mark.slow
def test_deploy_all_refuses_rolled_back_content_in_every_clone_until_forced(rolled):
    _bare, cl, _bad, _res = rolled
    a, b = cl["alice"], cl["bob"]
    b.git("pull", "-q", "origin", "main")
    assert b.cli("sync").code == 0
    for c in (a, b):
        res = c.cli("deploy", "--all")
        assert res.code == 3, res
        assert "✗ redeploy   pager: this content is v4, rolled back by v5: 'v4 pages twice'" in res.out
        assert "nothing was deployed" in res.err
        assert "--force -m REASON" in res.out + res.err
    assert b.cli("deploy", "--all", "--force").code == 2  # an override always says why
    res = b.cli("deploy", "--all", "--force", "-m", "the double page was the receiver's bug")
    assert res.code == 0, res
    assert "! redeploy   pager: this content is v4, rolled back by v5: 'v4 pages twice' — forced: the double page" in res.out
    assert "created keepwf/production/pager/v6" in res.out
    body = b.git("cat-file", "-p", "keepwf/production/pager/v6")
    assert "Keepwf-Forced: redeploy\nKeepwf-Force-Reason: the double page was the receiver's bug" in body
    audit = b.cli("audit", "--workflow", "pager")
    assert "deploy, forced: redeploy" in audit.out.splitlines()[1]
    assert b.cli("sync").code == 0
    # forced once, it is the deployed content again: nothing more to refuse
    assert a.cli("sync").code == 0
    res = a.cli("deploy", "--all")
    assert res.code == 0 and "v6 already has this content" in res.out, res


@pytest.mark.slow
def test_promote_of_content_the_target_env_rolled_back_is_refused(tmp_path):
    bare, cl = make_team(tmp_path, ("alice",), toml='[env.production]\nbranches = ["main"]\n[env.staging]\n')
    a = cl["alice"]
    change(a, "pager", "good")
    assert a.cli("deploy", "pager", "--env", "production").code == 0
    change(a, "pager", "bad")
    assert a.cli("deploy", "pager", "--env", "production").code == 0
    assert a.cli("deploy", "pager", "--env", "staging").code == 0
    assert a.cli("rollback", "pager", "-m", "bad pages twice").code == 0
    res = a.cli("promote", "pager", "--from", "staging", "--to", "production")
    assert res.code == 3, res
    assert "✗ redeploy   pager: this content is v2, rolled back by v3: 'bad pages twice'" in res.out
    assert subprocess.run(["git", "tag", "-l", "keepwf/production/pager/v4"], cwd=a.path, capture_output=True,
                          text=True).stdout == ""
