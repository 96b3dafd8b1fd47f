"""keepwf deploy: the checklist, the tags it writes, and every refusal (with its exit code, nothing written)."""

from __future__ import annotations

import pytest

from tests.helpers import GitRepo, workflow_yaml


def tags(r: GitRepo) -> list[str]:
    return r.git("tag", "-l", "keepwf/*").split()


@pytest.fixture
def repo(tmp_repo):
    tmp_repo.write("workflows/a.yml", workflow_yaml("a"))
    tmp_repo.write("workflows/b.yml", workflow_yaml("b"))
    tmp_repo.commit("two workflows")
    return tmp_repo


def test_deploy_all_writes_tags_with_trailers_and_skips_unchanged(repo):
    res = repo.cli("deploy", "--all", "-m", "Ship it")
    assert res.code == 0, res
    for item in ("tagger", "valid", "committed", "branch", "approvals"):
        assert item in res.out
    assert set(tags(repo)) == {"keepwf/production/a/v1", "keepwf/production/b/v1", "keepwf/production/hello-alert/v1"}
    raw = repo.git("cat-file", "-p", "keepwf/production/a/v1")
    blob = repo.git("rev-parse", "HEAD:workflows/a.yml")
    assert raw.startswith(f"object {repo.git('rev-parse', 'HEAD')}\ntype commit\ntag keepwf/production/a/v1\ntagger Ada Tester <ada@example.com>")
    assert raw.endswith(
        "Ship it\n\nKeepwf-Workflow: a\nKeepwf-Env: production\nKeepwf-Version: v1\n"
        f"Keepwf-Path: workflows/a.yml\nKeepwf-Blob: {blob}\nKeepwf-Action: deploy"
    )
    repo.write("workflows/a.yml", workflow_yaml("a", "changed"))
    repo.commit("change a")
    res = repo.cli("deploy", "--all")
    assert res.code == 0, res
    assert "created keepwf/production/a/v2" in res.out
    assert "unchanged b: v1 already has this content, skipped" in res.out
    assert "keepwf/production/b/v2" not in tags(repo)
    assert not repo.git("for-each-ref", "refs/tags/keepwf/").count("\n") < 3
    assert not list((repo.path / ".git/refs/tags").rglob("v*")), "deploy tags are kept packed"


def test_no_workflow_and_no_all_is_usage_error_listing_changes(repo):
    res = repo.cli("deploy")
    assert res.code == 2 and "--all" in res.err and "keepwf deploy a b hello-alert" in res.err
    assert tags(repo) == []


def test_dry_run_writes_nothing(repo):
    res = repo.cli("deploy", "a", "--dry-run")
    assert res.code == 0 and "would create keepwf/production/a/v1" in res.out
    assert tags(repo) == []


def test_dirty_file_refused_then_commit_flag_commits_it(repo):
    repo.write("workflows/a.yml", workflow_yaml("a", "dirty"))
    res = repo.cli("deploy", "a")
    assert res.code == 3, res
    assert "workflows/a.yml (modified)" in res.out and "--commit" in res.err
    assert tags(repo) == []
    res = repo.cli("deploy", "a", "--commit", "-m", "Dirty but deliberate")
    assert res.code == 0, res
    assert repo.git("status", "--porcelain") == ""
    assert repo.git("log", "-1", "--format=%s") == "Dirty but deliberate"
    assert repo.git("rev-parse", "keepwf/production/a/v1^{commit}") == repo.git("rev-parse", "HEAD")


def test_untracked_file_refused(repo):
    repo.write("workflows/c.yml", workflow_yaml("c"))
    res = repo.cli("deploy", "c")
    assert res.code == 3 and "workflows/c.yml (untracked)" in res.out


def test_invalid_workflow_exit_1(repo):
    repo.write("workflows/a.yml", "workflow:\n  id: a\n  steps: [\n")
    repo.commit("break a")
    res = repo.cli("deploy", "a")
    assert res.code == 1, res
    assert "valid" in res.out and "keepwf validate" in res.out + res.err
    assert tags(repo) == []


def test_branch_rule_and_detached_head(repo):
    repo.git("switch", "-qc", "feature")
    res = repo.cli("deploy", "a")
    assert res.code == 3 and "production may be deployed only from main, master" in res.out
    assert repo.cli("deploy", "a", "--env", "staging").code == 0
    repo.git("switch", "-q", "--detach", "main")
    res = repo.cli("deploy", "b")
    assert res.code == 3 and "HEAD is detached" in res.out
    assert repo.cli("deploy", "b", "--env", "staging").code == 0
    assert set(tags(repo)) == {"keepwf/staging/a/v1", "keepwf/staging/b/v1"}


def test_unknown_workflow_and_env(repo):
    res = repo.cli("deploy", "nope")
    assert res.code == 2 and "unknown workflow 'nope'" in res.err
    res = repo.cli("deploy", "a", "--env", "moon")
    assert res.code == 2 and "unknown environment 'moon'" in res.err


