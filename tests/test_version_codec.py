"""The tag-name and trailer codec (keepwf.model.version): round trips and refusals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keepwf.model.version import (
    check_trailers,
    format_message,
    normalize_message,
    parse_message,
    parse_number,
    parse_tag_name,
    tag_name,
)

ref_part = st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9_\-]{0,20}\Z")
hexsha = st.from_regex(r"\A[0-9a-f]{40}\Z")


@given(env=ref_part, wf=ref_part, n=st.integers(1, 10**8))
def test_tag_name_round_trips(env, wf, n):
    name = tag_name(env, wf, n)
    assert name == f"keepwf/{env}/{wf}/v{n}"
    assert parse_tag_name(name) == (env, wf, n)
    assert parse_tag_name("refs/tags/" + name) == (env, wf, n)


@pytest.mark.parametrize("bad", ["a b", "../x", "x..y", "", "x.lock", "a/b", "-x"])
def test_tag_name_refuses_names_git_cannot_hold(bad):
    with pytest.raises(ValueError):
        tag_name(bad, "wf", 1)
    with pytest.raises(ValueError):
        tag_name("production", bad, 1)


@pytest.mark.parametrize("ref", ["keepwf/p/wf/3", "keepwf/p/wf/v0", "keepwf/p/wf/v01", "keepwf/p/v1", "other/p/wf/v1", "refs/tags/keepwf/p/wf/v1/x"])
def test_parse_tag_name_rejects_non_versions(ref):
    assert parse_tag_name(ref) is None


def test_parse_number():
    assert parse_number("v3") == 3 and parse_number("3") == 3 and parse_number("V12") == 12
    assert parse_number("v0") is None and parse_number("abc") is None and parse_number("03") is None


@settings(max_examples=200)
@given(msg=st.text(st.characters(blacklist_categories=("Cs",)), max_size=200), wf=ref_part, env=ref_part,
       n=st.integers(1, 1000), blob=hexsha, path=st.from_regex(r"\A[a-z0-9_/ .-]{1,40}\Z"),
       action=st.sampled_from(["deploy", "rollback", "promote"]), extra=st.one_of(st.none(), st.from_regex(r"\Av[1-9][0-9]{0,3}\Z")))
def test_message_round_trips(msg, wf, env, n, blob, path, action, extra):
    trailers = {"Keepwf-Workflow": wf, "Keepwf-Env": env, "Keepwf-Version": f"v{n}", "Keepwf-Path": path,
                "Keepwf-Blob": blob, "Keepwf-Action": action, "Keepwf-Rollback-Of": extra}
    raw = format_message(msg, trailers)
    text, parsed = parse_message(raw)
    assert text == normalize_message(msg)
    assert parsed == {k: v for k, v in trailers.items() if v is not None}
    assert check_trailers(env, wf, n, parsed) is None


def test_message_that_looks_like_trailers_cannot_forge_them():
    raw = format_message("Keepwf-Workflow: evil\nKeepwf-Env: x", {"Keepwf-Workflow": "good", "Keepwf-Env": "production"})
    text, parsed = parse_message(raw)
    assert parsed == {"Keepwf-Workflow": "good", "Keepwf-Env": "production"}
    assert "evil" in text


def test_message_without_trailers_is_foreign():
    text, parsed = parse_message("made by hand\n")
    assert (text, parsed) == ("made by hand", {})
    assert "no Keepwf" in check_trailers("production", "wf", 1, parsed)
    bad = parse_message(format_message("m", {"Keepwf-Workflow": "other", "Keepwf-Env": "production", "Keepwf-Version": "v1"}))[1]
    assert "Keepwf-Workflow" in check_trailers("production", "wf", 1, bad)
