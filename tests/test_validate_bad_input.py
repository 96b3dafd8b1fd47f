"""Bad input `keepwf validate` must survive: a clear message, exit 1 (invalid) or 2 (no such path), no traceback."""

from __future__ import annotations

import time

import pytest

from keepwf.workflow import validate_sources
from tests.helpers import run_cli, workflow_yaml


def _one(tmp_path, name: str, data: bytes):
    (tmp_path / name).write_bytes(data)
    r = run_cli("validate", name, cwd=tmp_path)
    assert "Traceback" not in r.out + r.err
    return r


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"", "a.yml:1:1: error: the file is empty"),
        (b"# only a comment\n\n", "a.yml:1:1: error: the file is empty"),
        (b"workflow:\n  id: [unclosed\n", "a.yml:3:1: error: not valid YAML"),
        (b"- id: a\n- id: b\n", "a.yml:1:1: error: the document is a list, not a mapping"),
        (b"just a string\n", "a.yml:1:1: error: the document is a scalar value, not a mapping"),
        (b"workflow:\n\tid: tabbed\n", "a.yml:2:1: error: not valid YAML"),
        (b"workflow:\n  id: a\n  id: b\n  steps: []\n", "a.yml:3:3: error: duplicate key 'id' (first at line 2)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a.yml: error: not a text file (binary bytes)"),
        (b"workflow:\n  id: caf\xe9\n", "a.yml:2:1: error: not valid UTF-8"),
        (b"workflow: {id: a}\n---\nworkflow: {id: b}\n", "a.yml:2:1: error: not valid YAML: expected a single document"),
        (b"workflow: !custom {id: a}\n", "a.yml:1:11: error: cannot read the YAML value"),
        (b"workflow:\n  id: a\n  steps: {not: a list}\n", "a.yml:3:10: error: steps must be a list, not a mapping"),
        (b"workflow:\n", "a.yml:1:10: error: workflow must be a mapping, not empty"),
        (b"name: x\n", "a.yml:1:1: error: no workflow in this file"),
    ],
    ids=["empty", "comment-only", "not-yaml", "list", "scalar", "tabs", "duplicate-keys", "binary", "latin1",
         "two-documents", "custom-tag", "steps-mapping", "null-workflow", "no-workflow"],
)
def test_bad_file_gives_clear_error_and_exit_1(tmp_path, data, expected):
    r = _one(tmp_path, "a.yml", data)
    assert r.code == 1, r
    assert expected in r.out, r
    assert "    hint: " in r.out


def test_tab_hint_says_spaces(tmp_path):
    r = _one(tmp_path, "a.yml", b"workflow:\n\tid: tabbed\n")
    assert "spaces, not tabs" in r.out


def test_five_megabyte_file(tmp_path):
    big = workflow_yaml("big", message="x" * 200, steps=1) + "\n  consts:\n" + "".join(f"    k{i}: {'v' * 80}\n" for i in range(55_000))
    assert len(big) > 5_000_000
    t = time.perf_counter()
    r = _one(tmp_path, "big.yml", big.encode())
    assert r.code == 0, r
    assert time.perf_counter() - t < 20


def test_workflow_with_500_steps(tmp_path):
    text = workflow_yaml("many", steps=500).replace('"hello 499"', '"{{ steps.step-498.results }} {{ steps.step-600.results }}"')
    r = _one(tmp_path, "many.yml", text.encode())
    assert r.code == 1
    assert r.out.count("error:") == 1 and "step 'step-600', which does not exist" in r.out


def test_alias_bomb_is_cheap(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    text = workflow_yaml("bomb") + "\n  consts:\n    big: *i\n"
    t = time.perf_counter()
    r = _one(tmp_path, "bomb.yml", (bomb.replace("\n", "\n") + text).encode())
    assert time.perf_counter() - t < 5
    assert r.code == 1 and "alias bomb is refused" in r.out  # issue 10: it would blow up at run time


def test_deep_nesting(tmp_path):
    r = _one(tmp_path, "deep.yml", ("workflow: " + "[" * 5000 + "]" * 5000 + "\n").encode())
    assert r.code == 1


def test_api_never_raises_on_odd_shapes():
    odd = {
        "a.yml": b"workflow:\n  id: a\n  triggers: 5\n  steps: [1, 'x', null, [], {}]\n  actions: [{provider: 3}, {provider: {type: [1]}}]\n",
        "b.yml": b"workflows: {x: 1}\n",
        "c.yml": b"workflows:\n  - 1\n  - {id: c, steps: [{name: s, provider: {type: console, with: {message: hi}}}]}\n",
        "d.yml": b"workflow:\n  id: d\n  ? [complex, key]\n  : 1\n",
        "e.yml": b"workflow:\n  id: e\n  triggers: [{type: interval, value: [1]}, {type: 3}, 7]\n  on-failure: 9\n",
    }
    res = validate_sources(odd)
    assert {p.file for p in res.errors} == {"a.yml", "b.yml", "c.yml", "d.yml", "e.yml"}
