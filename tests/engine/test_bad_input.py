"""Hostile or broken input: clear step errors, never a crash, never code execution (issue 4, "Bad input")."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.helpers import alert, run

WF = """
workflow:
  id: wf
  steps:
    - name: s
      if: "{{{{ alert.name }}}} != 'zzz' and keep.len('{{{{ alert.name }}}}') >= 0"
      provider: {{type: console, with: {{message: "{msg}"}}}}
    - name: sh
      provider: {{type: bash, with: {{command: "echo {{{{ alert.name }}}} {{{{ alert.description }}}}"}}}}
  actions:
    - name: a
      foreach: "{{{{ alert.tags }}}}"
      provider: {{type: console, with: {{message: "{{{{ foreach.value }}}} keep.uppercase('{{{{ alert.name }}}}')"}}}}
"""

HOSTILE = [
    "keep.utcnow()", "{{ consts }}", "{{ steps }}", "`touch pwned.txt`", "$(touch pwned.txt)", "x; touch pwned.txt",
    "'quoted' \"double\"", "line1\nline2\r\n", "keep.len(keep.len(keep.len(1)))", "raw_render_without_execution(x)",
    "{{#fn.upper}}x{{/fn.upper}}", ")))(((", "}}}}{{{{", "'; __import__('os').system('touch pwned.txt'); '",
    "\u0000\ue000keep.\ue000", "&quot;&amp;&lt;",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_alert_text_is_data(text, tmp_path):
    r = run(WF.format(msg="{{ alert.name }}"), event=alert(name=text, description=text, tags=[text, "b"]),
            event_kind="alert", cwd=str(tmp_path), env={"PATH": "/usr/bin:/bin"})
    assert not list(tmp_path.iterdir()), "alert text was executed"
    json.dumps(r.to_dict())
    s = r.step("s")
    assert s.status in ("ran", "skipped", "error")
    if s.status == "ran":
        # rendered verbatim, never re-rendered or evaluated (U+E000 is the engine's data marker: dropped from data)
        assert s.results == [text.replace("\ue000", "")]
    sh = r.step("sh")
    if sh is not None and sh.status == "ran" and "\x00" not in text:
        assert text.replace("\r\n", "\n").split("\n")[0] in sh.results[0]["stdout"]


@pytest.mark.parametrize(
    "msg, err",
    [
        ("{{ alert.name }", "number of }} and {{ does not match"),
        ("keep.len((1)", "number of ( and ) does not match"),
        ("keep.nosuch(1)", "unknown function keep.nosuch"),
        ("keep.add('x', 1)", "Got ValueError"),
        ("keep.first()", "Got TypeError"),
        ("{{#alert.tags}}open", "never closed"),
        ("{{}}", "empty tag"),
        ("keep.json_dumps('not json')", "Got JSONDecodeError"),
    ],
)
def test_broken_templates_are_step_errors(msg, err):
    r = run(WF.format(msg=msg), event=alert(tags=[]), event_kind="alert")
    assert r.status == "error"
    assert err in r.step("s").error


def test_one_megabyte_alert_and_deep_nesting():
    deep: dict = {"v": "bottom"}
    for _ in range(500):
        deep = {"d": deep}
    big = "x" * (1024 * 1024)
    r = run(WF.format(msg="{{ alert.name }}"), event=alert(name=big, description="d", deep=deep, tags=["a"]),
            event_kind="alert", env={"PATH": "/usr/bin:/bin"}, result_limit=4096)
    assert r.step("s").status == "ran"
    rec = r.step("s").results[0]
    assert rec["truncated"] is True and rec["bytes"] > 1024 * 1024
    assert len(json.dumps(r.to_dict())) < 200_000 + 2 * 1024 * 1024  # the event itself is kept


def test_recursion_that_never_ends_is_bounded():
    r = run("""
        workflow:
          id: wf
          consts:
            a: "{{ consts.a }}{{ consts.a }}{{ consts.a }}{{ consts.a }}{{ consts.a }}{{ consts.a }}{{ consts.a }}{{ consts.a }}"
          steps:
            - name: s
              provider: {type: console, with: {message: "{{ consts.a }}"}}
        """)
    assert r.status == "error" and "expands beyond" in r.error


def test_bad_shapes_do_not_crash():
    r = run("""
        workflow:
          id: wf
          steps:
            - name: no-type
              provider: {with: {message: x}}
              continue_on_error: true
            - name: with-not-dict
              provider: {type: console, with: [1, 2]}
              continue_on_error: true
            - name: cond-no-name
              condition: [{type: threshold, value: 1, compare_to: 2}]
              provider: {type: console, with: {message: x}}
              continue_on_error: true
            - name: bad-config
              provider: {type: console, config: "{{ providers }}", with: {message: x}}
              continue_on_error: true
            - name: foreach-number
              foreach: "{{ alert.n }}"
              provider: {type: console, with: {message: x}}
              continue_on_error: true
          actions: "not a list"
        """, event=alert(n=5), event_kind="alert")
    assert r.status == "success"
    errors = {s.name: s.error for s in r.steps}
    assert "has no provider.type" in errors["no-type"]
    assert "must be a mapping" in errors["with-not-dict"]
    assert "Condition must have a name" in errors["cond-no-name"]
    assert "is not valid" in errors["bad-config"]
    assert "is a int, not a list" in errors["foreach-number"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40)
    | st.sampled_from(HOSTILE),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.dictionaries(st.sampled_from(["name", "description", "tags", "severity", "fingerprint", "x"]),
                               json_values, max_size=6))
def test_random_alert_payloads_never_raise_or_execute(payload, tmp_path):
    r = run(WF.format(msg="{{ alert.name }} {{ alert.x }} {{ alert.tags }}"), event=payload, event_kind="alert",
            cwd=str(tmp_path), env={"PATH": "/usr/bin:/bin"})
    json.dumps(r.to_dict())
    assert not list(tmp_path.iterdir())
    for s in r.steps:
        assert s.status != "error" or s.error


_EV: dict = {}
_TOKENS = ["{{", "}}", "{{{", "}}}", "(", ")", "keep.", "len", "uppercase", "json_loads", "'", '"', "#", "^", "/",
           "&", "!", ">", "=", "alert.name", "alert.tags", "steps.x.results", ".", ",", " ", "\n", "[", "]", "\\",
           "raw_render_without_execution(", "fn.upper", "1", "-", "*", "__class__", "consts.c", "{", "}"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=25).map("".join))
def test_random_templates_render_or_fail_cleanly(template):
    from keepwf.engine.context import EventDict, fn_helpers
    from keepwf.engine.evaluator import ConditionError, SafeEval, evaluate_if
    from keepwf.engine.template import Renderer, RenderError

    ctx = {"alert": EventDict({"name": "n'\"\\", "tags": ["a", "b"]}), "steps": {"x": {"results": [1]}},
           "consts": {"c": "{{ alert.name }}"}, "fn": fn_helpers(), "vars": {}}
    r = Renderer(ctx)
    for safe in (True, False):
        try:
            r.render(template, safe=safe)
        except RenderError as e:
            assert str(e)
    try:
        evaluate_if(template, r, _EV.setdefault("ev", SafeEval()))
    except (ConditionError, RenderError) as e:
        assert str(e)


def test_event_that_is_not_an_object_is_a_usage_error():
    from keepwf.errors import UsageError

    with pytest.raises(UsageError, match="the alert must be a JSON object, got list"):
        run(WF.format(msg="x"), event=[1, 2], event_kind="alert")


@pytest.mark.parametrize("payload", ["' or [0] * 10**9 or '", "\\' or [0] * 10**9 or \\'", '" or [0]*10**9 or "',
                                     "[0] * 10**9", "x')\nimport os\n('"])
def test_data_cannot_become_code_in_if_or_assert(payload):
    import time

    t = time.monotonic()
    r = run("""
        workflow:
          id: wf
          steps:
            - name: quoted
              if: "'{{ alert.name }}' == 'x'"
              provider: {type: console, with: {message: q}}
            - name: bare
              if: "{{ alert.name }} == 'x'"
              provider: {type: console, with: {message: b}}
            - name: number
              if: "{{ alert.name }} > 5"
              continue_on_error: true
              provider: {type: console, with: {message: n}}
            - name: asserted
              condition: [{name: c, type: assert, assert: "'{{ alert.name }}' != ''"}]
              provider: {type: console, with: {message: a}}
        """, event=alert(name=payload), event_kind="alert")
    assert time.monotonic() - t < 5
    assert r.step("quoted").status == "skipped" and r.step("bare").status == "skipped"
    # a string compared with a number: a TypeError, which Keep (asteval 1.0.6) treats as false: skipped, with a reason
    assert r.step("number").status == "skipped" and "TypeError" in r.step("number").skip_reason
    assert r.step("asserted").status == "ran"


def test_unquoted_retry_inserts_non_literals_as_strings():
    r = run("""
        workflow:
          id: wf
          steps:
            - name: s
              if: "{{ alert.severity }} == 'critical' and {{ alert.count }} > 3"
              provider: {type: console, with: {message: ok}}
        """, event=alert(count=7), event_kind="alert")
    assert r.step("s").status == "ran"  # Keep fails here: `critical == 'critical'` is a NameError in its retry


@pytest.mark.parametrize("text", ["keep.len('abcd')", "keep.run_bash('x')", "keep.utcnow()"])
def test_keep_calls_in_data_that_is_the_whole_if_are_never_called(text):
    # `if: "{{ alert.name }}"`: the data is quoted as a string, so its `keep.` stays text (it used to be parsed as a
    # call: keep.len('abcd') was evaluated, keep.run_bash was reported as an unknown function)
    r = run("""
workflow:
  id: wf
  steps:
    - name: s
      if: "{{ alert.name }}"
      provider: {type: console, with: {message: ran}}
""", event=alert(name=text), event_kind="alert")
    s = r.step("s")
    assert s.status == "error" and "unknown function" not in s.error and "Failed to evaluate if condition" in s.error
    assert text.split("(")[0] + "(" in s.error  # the rendered expression shows the data (quoted)
