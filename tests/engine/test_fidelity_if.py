"""``if:`` expressions that cannot be evaluated (issue 13, class 5): skipped as in Keep 0.54.2, with a warning.

Keep's rule (keep/step/step.py ``_run_single`` at v0.54.2, lines 245, 258, 266 and 275): the step fails only when
asteval's ``error_msg`` is set —
first when quoting did not change the expression, else after the unquoted retry. asteval 1.0.6 (Keep's pinned
version) sets ``error_msg`` for a NameError or a failing function call, and leaves it empty for a TypeError,
SyntaxError, ZeroDivisionError, IndexError, KeyError or AttributeError: the expression's value is then ``None`` and
the step is skipped ("evaluated NOT to run"). The expected outcomes below are Keep's.
"""

from __future__ import annotations

import json

import pytest

from keepwf.engine.alert import normalize_alert
from tests.engine.helpers import run

ALERT = normalize_alert({"name": "cpu", "severity": "critical", "lastReceived": "2024-05-01T10:00:00Z", "count": 7})


def outcome(expr: str):
    res = run(f"""
        workflow:
          id: w
          steps:
            - name: s
              if: {json.dumps(expr)}
              provider: {{type: console, with: {{message: ran}}}}
            - name: after
              provider: {{type: console, with: {{message: after}}}}
        """, event=ALERT, event_kind="alert")
    return res, res.step("s")


@pytest.mark.parametrize("expr, error", [
    ("'{{ alert.name }}' > 5", "TypeError"),
    ("{{ alert.nosuch }} > 0", "SyntaxError"),  # example elastic_enrich_example: ' > 0' after the unquoted retry
    ("x ==", "SyntaxError"),
    ("'{{ alert.nosuch }}' > 0", "TypeError"),
    ("1/0 == 1", "ZeroDivisionError"),
    ("[1][5] == 1", "IndexError"),
])
def test_an_if_keep_cannot_evaluate_skips_the_step_and_the_run_goes_on(expr, error):
    res, s = outcome(expr)
    assert res.status == "success"
    assert s.status == "skipped" and f"could not be evaluated ({error}" in s.skip_reason
    assert res.step("after").status == "ran"
    warnings = [log for log in res.logs if log["level"] == "warning" and log["step"] == "s"]
    assert len(warnings) == 1 and error in warnings[0]["message"]


@pytest.mark.parametrize("expr", ["nosuchname == 1", "int('x') == 1"])
def test_an_unknown_name_or_a_failing_call_still_fails_the_step(expr):
    res, s = outcome(expr)
    assert res.status == "error" and s.status == "error"
    assert s.error.startswith("Failed to evaluate if condition")
    assert res.step("after") is None  # a failing step stops the run


@pytest.mark.parametrize("expr, status", [
    ("{{ alert.count }} > 5", "ran"),  # '7' > 5 fails, the unquoted retry 7 > 5 is true
    ("{{ alert.severity }} == 'critical'", "ran"),
    ("keep.len('{{ alert.name }}') > 5", "skipped"),  # false, not an error: no warning
])
def test_expressions_that_evaluate_are_unchanged(expr, status):
    res, s = outcome(expr)
    assert res.status == "success" and s.status == status
    assert not [log for log in res.logs if log["level"] == "warning"]


def test_keepwf_decision_a_bare_text_value_is_a_string_not_a_name():
    """Keep's unquoted retry pastes `cpu > 5` (NameError: the step fails); keepwf inserts the text as a string, so the
    comparison is a TypeError and the step is skipped (docs/engine.md, "data in an expression is a value")."""
    res, s = outcome("{{ alert.name }} > 5")
    assert res.status == "success" and s.status == "skipped" and "TypeError" in s.skip_reason
