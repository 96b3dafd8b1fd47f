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
