"""keep.* functions that must give Keep 0.54.2's results (issue 13, classes 2, 3 and 4).

Expected values come from keep/functions/__init__.py at tag v0.54.2 (``datetime_compare``, line 248: ``if not t1 or
not t2: return 0``; ``to_utc``, line 215: returns ``""`` on a ParserError; ``join``, lines 316 and 320: ``prefix``
applied to dict items and to list items; ``substract_minutes`` line 170, ``timestamp_delta`` line 184) and keep/iohandler/iohandler.py ``_parse_token`` (literal arguments arrive as ``str``).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from keepwf.engine.context import EventDict, fn_helpers
from keepwf.engine.functions import FnContext
from keepwf.engine.functions.core import join
from keepwf.engine.functions.dates import datetime_compare
from keepwf.engine.template import Renderer
from tests.engine.helpers import run


def r(template: str):
    ctx = {"alert": EventDict({"name": "cpu"}), "fn": fn_helpers(), "steps": {"q": {"results": ["a", "b"]}}}
    return Renderer(ctx, FnContext(now=lambda: datetime(2026, 3, 2, 10, tzinfo=timezone.utc))).render(template)


# --- class 2: datetime_compare tests falsiness, as Keep does ---------------------------------------------------------

@pytest.mark.parametrize("template", [
    "keep.datetime_compare(keep.utcnow(), keep.to_utc('garbage'))",  # examples simple_http_request_ntfy,
    "keep.datetime_compare(keep.to_utc('garbage'), keep.utcnow())",  # raw_sql_query_datetime
    "keep.datetime_compare(keep.to_utc(''), keep.utcnow())",
    "keep.datetime_compare(keep.utcnow(), keep.from_timestamp('not a number'))",
])
def test_datetime_compare_with_an_unparsable_side_is_zero(template):
    assert r(template) == "0"


def test_datetime_compare_falsy_values_direct():
    now = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
    for falsy in (None, "", 0, [], {}):
        assert datetime_compare(now, falsy) == 0 and datetime_compare(falsy, now) == 0


def test_datetime_compare_of_two_datetimes_is_hours():
    assert r("keep.datetime_compare(keep.utcnow(), keep.to_utc('2026-03-02T08:30:00Z'))") == "1.5"
    assert r("keep.datetime_compare(keep.to_utc('2026-03-02T08:30:00Z'), keep.utcnow())") == "-1.5"


def test_the_example_workflow_shape_runs():
    """simple_http_request_ntfy: `if: keep.datetime_compare(keep.utcnow(), keep.to_utc({{ … }})) > 1`."""
    res = run("""
        workflow:
          id: w
          steps:
            - name: s
              if: "keep.datetime_compare(keep.utcnow(), keep.to_utc('{{ alert.nosuch }}')) > 1"
              provider: {type: console, with: {message: late}}
            - name: t
              if: "keep.datetime_compare(keep.utcnow(), keep.to_utc('{{ alert.nosuch }}')) == 0"
              provider: {type: console, with: {message: zero}}
        """, event={"name": "cpu"}, event_kind="alert")
    assert res.status == "success"
    assert [s.status for s in res.steps] == ["skipped", "ran"]


# --- class 3: where Keep fails, keepwf parses (documented keepwf decision) -------------------------------------------

@pytest.mark.parametrize("template, keepwf", [
    # Keep: TypeError: unsupported operand type(s) for -: 'str' and 'str' — the step fails
    ("keep.datetime_compare('2024-05-01T12:00:00Z', '2024-05-01T10:00:00Z')", "2.0"),
    # Keep: TypeError: unsupported type for timedelta minutes component: str — the step fails
    ("keep.substract_minutes(keep.utcnow(), 30)", "2026-03-02 09:30:00+00:00"),
    # Keep: AttributeError: 'UnaryOp' object has no attribute 'id' (-2 is not a literal to Keep) — the step fails
    ("keep.timestamp_delta(keep.utcnow(), -2, 'hours')", "2026-03-02 08:00:00+00:00"),
])
def test_date_functions_keep_cannot_call_work_in_keepwf(template, keepwf):
    assert r(template) == keepwf


# --- class 4: join's prefix applies to list items ----------------------------------------------------------------

@pytest.mark.parametrize("template, expected", [
    ("keep.join(['a','b'], ', ', 'x-')", "x-a, x-b"),
    ("keep.join(['a','b'], ', ')", "a, b"),
    ("keep.join([1, 2], '|', 'n')", "n1|n2"),
    ("keep.join({{ steps.q.results }}, ' ', '#')", "#a #b"),
    ("keep.join({'a': 1, 'b': 2}, ',', 'x_')", "x_a=1,x_b=2"),
])
def test_join_prefix(template, expected):
    assert r(template) == expected


def test_join_direct():
    assert join(["a", "b"], ", ", "x-") == "x-a, x-b"
    assert join('["a", "b"]', "-", "p") == "pa-pb"
