"""Every command taking a workflow id gives the same did-you-mean and accepts the workflow's file name or path."""

from __future__ import annotations

import pytest

from tests.helpers import workflow_yaml

# (command words, where WF goes); each must answer a typo with the same hint, and map a file to its id
COMMANDS = [
    ["run", "{wf}"], ["run", "{wf}", "--draft"], ["history", "{wf}"], ["show", "{wf}"], ["diff", "{wf}"],
    ["deploy", "{wf}", "--dry-run"], ["rollback", "{wf}", "--dry-run"], ["status", "{wf}"], ["runs", "{wf}"],
    ["reviews", "{wf}"], ["approve", "{wf}"], ["verify", "{wf}"], ["prune", "{wf}", "--dry-run"],
    ["audit", "--workflow", "{wf}"], ["promote", "{wf}", "--from", "production", "--to", "staging", "--dry-run"],
    ["stats", "{wf}"], ["test", "{wf}"],
]
WRITERS = [["disable", "{wf}"], ["enable", "{wf}"], ["bisect", "{wf}", "--alert", "a.json"]]  # typos only: they write


@pytest.fixture
def repo(tmp_repo):
    r = tmp_repo
    r.write("workflows/slack_basic.yml", workflow_yaml("alert-routing-policy"))
    r.commit("add a workflow whose file is not named after its id")
    assert r.cli("deploy", "alert-routing-policy", "hello-alert", "-m", "first").code == 0
    return r


@pytest.mark.parametrize("words", COMMANDS + WRITERS, ids=lambda w: " ".join(w[:1] + w[2:3]))
def test_a_typo_gets_the_same_did_you_mean_everywhere(repo, words):
    res = repo.cli(*[w.format(wf="alert-routing-polcy") for w in words])
    assert res.code == 2, res
    assert "unknown workflow 'alert-routing-polcy'" in res.err
    assert "hint: did you mean alert-routing-policy?" in res.err


@pytest.mark.parametrize("name", ["workflows/slack_basic.yml", "slack_basic.yml"])
@pytest.mark.parametrize("words", COMMANDS, ids=lambda w: " ".join(w[:1] + w[2:3]))
def test_a_file_name_or_path_stands_for_its_workflow(repo, words, name):
    res = repo.cli(*[w.format(wf=name) for w in words], "--json")
    assert "unknown workflow" not in res.err and "no workflow file" not in res.err, res
    if words[0] == "prune":  # its output names no workflow: one version kept means only that workflow was looked at
        assert res.json()["kept"] == 1, res
    else:
        assert "alert-routing-policy" in res.out + res.err and "hello-alert" not in res.out, res


def test_run_by_file_runs_that_workflow_and_a_path_from_a_subfolder_works(repo):
    res = repo.cli("run", "workflows/slack_basic.yml", "--json")
    assert res.code == 0 and res.json()["workflow"] == "alert-routing-policy", res
    res = repo.cli("-C", "workflows", "run", "slack_basic.yml", "--json")
    assert res.code == 0 and res.json()["workflow"] == "alert-routing-policy", res
    res = repo.cli("run", "workflows/nope.yml")
    assert res.code == 2 and "no workflow file 'workflows/nope.yml'" in res.err


def test_a_file_stem_is_pointed_at_its_id(repo):
    res = repo.cli("run", "slack_basic")
    assert res.code == 2
    assert "the file slack_basic.yml holds workflow 'alert-routing-policy'" in res.err
    assert "did you mean alert-routing-policy?" in res.err


def test_a_known_workflow_not_deployed_still_says_deploy_it_first(repo):
    repo.write("workflows/fresh.yml", workflow_yaml("fresh"))
    repo.commit("fresh")
    res = repo.cli("run", "fresh")
    assert res.code == 2 and "keepwf deploy fresh" in res.err


def test_runs_list_env_help_says_every_environment():
    from tests.helpers import run_cli

    res = run_cli("runs", "list", "--help")
    assert "every environment" in " ".join(res.out.split())
    assert "production" not in res.out.split("--env")[1].split("--")[0]
