"""Behaviours pinned by Keep's own test-suite (tests/test_iohandler.py, test_steps.py), on keepwf's fixtures."""

from __future__ import annotations

import json

from keepwf.engine.context import EventDict, fn_helpers
from keepwf.engine.functions import FnContext
from keepwf.engine.template import Renderer
from tests.engine.helpers import T0


def R(ctx, template, **kw):
    ctx = {"fn": fn_helpers(), "vars": {}, "consts": {}, **ctx}
    return Renderer(ctx, FnContext(now=lambda: T0)).render(template, **kw)


def test_len_first_and_json_dumps_of_lists():
    ctx = {"steps": {"some_list": [1, 2, 3], "as_text": "[1, 2, 3]"}}
    assert R(ctx, "hello keep.len({{ steps.some_list }})") == "hello 3"
    assert R(ctx, "hello keep.first({{ steps.some_list }})") == "hello 1"
    assert R(ctx, "hello keep.json_dumps({{ steps.some_list }})") == "hello [\n    1,\n    2,\n    3\n]"
    assert R(ctx, "hello keep.json_dumps({{ steps.as_text }})") == "hello [\n    1,\n    2,\n    3\n]"


def test_is_business_hours_positional_and_keyword_arguments():
    ctx = {"steps": {"t": "2024-03-20T10:00:00+02:00"}}
    assert R(ctx, "keep.is_business_hours('2024-03-20T10:00:00+02:00', 8, 20, (0, 1, 2, 3, 6), 'Asia/Jerusalem')") == "True"
    assert R(ctx, "check: keep.is_business_hours(timezone='Asia/Jerusalem', business_days=(0, 1, 2, 3, 6), "
                  "time_to_check='{{ steps.t }}')") == "check: True"
    assert R(ctx, "keep.is_business_hours('2024-03-20T22:00:00+02:00', timezone='Asia/Jerusalem')") == "False"


def test_section_with_triple_mustache_dicts_and_odd_parentheses_in_data():
    stack = {"frames": [{"function": "<anonymous>", "in_app": True,
                         "context_line": "  }, [data, data?.testDetails, onSelect]);",
                         "post_context": ['{snip} y{return"SentryError"===e}(t)?(x.X&&k.kg.warn(`Event dropped.',
                                          "it's ${(0,P.jH)(e)}`),n})(t)"]}]}
    exc = {"type": "Error", "value": "captured with keys: a, b", "stacktrace": stack}
    alert = EventDict({"exceptions": [exc, exc], "tags": {"os": "Windows >=10", "level": "error"}, "url": "https://x"})
    out = R({"alert": alert},
            "{{#alert.exceptions}}\n*{{ type }}*\n{{ value }}\n\n*Stack Trace*\n{code:json} keep.json_dumps({{{ stacktrace }}}) "
            "{code}\n{{/alert.exceptions}}\n{{^alert.exceptions}}\nNo stack trace available\n{{/alert.exceptions}}\n\n"
            "*Tags*\n{code:json} keep.json_dumps({{{ alert.tags }}}) {code}\n\nSee: {{ alert.url }}\n", safe=True)
    assert out.count("*Error*\ncaptured with keys: a, b") == 2
    assert json.dumps(stack, indent=4) in out
    assert json.dumps(alert["tags"], indent=4) in out
    assert "No stack trace available" not in out and out.endswith("See: https://x\n")


def test_whole_string_json_loads_of_the_alert_stays_a_dict():
    alert = EventDict({"name": "it's \"quoted\"\nand multi-line", "labels": {"a": 1}})
    assert R({"alert": alert}, "keep.json_loads('{{ alert }}')") == dict(alert)


def test_skipped_step_results_render_empty_and_len_zero():
    ctx = {"steps": {"skipped": {"results": []}}}
    assert R(ctx, "[{{ steps.skipped.results }}] keep.len({{ steps.skipped.results }})") == "[] 0"
