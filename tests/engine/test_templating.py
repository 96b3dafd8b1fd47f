"""Templating as Keep renders it (keep-format.md §2.1–2.3), compared with chevron where chevron is the reference."""

from __future__ import annotations

import html

import pytest

from keepwf.engine.context import EventDict, fn_helpers
from keepwf.engine.template import Renderer, RenderError, quote

CTX = {
    "alert": EventDict({"name": "cpu", "severity": "critical", "labels": {"pod": "api-1"}, "tags": ["a", "b"],
                        "count": 0, "flag": False, "none": None, "amp": "a&b <c>", "nested": [{"x": 1}, {"x": 2}]}),
    "steps": {"s1": {"results": [{"name": "first"}, {"name": "second"}]}},
    "consts": {"greeting": "hi {{ alert.name }}", "loop": "{{ consts.loop }}x"},
    "vars": {},
    "fn": fn_helpers(),
}


def render(t, safe=False, ctx=CTX, **kw):
    return Renderer(ctx).render(t, safe=safe, **kw)


@pytest.mark.parametrize(
    "template",
    [
        "{{ alert.name }} / {{alert.severity}}",
        "{{ steps.s1.results.0.name }} and {{ steps.s1.results.1.name }}",
        "{{ alert.labels }} {{ alert.tags }}",
        "{{ alert.count }} {{ alert.flag }} [{{ alert.none }}]",
        "{{ alert.amp }} {{{ alert.amp }}} {{& alert.amp }}",
        "{{#alert.nested}}<{{ x }}>{{/alert.nested}}",
        "{{^alert.none}}empty{{/alert.none}}",
        "{{#alert.tags}}\n- {{ . }}\n{{/alert.tags}}\n",
        "{{ alert.tags.1 }} {{ alert.name.0 }} {{ alert.tags.9 }}",
    ],
)
def test_rendering_matches_chevron(template):
    import chevron

    plain = {k: (dict(v) if isinstance(v, EventDict) else v) for k, v in CTX.items()}
    expected = html.unescape(chevron.render(template, plain))
    assert render(template) == expected


def test_alert_object_renders_as_json():
    out = render("{{ alert }}", ctx={"alert": EventDict({"a": 1}), "fn": {}})
    assert out == '{\n    "a": 1\n}'


def test_lists_and_dicts_render_as_python_str():
    assert render("{{ alert.labels }}") == "{'pod': 'api-1'}"
    assert render("{{ alert.tags }}") == "['a', 'b']"


def test_recursive_rendering_of_consts():
    assert render("{{ consts.greeting }}!") == "hi cpu!"


def test_endless_recursion_stops_after_ten_passes():
    out = render("{{ consts.loop }}")
    assert out.startswith("{{ consts.loop }}") and out.endswith("x" * 10)


def test_strict_missing_key_names_the_key():
    with pytest.raises(RenderError, match=r"Could not find key: alert.nope in the context"):
        render("x {{ alert.nope }}", safe=True)
    with pytest.raises(RenderError, match=r"Could not find keys: a.b, c"):
        render("{{ a.b }} {{ c }}", safe=True)


def test_lenient_missing_key_renders_empty():
    assert render("[{{ alert.nope }}]") == "[]"


def test_fn_helpers_and_safe_off_with_them():
    assert render("{{#fn.upper}}{{ alert.name }}{{/fn.upper}}", safe=True) == "CPU"
    assert render("{{#fn.na}}{{ alert.nope }}{{/fn.na}}", safe=True) == "N/A"
    assert render("{{#fn.default}}{{ alert.nope }}{{/fn.default}}", safe=True) == ""
    assert render("{{#fn.strip}}  x {{/fn.strip}}") == "x"
    assert render("{{#fn.lower}}ABC{{/fn.lower}}") == "abc"


def test_brace_and_paren_prechecks():
    with pytest.raises(RenderError, match=r"number of \}\} and \{\{ does not match"):
        render("{{ alert.name }")
    with pytest.raises(RenderError, match=r"number of \( and \) does not match"):
        render("sad :(")


def test_providers_never_rendered():
    ctx = {"consts": {"p": "{{ providers.slack }}"}, "fn": {}}
    assert render("{{ consts.p }}", ctx=ctx) == "{{ providers.slack }}"


def test_raw_render_without_execution():
    assert render("raw_render_without_execution(keep.len([1, 2]))") == "keep.len([1, 2])"


def test_quote_rule():
    # Keep's regex keeps the inner trailing space: '{{ a  }}'
    assert quote("{{ a }} == 'x' and '{{ b }}' == 'y'") == "'{{ a  }}' == 'x' and '{{ b }}' == 'y'"


def test_mustache_errors_are_render_errors():
    with pytest.raises(RenderError, match="never closed"):
        render("{{#alert.tags}}x")
    with pytest.raises(RenderError, match="closing tag"):
        render("{{/x}}")


def test_data_is_never_rendered_again_nor_executed():
    ctx = {"alert": EventDict({"name": "{{ consts.secret }} keep.len([1,2,3]) keep.utcnow()"}),
           "consts": {"secret": "S3CRET"}, "fn": {}}
    out = render("{{ alert.name }}", ctx=ctx)
    assert out == "{{ consts.secret }} keep.len([1,2,3]) keep.utcnow()"


def test_non_strings_pass_through():
    r = Renderer(CTX)
    assert r.render(5) == 5
    assert r.render_structure({"a": [1, "{{ alert.name }}", {"b": True}]}) == {"a": [1, "cpu", {"b": True}]}


def test_step_provider_parameter_default():
    from keepwf.engine.template import step_parameter

    assert step_parameter({"key": "{{ alert.nope }}", "default": 0}) == ("{{ alert.nope }}", False, "0")
    r = Renderer(CTX)
    assert r.render("{{ alert.nope }}", default="0") == "0"
    # render_structure is Keep's render_context: a nested {key, default} is an ordinary mapping (strict)
    with pytest.raises(RenderError):
        r.render_structure({"x": {"key": "{{ alert.nope }}", "default": 0}})
