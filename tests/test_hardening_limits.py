"""Issue 10 #14/#15: ids are limited in length, keepwf.toml is range-checked and never crashes on deep nesting."""

from __future__ import annotations

import pytest

from tests.helpers import workflow_yaml

LONG = "w" * 300


def test_a_300_character_workflow_id_is_a_validate_error_not_a_crash_later(tmp_repo):
    tmp_repo.write("workflows/long.yml", workflow_yaml(LONG))
    r = tmp_repo.cli("validate")
    assert r.code == 1, r
    assert "300 characters long; at most 100" in r.out + r.err
    r = tmp_repo.cli("run", LONG, "--draft")
    assert r.code == 2, r
    assert "git ref" in r.err
    tmp_repo.commit("long")
    for args in (("history", LONG), ("runs", LONG), ("deploy", LONG, "-m", "x")):
        r = tmp_repo.cli(*args)
        assert r.code in (0, 1, 2, 3), (args, r)
        assert "Traceback" not in r.err and "This is a bug" not in r.err


@pytest.mark.parametrize("n,ok", [(100, True), (101, False), (255, False)])
def test_the_limit_is_100_characters(tmp_repo, n, ok):
    tmp_repo.write("workflows/w.yml", workflow_yaml("a" * n))
    r = tmp_repo.cli("validate")
    assert (r.code == 0) is ok, r
    if ok:
        r = tmp_repo.cli("run", "a" * n, "--draft")
        assert r.code == 0, r


def test_a_long_env_name_in_keepwf_toml_is_refused(tmp_repo):
    tmp_repo.write("keepwf.toml", f'[keepwf]\ndefault_env = "p"\n[env.p]\n[env.{"e" * 101}]\n')
    r = tmp_repo.cli("list")
    assert r.code == 2, r
    assert "at most 100 characters" in r.err


@pytest.mark.parametrize("toml,key", [
    ("[engine]\nbash_timeout = -1\n", "bash_timeout"),
    ("[engine]\nbash_timeout = 0\n", "bash_timeout"),
    ("[engine]\nbash_timeout = 1e309\n", "bash_timeout"),
    ("[engine]\nbash_timeout = nan\n", "bash_timeout"),
    ("[engine]\nbash_timeout = 86401\n", "bash_timeout"),
    ("[env.production]\napprovals = 1000000000000000000000\n", "approvals"),
    ("[env.production]\napprovals = 101\n", "approvals"),
    ("[env.production]\napprovals = -1\n", "approvals"),
    ("[env.production]\nbranches = [\"" + "b" * 300 + "\"]\n", "branches"),
    ("[keepwf]\nworkflows = \"" + "w/" * 200 + "\"\n", "workflows"),
])
def test_out_of_range_settings_are_refused_naming_the_key(tmp_repo, toml, key):
    tmp_repo.write("keepwf.toml", toml)
    r = tmp_repo.cli("list")
    assert r.code == 2, r
    assert f"› {key} ›" in r.err and "keepwf.toml:" in r.err


@pytest.mark.parametrize("body", ["a = " + "[" * 5000 + "]" * 5000 + "\n", "a = " + "{b = " * 5000 + "1" + "}" * 5000 + "\n"])
def test_deeply_nested_keepwf_toml_is_a_clear_error(tmp_repo, body):
    tmp_repo.write("keepwf.toml", "[keepwf]\n" + body)
    for args in (("list",), ("validate",)):
        r = tmp_repo.cli(*args)
        assert r.code == 2, r
        assert "nested too deeply" in r.err


def test_settings_in_range_are_taken(tmp_repo):
    tmp_repo.write("keepwf.toml", "[engine]\nbash_timeout = 0.5\n[env.production]\napprovals = 100\n")
    from keepwf.config import parse_config

    c = parse_config((tmp_repo.path / "keepwf.toml").read_text())
    assert c.bash_timeout == 0.5 and c.envs["production"].approvals == 100
