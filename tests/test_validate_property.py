"""Property: whatever bytes reach the validator, it answers with problems, never an exception."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwf.model import Problem
from keepwf.workflow import validate_sources
from tests.helpers import workflow_yaml

BASE = workflow_yaml("prop", message="{{ alert.name }} keep.len({{ steps.step-0.results }})", steps=2) + """
  consts: {team: sre}
  actions:
    - name: act
      if: "'{{ alert.severity }}' == 'critical'"
      foreach: "{{ steps.step-1.results }}"
      condition:
        - {name: c, type: threshold, value: "{{ foreach.value }}", compare_to: 3}
      provider:
        type: webhook
        config: "{{ providers.hook }}"
        with: {body: {text: "{{ foreach.value }}"}}
  on-failure:
    provider: {type: console, with: {message: failed}}
"""
YAML_CHARS = st.sampled_from(list("{}[]:-#&*!|>'\"\n\t ,?%@`\\") + ["{{", "}}", "keep.", "steps.", "  ", "\n  - "])
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_answers(sources: dict[str, bytes]) -> None:
    res = validate_sources(sources)
    for p in res.problems:
        assert isinstance(p, Problem) and p.severity in ("error", "warning") and p.line >= 0 and p.message


@SETTINGS
@given(st.binary(max_size=600))
def test_random_bytes(data):
    _assert_answers({"a.yml": data})


@st.composite
def mutated(draw):
    text = BASE
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "dup-line", "replace"]))
        if op == "insert":
            text = text[:i] + draw(YAML_CHARS) + text[i:]
        elif op == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 30)):]
        elif op == "dup-line":
            lines = text.splitlines(keepends=True)
            j = min(i, len(lines) - 1)
            text = "".join(lines[: j + 1] + [lines[j]] + lines[j + 1 :])
        else:
            text = text[:i] + draw(st.text(max_size=8)) + text[i + 8 :]
    return text.encode("utf-8", "surrogatepass")


@SETTINGS
@given(mutated())
def test_mutated_valid_workflow(data):
    _assert_answers({"a.yml": data, "b.yml": BASE.encode()})


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
                    st.sampled_from(["{{ steps.x.results }}", "keep.nope()", "manual", "interval", "5m", "console", "(", "}}"]))
structures = st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(
    st.sampled_from(["id", "name", "type", "with", "provider", "steps", "actions", "triggers", "value", "if", "condition",
                     "foreach", "events", "retry", "on-failure", "vars", "x"]), kids, max_size=4)), max_leaves=12)
WF_KEYS = st.sampled_from(["id", "triggers", "steps", "actions", "on-failure", "consts", "inputs", "strategy", "interval", "providers"])


@SETTINGS
@given(st.one_of(structures, st.dictionaries(WF_KEYS, structures, max_size=5)), st.sampled_from(["workflow", "workflows", "alert", None]))
def test_random_structures(value, wrapper):
    doc = value if wrapper is None else {wrapper: value}
    _assert_answers({"a.yml": yaml.safe_dump(doc, allow_unicode=True).encode()})


@SETTINGS
@given(st.sampled_from(["steps", "actions", "triggers", "on-failure"]), st.integers(0, 1), structures)
def test_random_values_inside_a_valid_workflow(key, index, value):
    doc = yaml.safe_load(BASE)
    wf = doc["workflow"]
    if isinstance(wf.get(key), list) and len(wf[key]) > index:
        wf[key][index] = value
    else:
        wf[key] = value
    _assert_answers({"a.yml": yaml.safe_dump(doc, allow_unicode=True).encode()})


ODD_SCALARS = "a: 0755\nb: 0x1f\nc: 1_000\nd: 1:30\ne: yes\nf: On\ng: ~\nh: 2024-01-02\ni: .inf\nj: -0\nk: +5\nl: [1, {x: y}]\nm: &a {p: 1}\nn: {<<: *a, q: 2}\no: !!str 5\np: !!binary aGVsbG8=\n"


@SETTINGS
@given(st.one_of(structures.map(lambda v: yaml.safe_dump({"workflow": v}, allow_unicode=True)), st.just(ODD_SCALARS), st.just("x: !\n")))
def test_loaded_data_is_what_keeps_loader_builds(text):
    """The validator's one-pass builder gives exactly what Keep's loader (PyYAML CSafeLoader) builds, YAML 1.1 included."""
    from keepwf.workflow import yamlnodes as yn

    node, problems = yn.compose(text, "a.yml")
    assert not problems
    assert yn.construct(node, "a.yml")[0] == yaml.load(text, Loader=yn.Loader)
