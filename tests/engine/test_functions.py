"""keep.* functions: the whitelist, Keep's argument conventions, results substitution (§2.3, §2.4)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from keepwf.engine.context import EventDict
from keepwf.engine.functions import FUNCTIONS, FnContext
from keepwf.engine.template import Renderer, RenderError
from tests.engine.helpers import T0

EXPECTED = {
    "add", "sub", "mul", "div", "mod", "exp", "fdiv", "eq", "all", "diff", "len", "first", "last", "index", "join",
    "dict_to_key_value_list", "dict_pop", "dict_pop_prefix", "dict_filter_by_prefix", "dictget", "dict_set",
    "dict_merge", "uppercase", "lowercase", "capitalize", "title", "strip", "split", "remove_newlines", "replace",
    "encode", "slice", "json_dumps", "json_loads", "utcnow", "utcnowtimestamp", "utcnowiso", "substract_minutes",
    "timestamp_delta", "to_utc", "from_timestamp", "to_timestamp", "datetime_compare", "add_time_to_date",
    "is_business_hours", "get_firing_time", "is_first_time", "run_mapping",
}


def test_whitelist_is_exactly_the_documented_functions():
    assert set(FUNCTIONS) == EXPECTED and len(FUNCTIONS) == 48
    assert all(callable(f) for f in FUNCTIONS.values())


def r(template, ctx=None, now=T0, history=None, **kw):
    ctx = ctx if ctx is not None else {"alert": EventDict({"name": "cpu", "l": [1, 2, 3]}), "fn": {}}
    return Renderer(ctx, FnContext(now=lambda: now, history=history)).render(template, **kw)


@pytest.mark.parametrize(
    "template, expected",
    [
        ("keep.add(1, 2)", "3"),
        ("keep.sub(10, 2, 3)", "5"),
        ("keep.mul(2, 3, 4)", "24"),
        ("keep.div(10, 4)", "2.5"),
        ("keep.div(10, 5)", "2"),
        ("keep.mod(10, 4)", "2"),
        ("keep.exp(2, 3, 2)", "64"),
        ("keep.fdiv(7, 2)", "3"),
        ("keep.eq(1, 1)", "True"),
        ("keep.len({{ alert.l }})", "3"),
        ("keep.len([])", "0"),
        ("keep.first({{ alert.l }}) keep.last({{ alert.l }})", "1 3"),
        ("keep.index(['a', 'b'], 1)", "b"),
        ("keep.join(['a', 'b'], '-')", "a-b"),
        ("keep.join({'a': 1, 'b': 2}, ',', 'x_')", "x_a=1,x_b=2"),
        ("keep.uppercase('{{ alert.name }}')", "CPU"),
        ("keep.capitalize('abc') keep.title('a b')", "Abc A B"),
        ("keep.split('a,b', ',')", "['a', 'b']"),
        ("keep.replace('a-b', '-', '+')", "a+b"),
        ("keep.encode('a b/c')", "a%20b/c"),
        ("keep.slice('abcdef', 1, 3)", "bc"),
        ("keep.slice('abcdef', 2)", "cdef"),
        ("keep.remove_newlines('a\\nb')", "ab"),
        ("keep.dictget({'a': 1}, 'a')", "1"),
        ("keep.dict_to_key_value_list({'a': 1})", "['a:1']"),
        ("keep.all([1, 1, 1]) keep.diff([1, 2])", "True True"),
        ("keep.utcnowiso()", T0.isoformat()),
        ("keep.utcnowtimestamp()", str(int(T0.timestamp()))),
        ("keep.to_timestamp('2026-03-02T10:00:00Z')", str(int(T0.timestamp()))),
        ("keep.datetime_compare(keep.utcnow(), keep.to_utc('2026-03-02T08:00:00Z'))", "2.0"),
        ("keep.is_business_hours()", "True"),
        ("keep.is_business_hours('2026-03-01T10:00:00Z')", "False"),
        ("keep.add_time_to_date('2026-01-01', '%Y-%m-%d', '1w 2d')", "2026-01-10 00:00:00"),
        ("keep.to_utc('not a date')", ""),
    ],
)
def test_functions(template, expected):
    assert r(template) == expected


def test_whole_string_dict_result_stays_a_dict():
    assert r("keep.json_loads('{\"a\": [1, 2]}')") == {"a": [1, 2]}
    assert r("x keep.json_loads('{\"a\": 1}')") == 'x {"a": 1}'


def test_nested_calls_pass_real_objects():
    assert r("keep.len(keep.split('a b c', ' '))") == "3"


def test_unknown_function_is_a_clear_error():
    with pytest.raises(RenderError, match=r"unknown function keep.lenn; did you mean keep.len"):
        r("keep.lenn([1])")


def test_no_getattr_on_modules():
    for t in ("keep.json.loads('1')", "keep.__import__('os')", "keep.datetime.now()"):
        with pytest.raises(RenderError):
            r(t)


def test_only_literals_as_arguments():
    with pytest.raises(RenderError, match="unsupported argument|only keep"):
        r("keep.len(open('/etc/passwd'))")
    with pytest.raises(RenderError):
        r("keep.len(().__class__)")


def test_wrong_types_are_clear_errors():
    with pytest.raises(RenderError, match="Got ValueError while parsing token 'keep.add"):
        r("keep.add('a', 1)")
    with pytest.raises(RenderError, match="too large"):
        r("keep.exp(10, 9000)")


class History:
    def __init__(self, first=None, last=None):
        self.first, self.last = first, last

    def first_seen(self, fp):
        return self.first

    def last_seen(self, fp):
        return self.last

    def last_successful(self, wf):
        return None

    def previous_alert(self, wf, fp):
        return None


def test_get_firing_time_from_payload_and_history():
    ctx = {"alert": EventDict({"fingerprint": "f", "status": "firing", "firingStartTime": "2026-03-02T09:30:00Z"}), "fn": {}}
    assert r("keep.get_firing_time('{{ alert }}', 'minutes')", ctx) == "30.00"
    ctx = {"alert": EventDict({"fingerprint": "f", "status": "firing"}), "fn": {}}
    h = History(first=T0 - timedelta(hours=2))
    assert r("keep.get_firing_time('{{ alert }}', 'h')", ctx, history=h) == "2.00"
    ctx = {"alert": EventDict({"fingerprint": "f", "status": "resolved", "firingStartTime": "2026-03-02T09:00:00Z"}), "fn": {}}
    assert r("keep.get_firing_time('{{ alert }}', 'm')", ctx) == "0.00"


def test_is_first_time_from_history():
    assert r("keep.is_first_time('fp')", history=History(last=None)) == "True"
    assert r("keep.is_first_time('fp')", history=History(last=T0 - timedelta(hours=1))) == "False"
    assert r("keep.is_first_time('fp', '30m')", history=History(last=T0 - timedelta(hours=1))) == "True"
    assert r("keep.is_first_time('fp', '2h')", history=History(last=T0 - timedelta(hours=1))) == "False"


def test_from_timestamp():
    out = r("keep.from_timestamp(0)")
    assert out == str(datetime(1970, 1, 1, tzinfo=timezone.utc))
