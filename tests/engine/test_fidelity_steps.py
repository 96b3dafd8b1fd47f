"""Step behaviour that must match Keep 0.54.2 (issue 13, classes 6, 7, 8 and 9).

Expected values come from Keep's sources at tag v0.54.2:
- class 6: keep/providers/base/base_provider.py ``_enrich`` (lines 268–318) — each enrichment runs in its own ``try``; a failure is
  logged ("Failed to enrich alert - enrichment: …") and the loop ``continue``s;
- class 7: keep/iohandler/iohandler.py ``_render`` (lines 457 and 465) — ``safe = False`` when the template contains ``{{#fn.`` or
  ``{{ #fn.`` (and ``{{^`` or ``{{ ^``);
- class 8: keep/parser/parser.py ``parse_provider_parameters`` (line 478) turns a dict in a *step's* ``with:`` into a
  ``StepProviderParameter``; ``_get_action`` passes the raw ``with:`` to ``Step`` (line 671), so in an action the dict is
  rendered by ``IOHandler.render_context`` (iohandler.py line 525) like any dict (strict, ``safe=True``);
- class 9: keep/contextmanager/contextmanager.py (lines 36, 172, 175) — an incident-triggered run sets the incident
  context only (keepwf decision, below).
"""

from __future__ import annotations

import json

from keepwf.engine.alert import normalize_alert
from keepwf.engine.mocks import MockSet
from tests.engine.helpers import run

ALERT = normalize_alert({"name": "cpu", "severity": "critical", "lastReceived": "2024-05-01T10:00:00Z",
                         "fingerprint": "fp-cpu"})


def with_mock(yaml_text: str, answer: dict, **kw):
    return run(yaml_text, mocks=MockSet.from_data({"steps": {"get": {"result": answer}}}), **kw)


# --- class 6: one enrichment that cannot be resolved is skipped; the step goes on --------------------------------

ENRICH = """
workflow:
  id: w
  steps:
    - name: get
      provider:
        type: http
        with:
          url: http://127.0.0.1:9/x
          method: GET
          enrich_alert:
            - {key: owner, value: results.owner}
            - {key: team, value: results.team}
            - {key: note}
            - {key: deep, value: results.a.b.c}
  actions:
    - name: show
      provider: {type: console, with: {message: "{{ alert.team }}|{{#fn.default}}{{ alert.owner }}{{/fn.default}}"}}
"""


def test_an_enrichment_whose_path_is_missing_is_logged_and_skipped():
    # examples blogpost, http_enrich, slack_message_update: value: results.<field> the answer may lack
    res = with_mock(ENRICH, {"team": "db", "a": {"b": {}}}, event=dict(ALERT), event_kind="alert")
    assert res.status == "success", res.error
    assert res.step("get").status == "ran"
    assert [(e["key"], e["value"]) for e in res.enrichments] == [("team", "db")]
    warnings = [log["message"] for log in res.logs if log["level"] == "warning"]
    assert len(warnings) == 3
    assert "owner" in warnings[0] and "path not found" in warnings[0]
    assert "note" in warnings[1] and "no value" in warnings[1]
    assert "deep" in warnings[2]
    assert res.step("show").results == ["db|"]  # owner was never set
    assert "owner" not in res.event


def test_a_foreach_enrichment_with_a_missing_path_does_not_fail_the_item():
    res = with_mock("""
        workflow:
          id: w
          steps:
            - name: get
              foreach: "{{ alert.labels.items }}"
              provider:
                type: http
                with:
                  url: http://127.0.0.1:9/x
                  method: GET
                  enrich_alert: [{key: owner, value: results.owner}]
        """, {"ok": True}, event=normalize_alert(dict(ALERT, labels={"items": [{"fingerprint": "f1"}]})),
        event_kind="alert")
    assert res.status == "success" and res.step("get").status == "ran" and not res.step("get").item_errors
    assert res.enrichments == ()


# --- class 7: {{ #fn.… }} with spaces turns strictness off, as {{#fn. does ----------------------------------------

def render_message(message: str):
    res = run(f"""
        workflow:
          id: w
          steps:
            - name: s
              provider: {{type: console, with: {{message: {json.dumps(message)}}}}}
        """, event=dict(ALERT), event_kind="alert")
    return res.steps[0]


