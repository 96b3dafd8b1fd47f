"""Acceptance review of the versions commands: what a user reads in help, messages and exit codes."""

from __future__ import annotations

import re

import pytest

from tests.helpers import run_cli, workflow_yaml


def flat(text: str) -> str:
    """Help text as one line of words (rich wraps it in boxes at the terminal width)."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", text).split())


@pytest.fixture
def staged(tmp_repo):
    """a deployed to production (v1) and staging (v1)."""
    r = tmp_repo
    r.write("workflows/a.yml", workflow_yaml("a"))
    r.commit("a")
    assert r.cli("deploy", "a", "-m", "one").code == 0
    assert r.cli("deploy", "a", "--env", "staging", "-m", "one").code == 0
    return r


@pytest.mark.parametrize("command", ["list", "status", "audit", "verify", "prune"])
def test_env_help_of_commands_that_cover_every_env_says_so(staged, command):
    """These commands look at every environment when --env is not given; their help must not claim 'production'."""
    helptext = flat(run_cli(command, "--help").out)
    assert "default: every environment" in helptext and "default_env" not in helptext
    if command in ("status", "audit"):
        res = staged.cli(command, "--json")
        assert res.code == 0 and '"staging"' in res.out and '"production"' in res.out


def test_prune_message_help_is_about_the_audit_record():
    assert "Deploy message" not in flat(run_cli("prune", "--help").out)


def test_history_past_the_last_page_says_so(staged):
    res = staged.cli("history", "a", "--page", "5")
    assert res.code == 0 and "page 5 is past the last page (1)" in res.out and "Deploy it" not in res.out


def test_audit_with_filters_that_match_nothing(staged):
    res = staged.cli("audit", "--since", "2099-01-01")
    assert res.code == 0 and "matches these filters" in res.out and "No deploys yet" not in res.out
    typo = staged.cli("audit", "-w", "aa")
    assert typo.code == 2 and "unknown workflow 'aa'" in typo.err, typo


def test_show_of_a_hand_made_lightweight_tag_says_it_is_not_a_version(staged):
    staged.git("tag", "keepwf/production/a/v7", "HEAD")
    res = staged.cli("show", "a", "--version", "v7")
    assert res.code == 3 and "is not a keepwf version (lightweight tag" in res.err, res
    assert "missing from the repository" not in res.err


def test_deploy_of_a_staged_new_file_does_not_call_it_untracked(staged):
    staged.write("workflows/b.yml", workflow_yaml("b"))
    staged.git("add", "workflows/b.yml")
    res = staged.cli("deploy", "b")
    assert res.code == 3 and "workflows/b.yml (staged, not committed)" in res.out, res
    assert "untracked" not in res.out


def test_reviews_of_an_uncommitted_workflow_is_not_an_unknown_workflow(empty_git):
    r = empty_git
    assert r.cli("init").code == 0
    res = r.cli("reviews", "hello-alert")
    assert res.code == 0 and "not committed at HEAD" in res.out, res
    typo = r.cli("reviews", "hello-alrt")
    assert typo.code == 2 and "did you mean hello-alert?" in typo.err, typo


def test_validate_in_a_bare_repository_says_there_is_no_working_tree(tmp_path):
    import subprocess

    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "b.git")], check=True)
    res = run_cli("-C", str(tmp_path / "b.git"), "validate")
    assert res.code == 2 and "not inside a git working tree (not a repository, or a bare one)" in res.err, res


def test_schema_accepts_json_like_every_read_command():
    import json

    res = run_cli("schema", "--json")
    assert res.code == 0 and json.loads(res.out)["$schema"].startswith("http://json-schema.org/draft-07")


def test_dash_c_mistakes_say_what_is_wrong(tmp_path):
    (tmp_path / "f.txt").write_text("x")
    res = run_cli("-C", str(tmp_path / "f.txt"), "status")
    assert res.code == 2 and "a file, not a folder" in res.err, res
    res = run_cli("status", "-C")
    assert res.code == 2 and "requires an argument" in res.err and "No such option" not in res.err, res


def test_a_tag_re_made_on_another_commit_with_copied_trailers_is_foreign(staged):
    """Trailers copied onto a tag that points at another commit must not be trusted (never silently trusted)."""
    r = staged
    first = r.git("rev-parse", "HEAD")
    r.write("workflows/a.yml", workflow_yaml("a", "two"))
    r.commit("two")
    assert r.cli("deploy", "a", "-m", "two").code == 0
    body = r.git("cat-file", "-p", "keepwf/production/a/v2").split("\n\n", 1)[1]
    r.git("tag", "-f", "-a", "keepwf/production/a/v2", "-m", body, first)  # moved by hand, trailers kept
    hist = r.cli("history", "a", "--json").json()
    v2 = next(v for v in hist["versions"] if v["version"] == "v2")
    assert v2["foreign"] and "does not hold its Keepwf-Blob" in v2["foreign"]
    assert hist["deployed"] == "v1", "the moved tag is not trusted as the deployed version"
    assert "foreign" in r.cli("audit").out


def test_help_paragraphs_are_reflowed_to_the_terminal_width(monkeypatch):
    """Source line breaks of docstrings used to show as ragged short lines in an 80-column terminal."""
    monkeypatch.setenv("COLUMNS", "80")
    out = run_cli("init", "--help").out
    lines = [ln.strip() for ln in out.splitlines()]
    para = next(i for i, ln in enumerate(lines) if ln.startswith("Creates the workflows folder"))
    end = lines.index("", para)
    assert end - para >= 2 and all(len(ln) > 60 for ln in lines[para:end - 1]), f"ragged lines:\n{out}"


def test_list_and_status_warn_about_files_they_cannot_show(staged):
    staged.write("workflows/broken.yml", "workflow: [\n")
    staged.write("workflows/dup.yml", workflow_yaml("a", "copy"))
    for command in ("list", "status"):
        res = staged.cli(command)
        assert res.code == 0 and "broken.yml:2:1: not valid YAML" in res.err, res
        assert "workflow id 'a' is also used in" in res.err and "may be incomplete" in res.err
        js = staged.cli(command, "--json")
        assert js.code == 0 and js.json() and "warning" not in js.out


def test_deploy_counts_a_duplicate_id_once_like_validate(staged):
    staged.write("workflows/dup.yml", workflow_yaml("a", "copy"))
    staged.write("workflows/a.yml", workflow_yaml("a", "changed"))
    staged.commit("dup")
    errors = staged.cli("validate", "--json").json()["summary"]["errors"]
    res = staged.cli("deploy", "--all", "--dry-run")
    assert res.code == 1 and f"{errors} error(s); first:" in res.out, (errors, res)


def test_hand_made_tags_on_a_blob_or_tree_are_foreign_not_a_crash(staged):
    """A tag under keepwf/ pointing at a blob or a tree made every command exit 4 (internal error)."""
    r = staged
    r.git("tag", "keepwf/production/a/v8", r.git("rev-parse", "HEAD:workflows/a.yml"))
    r.git("tag", "-a", "keepwf/production/a/v9", "-m", "tree", r.git("rev-parse", "HEAD^{tree}"))
    for args in (["status"], ["list"], ["history", "a"], ["audit"], ["prune", "--dry-run"], ["verify"]):
        res = r.cli(*args)
        assert res.code in (0, 1) and "internal error" not in res.err, (args, res)
    assert "foreign tag keepwf/production/a/v9 ignored: tag on a tree or blob" in r.cli("status", "a").out
    res = r.cli("show", "a", "--version", "v8")
    assert res.code == 3 and "lightweight tag on a blob, not a commit" in res.err, res
    assert r.cli("rollback", "a", "--to", "v9").code == 2
    r.write("workflows/a.yml", workflow_yaml("a", "next"))
    r.commit("next")
    res = r.cli("deploy", "a")
    assert res.code == 0 and "keepwf/production/a/v10" in res.out, res


def test_init_where_nothing_can_be_written_is_a_message_not_an_internal_error(tmp_path):
    import os

    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    target = "/proc/keepwf-cannot-be-here" if os.geteuid() == 0 else str(ro / "sub")  # root ignores mode bits
    res = run_cli("init", target)
    assert res.code == 3 and "cannot set up" in res.err and "internal error" not in res.err, res


def test_orphan_branch_is_not_called_a_repository_without_commits(staged):
    staged.git("checkout", "-q", "--orphan", "fresh")
    res = staged.cli("deploy", "--all")
    assert res.code == 3 and "branch fresh has no commits yet" in res.err, res
    assert "the repository has no commits yet" not in res.err


def test_an_env_with_an_empty_branch_list_is_a_config_error_not_a_crash(staged):
    cfg = (staged.path / "keepwf.toml").read_text()
    staged.write("keepwf.toml", cfg.replace('branches = ["main", "master"]', "branches = []"))
    staged.commit("freeze production")
    res = staged.cli("deploy", "a")
    assert res.code == 2 and "branches › must be a non-empty list" in res.err and "internal error" not in res.err, res


@pytest.mark.parametrize("setting, text", [
    ('[keepwf]\nworkflows = "x/../../elsewhere"\n', "workflows › must be a folder inside the repository"),
    ('[keepwf]\ndefault_env = ""\n', "default_env › environment names must be usable in a git ref"),
])
def test_keepwf_toml_settings_that_escape_or_cannot_be_refs_are_refused(staged, setting, text):
    staged.write("keepwf.toml", setting)
    res = staged.cli("deploy", "a")
    assert res.code == 2 and text in res.err and "internal error" not in res.err, res


def test_deploy_commit_commits_nothing_when_the_deploy_is_refused_anyway(staged):
    """--commit used to commit the file first, then refuse on the branch or approvals: a refused deploy left a commit."""
    r = staged
    r.git("checkout", "-q", "-b", "feature")
    r.write("workflows/a.yml", workflow_yaml("a", "on a feature branch"))
    head = r.git("rev-parse", "HEAD")
    res = r.cli("deploy", "a", "--commit", "-m", "try")
    assert res.code == 3 and "may be deployed only from" in res.err, res
    assert r.git("rev-parse", "HEAD") == head and "workflows/a.yml" in r.git("status", "--short")
    r.git("checkout", "-q", "main")  # the edit travels along
    cfg = (r.path / "keepwf.toml").read_text().replace("approvals = 0", "approvals = 1")
    r.write("keepwf.toml", cfg)
    r.commit("production needs a review", "keepwf.toml")
    head = r.git("rev-parse", "HEAD")
    res = r.cli("deploy", "a", "--commit", "-m", "try")
    assert res.code == 3 and "approval" in res.err, res
    assert r.git("rev-parse", "HEAD") == head, "nothing committed by a refused deploy"
    res = r.cli("deploy", "a", "--env", "staging", "--commit", "-m", "staging takes it")
    assert res.code == 0 and r.git("rev-parse", "HEAD") != head, res


def test_status_in_a_bare_repository_does_not_call_deployed_workflows_deleted(staged, tmp_path):
    bare = tmp_path / "server.git"
    staged.git("clone", "-q", "--bare", str(staged.path), str(bare))
    res = run_cli("-C", str(bare), "status", "--json")
    assert res.code == 0, res
    envs = res.json()[0]["envs"]
    assert {e["draft"] for e in envs} == {"no working tree"} and res.json()[0]["path"] == "workflows/a.yml"
    assert "deleted" not in run_cli("-C", str(bare), "list").out
    diff = run_cli("-C", str(bare), "diff", "a")
    assert diff.code == 2 and "bare repository: there is no working tree, so no draft of a" in diff.err, diff
    assert run_cli("-C", str(bare), "reviews", "a").code == 0


def test_a_commit_ref_prefers_the_version_keepwf_trusts_over_a_hand_made_tag(staged):
    head = staged.git("rev-parse", "HEAD")
    staged.git("tag", "keepwf/production/a/v5", head)  # lightweight, same commit as v1
    for ref in (head[:8], "HEAD"):
        res = staged.cli("show", "a", "--version", ref, "--json")
        assert res.code == 0 and res.json()["version"]["version"] == "v1", (ref, res)