def test_outside_git_and_no_commits(tmp_path, empty_git):
    (tmp_path / "nogit").mkdir()
    res = GitRepo(tmp_path / "nogit").cli("deploy", "--all")
    assert res.code == 3 and "not inside a git repository" in res.err
    res = empty_git.cli("deploy", "--all")
    assert res.code == 3 and "no commits yet" in res.err


def test_tagger_identity_required(repo, monkeypatch):
    for k in ("GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(k)
    repo.git("config", "--global", "--unset", "user.email")
    res = repo.cli("deploy", "a")
    assert res.code == 3 and "user.email" in res.err and tags(repo) == []


def test_deleted_file(repo):
    assert repo.cli("deploy", "--all").code == 0
    repo.git("rm", "-q", "workflows/b.yml")
    repo.commit("drop b")
    res = repo.cli("deploy", "b")
    assert res.code == 3 and "gone from the working tree" in res.out
    res = repo.cli("deploy", "--all")
    assert res.code == 0 and "deleted   b" in res.out and "v1 stays deployed" in res.out
    assert "keepwf/production/b/v2" not in tags(repo)
    st = repo.cli("list", "--json").json()
    b = next(w for w in st if w["workflow"] == "b")
    assert b["path"] is None and b["envs"][0]["draft"] == "deleted"


def test_linked_worktree_shares_versions(repo, tmp_path):
    assert repo.cli("deploy", "a").code == 0
    wt = GitRepo(tmp_path / "wt")
    repo.git("worktree", "add", "-q", "-b", "hotfix", str(wt.path))
    wt.write("workflows/a.yml", workflow_yaml("a", "hotfix"))
    wt.commit("hotfix a")
    res = wt.cli("deploy", "a", "--env", "staging")
    assert res.code == 0, res
    assert "keepwf/staging/a/v1" in tags(repo)
    assert repo.cli("history", "a", "--env", "staging", "--json").json()["versions"][0]["commit"] == wt.git("rev-parse", "HEAD")


def test_foreign_tag_is_never_trusted_nor_overwritten(repo):
    repo.git("tag", "keepwf/production/a/v1")  # lightweight, by hand
    res = repo.cli("deploy", "a")
    assert res.code == 0, res
    assert "created keepwf/production/a/v2" in res.out
    h = repo.cli("history", "a", "--json").json()
    assert [(v["version"], bool(v["foreign"])) for v in h["versions"]] == [("v2", False), ("v1", True)]
    assert "foreign" in repo.cli("history", "a").out
    assert any(e["foreign"] for e in repo.cli("audit", "--json").json())


def test_race_lost_names_the_winner(repo, monkeypatch):
    assert repo.cli("deploy", "a", "-m", "winner").code == 0
    repo.write("workflows/a.yml", workflow_yaml("a", "late"))
    repo.commit("late change")
    import keepwf.service.versions as versions

    monkeypatch.setattr(versions, "next_number", lambda *a: 1)  # as if v1 did not exist when we looked
    res = repo.cli("deploy", "a")
    assert res.code == 3, res
    assert "keepwf/production/a/v1 already exists (created by Ada Tester" in res.err
    assert repo.git("rev-parse", "keepwf/production/a/v1^{commit}") == repo.git("rev-parse", "HEAD~1")


def test_killed_halfway_leaves_no_version(repo, monkeypatch):
    import keepwf.store.tags as store_tags

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(store_tags, "create_refs", boom)
    res = repo.cli("deploy", "--all")
    assert res.code == 130
    assert tags(repo) == []
    monkeypatch.undo()
    assert repo.cli("deploy", "--all").code == 0
    assert len(tags(repo)) == 3


def test_stale_lock_is_reported(repo, monkeypatch):
    monkeypatch.setenv("KEEPWF_LOCK_TIMEOUT", "0.2")
    lock = repo.path / ".git/refs/tags/keepwf/production/a/v1.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text("")
    res = repo.cli("deploy", "a")
    assert res.code == 3 and "lock" in res.err and "nothing was deployed" in res.err
    assert tags(repo) == []


def test_concurrent_deploys_never_share_a_number(repo, tmp_path):
    """Four processes, each in its own worktree with its own content, deploy the same workflow at once."""
    import subprocess
    import sys

    procs, trees = [], []
    for i in range(4):
        wt = GitRepo(tmp_path / f"wt{i}")
        repo.git("worktree", "add", "-q", "-b", f"b{i}", str(wt.path))
        wt.write("workflows/a.yml", workflow_yaml("a", f"variant {i}"))
        trees.append((wt, wt.commit(f"variant {i}")))
    for wt, _ in trees:
        procs.append(subprocess.Popen([sys.executable, "-m", "keepwf", "deploy", "a", "--env", "staging"], cwd=wt.path,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]
    assert all(code in (0, 3) for code, _, _ in outs), outs
    winners = 0
    for (code, out, err), (wt, commit) in zip(outs, trees):
        if code == 0:
            winners += 1
            tag = next(w for w in out.split() if w.startswith("keepwf/staging/a/v"))
            assert repo.git("rev-parse", tag + "^{commit}") == commit, "a tag was overwritten"
        else:
            assert "already exists" in err or "lock" in err
    made = [t for t in tags(repo) if t.startswith("keepwf/staging/a/")]
    assert winners >= 1 and len(made) == winners


def test_json_output_of_a_refusal(repo):
    repo.write("workflows/a.yml", workflow_yaml("a", "dirty"))
    res = repo.cli("deploy", "a", "--json")
    assert res.code == 3
    d = res.json()
    assert d["ok"] is False and d["error"]["exit"] == 3
    assert [c["name"] for c in d["checks"] if c["status"] == "fail"] == ["committed"]


def test_read_commands_before_the_first_commit(empty_git):
    empty_git.write("workflows/a.yml", workflow_yaml("a"))
    st = empty_git.cli("status", "--json")
    assert st.code == 0 and st.json()[0]["envs"][0]["draft"] == "new"
    assert empty_git.cli("list").code == 0
    res = empty_git.cli("history", "a")
    assert res.code == 0 and "has no versions" in res.out
    assert empty_git.cli("show", "a").code == 2


def test_multi_workflow_file_versions_each_id_in_one_deploy(tmp_repo):
    tmp_repo.write("workflows/pair.yml", """\
        workflows:
          - id: left
            triggers: [{type: manual}]
            steps: [{name: s, provider: {type: console, with: {message: l}}}]
          - id: right
            triggers: [{type: manual}]
            steps: [{name: s, provider: {type: console, with: {message: r}}}]
        """)
    tmp_repo.commit("pair")
    res = tmp_repo.cli("deploy", "left", "right")
    assert res.code == 0, res
    blob = tmp_repo.git("rev-parse", "HEAD:workflows/pair.yml")
    for wf in ("left", "right"):
        assert f"Keepwf-Blob: {blob}" in tmp_repo.git("cat-file", "-p", f"keepwf/production/{wf}/v1")
    assert tmp_repo.cli("show", "right", "--json").json()["content"].startswith("workflows:")


def test_id_that_cannot_be_a_ref_is_refused(tmp_repo):
    tmp_repo.write("workflows/bad.yml", workflow_yaml("bad id"))
    tmp_repo.commit("bad id")
    res = tmp_repo.cli("deploy", "--all")
    assert res.code == 1, res
    assert tmp_repo.git("tag", "-l", "keepwf/*") == ""


def test_works_from_a_subfolder_and_pages_history(repo):
    for i in range(3):
        repo.write("workflows/a.yml", workflow_yaml("a", f"rev {i}"))
        repo.commit(f"rev {i}")
        assert repo.cli("-C", "workflows", "deploy", "a").code == 0
    page = repo.cli("history", "a", "--limit", "2", "--page", "2", "--json").json()
    assert page["total"] == 3 and [v["version"] for v in page["versions"]] == ["v1"]


def test_status_reports_a_foreign_tag_newer_than_the_deployed_version(repo):
    assert repo.cli("deploy", "a").code == 0
    repo.git("tag", "-a", "-m", "by hand", "keepwf/production/a/v2")
    st = repo.cli("status", "a", "--env", "production")
    assert "v1" in st.out and "foreign tag keepwf/production/a/v2 ignored" in st.out
    assert repo.cli("show", "a", "--json").json()["version"]["version"] == "v1"


def test_deploy_from_a_checkout_behind_the_deployed_commit_is_refused(repo):
    """A stale runner or an un-pulled branch must not quietly put older content back as a plain deploy."""
    old = repo.git("rev-parse", "HEAD")
    assert repo.cli("deploy", "a").code == 0
    repo.write("workflows/a.yml", workflow_yaml("a", "newer"))
    repo.commit("newer a")
    assert repo.cli("deploy", "a", "-m", "v2").code == 0
    repo.git("reset", "-q", "--hard", old)  # main moved back: as on a runner that did not pull
    res = repo.cli("deploy", "a", "-m", "stale")
    assert res.code == 3, res
    assert "is behind the deployed a v2" in res.out + res.err
    assert "keepwf rollback a" in res.out + res.err
    assert "keepwf/production/a/v3" not in tags(repo)
    # going back on purpose is a rollback, and it is allowed
    assert repo.cli("rollback", "a", "--to", "v1", "-m", "on purpose").code == 0
    assert "keepwf/production/a/v3" in tags(repo)


def test_deploy_from_a_diverged_branch_is_allowed(repo):
    """Only a checkout strictly behind the deployed commit is refused; another line of work may deploy."""
    base = repo.git("rev-parse", "HEAD")
    repo.write("workflows/a.yml", workflow_yaml("a", "on main"))
    repo.commit("main change")
    assert repo.cli("deploy", "a", "--env", "staging").code == 0
    repo.git("switch", "-q", "-c", "feature", base)
    repo.write("workflows/a.yml", workflow_yaml("a", "on feature"))
    repo.commit("feature change")
    res = repo.cli("deploy", "a", "--env", "staging")
    assert res.code == 0, res


def test_a_refused_deploy_prints_its_hint_once(repo):
    repo.git("checkout", "-qb", "feature")
    res = repo.cli("deploy", "a")
    assert res.code == 3, res
    both = res.out + res.err
    assert both.count("hint:") == 1 and both.count("git switch main") == 1
    assert "hint: git switch main" in res.err and "deploy refused" in res.err