def test_fn_section_with_spaces_is_not_strict():
    for message, expected in [
        # `{{ #fn.na }}` (space first) is a *variable* named `#fn.na` to chevron: empty, like the rest
        ("{{ #fn.na }}{{ alert.nosuch }}{{ /fn.na }}", ""),
        ("{{#fn.na}}{{ alert.nosuch }}{{/fn.na}}", "N/A"),
        ("[{{ #fn.default }}{{ alert.nosuch }}{{ /fn.default }}]", "[]"),
        ("{{ #fn.upper }}{{ alert.name }}{{ /fn.upper }} {{ alert.nosuch }}", "cpu "),  # strictness off for it all
        ("{{#fn.upper}}{{ alert.name }}{{/fn.upper}} {{ alert.nosuch }}", "CPU "),
    ]:
        s = render_message(message)
        assert s.status == "ran", (message, s.error)
        assert s.results == [expected], message


def test_inverted_section_with_spaces_is_not_strict():
    s = render_message("{{ ^alert.nosuch }}none{{ /alert.nosuch }} {{ alert.other }}")
    assert s.status == "ran" and s.results == ["none "]


def test_without_fn_or_inverted_sections_a_missing_key_still_fails():
    s = render_message("{{ alert.nosuch }}")
    assert s.status == "error" and "Could not find key: alert.nosuch" in s.error


# --- class 8: {key, default} is a StepProviderParameter only at the top of a step's with: ----------------------------

def params_of(yaml_text: str):
    res = run(yaml_text, mocks=MockSet.from_data({"default": {"result": "ok"}}), event=dict(ALERT), event_kind="alert")
    return res, {c["step"]: c["params"] for c in res.calls}


def test_in_an_action_a_key_default_mapping_is_an_ordinary_mapping():
    res, params = params_of("""
        workflow:
          id: w
          actions:
            - name: a
              provider: {type: slack, with: {p: {key: "{{ alert.name }}", default: d}}}
        """)
    assert res.status == "success"
    assert params["a"] == {"p": {"key": "cpu", "default": "d"}}


def test_in_an_action_a_missing_key_inside_such_a_mapping_fails_strictly():
    res, _ = params_of("""
        workflow:
          id: w
          actions:
            - name: a
              provider: {type: slack, with: {p: {key: "{{ alert.nosuch }}", default: d}}}
        """)
    assert res.status == "error" and "Could not find key: alert.nosuch" in res.step("a").error


def test_at_the_top_of_a_steps_with_it_is_a_step_provider_parameter():
    res, params = params_of("""
        workflow:
          id: w
          steps:
            - name: s
              provider:
                type: slack
                with:
                  a: {key: "{{ alert.name }}", default: d}
                  b: {key: "{{ alert.nosuch }}", default: 0}
                  c: {key: "{{ alert.nosuch }}"}
                  d: {key: "{{ alert.nosuch }}", default: x, safe: "no"}
                  nested: {inner: {key: "{{ alert.name }}", default: d}}
                  other: {key: "{{ alert.name }}", value: 1}
        """)
    assert res.status == "success", res.error
    assert params["s"] == {
        "a": "cpu", "b": "0",  # pydantic 1 makes the default text
        "c": None,  # no default and empty: Keep fails (AttributeError: None.startswith); keepwf decision: null
        "d": "x",
        "nested": {"inner": {"key": "cpu", "default": "d"}},  # only the top level is converted
        "other": {"key": "cpu", "value": 1},  # keepwf decision: Keep would drop `value` and pass "cpu"
    }


def test_safe_with_a_default_is_strict():
    res, _ = params_of("""
        workflow:
          id: w
          steps:
            - name: s
              provider: {type: slack, with: {a: {key: "{{ alert.nosuch }}", default: d, safe: true}}}
        """)
    assert res.status == "error" and "Could not find key: alert.nosuch" in res.error


# --- class 9: an incident-triggered run (keepwf decision: `event` is the incident) ----------------------------------

def test_incident_run_event_is_the_incident_and_alert_stays_empty():
    # Keep 0.54.2 (keep/contextmanager/contextmanager.py): event_context stays {} for an incident run, so
    # `{{ event.id }}` fails with a missing key there; keepwf gives the incident (docs/engine.md, Context)
    yaml_text = """
        workflow:
          id: w
          steps:
            - name: s
              provider: {type: console, with: {message: "%s"}}
        """
    inc = {"id": "inc-1", "user_generated_name": "db down"}
    res = run(yaml_text % "{{ event.id }}/{{ incident.id }}", event=inc, event_kind="incident")
    assert res.status == "success" and res.steps[0].results == ["inc-1/inc-1"]
    res = run(yaml_text % "{{ alert.id }}", event=inc, event_kind="incident")
    assert res.status == "error" and "Could not find key: alert.id" in res.error  # as in Keep: alert is {}
