"""if:, condition, foreach, retries, on-failure, vars/consts/inputs/alias, enrichments (§2.6–2.10, §3)."""

from __future__ import annotations

import pytest

from keepwf.errors import UsageError
from tests.engine.helpers import alert, run


def _msgs(r, step):
    return r.step(step).results


@pytest.mark.parametrize(
    "expr, fields, ran",
    [
        ("{{ alert.severity }} == 'critical'", {}, True),
        ("'{{ alert.team }}' == 'infra'", {"team": "infra"}, True),
        ("{{ alert.region }} == 'eu' and {{ alert.contains_pii }} == 'True'", {"region": "eu", "contains_pii": True}, True),
        ("{{ alert.priority }} in ['p3', 'p4']", {"priority": "p3"}, True),
        ("{{ alert.value }} > 5", {"value": 7}, True),  # '7' > 5 fails → unquoted retry 7 > 5
        ("{{ alert.missing }} == 'x'", {}, False),
        ("keep.len({{ alert.items }}) > 2", {"items": [1, 2, 3]}, True),
        ("keep.len({{ alert.items }}) > 2", {"items": [1]}, False),  # decision 8: Keep would count 3 characters
        ("keep.len({{ alert.items }}) == 3", {"items": ["aaaa", "b", "c"]}, True),
    ],
)
def test_if(expr, fields, ran):
    r = run(
        f"""
        workflow:
          id: wf
          steps:
            - name: s
              if: "{expr}"
              provider: {{type: console, with: {{message: ok}}}}
        """,
        event=alert(**fields),
        event_kind="alert",
    )
    assert r.status == "success", r.error
    assert r.step("s").status == ("ran" if ran else "skipped")


def test_if_that_does_not_parse_skips_the_step_with_a_warning():
    # Keep 0.54.2 step.py: asteval 1.0.6 leaves error_msg empty for a SyntaxError, so the step is skipped
    r = run(
        """
        workflow:
          id: wf
          steps:
            - name: s
              if: "1 +"
              provider: {type: console, with: {message: ok}}
        """
    )
    assert r.status == "success" and r.step("s").status == "skipped"
    assert "could not be evaluated (SyntaxError" in r.step("s").skip_reason
    assert any(log["level"] == "warning" and "SyntaxError" in log["message"] for log in r.logs)


def test_if_with_an_unknown_name_fails_the_step():
    r = run(
        """
        workflow:
          id: wf
          steps:
            - name: s
              if: "nosuchname == 1"
              provider: {type: console, with: {message: ok}}
        """
    )
    assert r.status == "error" and "Failed to evaluate if condition" in r.error and "NameError" in r.error


def test_threshold_condition_multi_level_and_alias():
    r = run(
        """
        workflow:
          id: wf
          steps:
            - name: s
              condition:
                - name: cpu
                  type: threshold
                  value: "{{ alert.cpu }}"
                  compare_to: "60, 70, 80"
                  level: "major, medium, minor"
                  alias: hot
              provider: {type: console, with: {message: "{{ hot }}"}}
        """,
        event=alert(cpu="75"),
        event_kind="alert",
    )
    assert r.step("s").status == "ran"
    assert r.step("s").results == ["True"]
    assert r.step("s").conditions["cpu"][0]["level"] == "major"


def test_threshold_lt_and_percent_and_false_skips():
    yaml = """
        workflow:
          id: wf
          steps:
            - name: s
              condition:
                - {name: c, type: threshold, value: "{{ alert.v }}", compare_to: "{{ alert.t }}", compare_type: lt}
              provider: {type: console, with: {message: ok}}
        """
    assert run(yaml, event=alert(v="50%", t="80%"), event_kind="alert").step("s").status == "ran"
    assert run(yaml, event=alert(v="90", t="80"), event_kind="alert").step("s").status == "skipped"
    bad = run(yaml, event=alert(v="90", t="x"), event_kind="alert")
    assert bad.status == "error" and "Invalid values for threshold - the compare_to is a float" in bad.error
    bad = run(yaml, event=alert(v="50%", t="80"), event_kind="alert")
    assert "currently support only numeric and percentage values" in bad.error
    # two strings that are not numbers compare as strings (Keep)
    assert run(yaml, event=alert(v="abc", t="abd"), event_kind="alert").step("s").status == "ran"


def test_assert_condition():
    yaml = """
        workflow:
          id: wf
          steps:
            - name: s
              condition:
                - {name: a, type: assert, assert: "{{ alert.code }} == 200"}
              provider: {type: console, with: {message: ok}}
        """
    assert run(yaml, event=alert(code=200), event_kind="alert").step("s").status == "ran"
    assert run(yaml, event=alert(code=500), event_kind="alert").step("s").status == "skipped"


def test_foreach_results_appended_and_item_errors_swallowed():
    r = run(
        """
        workflow:
          id: wf
          steps:
            - name: list
              provider: {type: mock, with: {command_output: [{n: a}, {n: b, bad: true}, {n: c}]}}
          actions:
            - name: each
              foreach: "{{ steps.list.results }}"
              if: "'{{ foreach.value.bad }}' != 'True'"
              provider: {type: console, with: {message: "item {{ foreach.value.n }}"}}
            - name: each-err
              foreach: "{{ steps.list.results }}"
              provider: {type: console, with: {message: "{{ foreach.value.bad }}"}}
        """
    )
    assert r.step("each").results == ["item a", "item c"]
    assert r.step("each").items == 3
    each_err = r.step("each-err")
    assert each_err.status == "ran" and each_err.results == ["True"]
    assert len(each_err.item_errors) == 2 and "foreach.value.bad" in each_err.item_errors[0]
    assert r.status == "success"


def test_foreach_zip_with_and():
    r = run(
        """
        workflow:
          id: wf
          steps:
            - name: a
              provider: {type: mock, with: {command_output: [1, 2]}}
            - name: b
              provider: {type: mock, with: {command_output: [x, y]}}
            - name: z
              foreach: "{{ steps.a.results }} && {{ steps.b.results }}"
              provider: {type: console, with: {message: "{{ foreach.value.0 }}{{ foreach.value.1 }}"}}
        """
    )
    assert r.step("z").results == ["1x", "2y"]


@pytest.mark.parametrize("path, msg", [("{{ alert.name }}", "is a string"), ("{{ steps.nope.results }}", "not found")])
def test_foreach_over_string_or_missing_path_is_a_step_error(path, msg):
    r = run(
        f"""
        workflow:
          id: wf
          steps:
            - name: s
              foreach: "{path}"
              provider: {{type: console, with: {{message: x}}}}
        """,
        event=alert(),
        event_kind="alert",
    )
    assert r.status == "error" and msg in r.error


def test_retries_use_sleep_and_count_attempts():
    slept = []
    from keepwf.engine import MockSet

    mocks = MockSet.from_data({"steps": {"s": {"responses": [{"error": "503"}, {"error": "503"}, {"result": "ok"}]}}})
    r = run(
        """
        workflow:
          id: wf
          steps:
            - name: s
              provider: {type: slack, with: {message: hi}}
              on-failure: {retry: {count: 2, interval: 3}}
        """,
        mocks=mocks,
        sleep=slept.append,
    )
    assert r.status == "success"
    assert r.step("s").attempts == 3 and slept == [3.0, 3.0]
    assert r.results["s"] == ["ok"]


def test_workflow_on_failure_gets_keeps_message():
    r = run(
        """
        workflow:
          id: wf-x
          steps:
            - name: s
              provider: {type: console, with: {message: "{{ nope }}"}}
              on-failure: {retry: {count: 3}}
          on-failure:
            provider: {type: console, with: {message: "ignored"}}
        """
    )
    assert r.status == "error"
    assert r.on_failure is not None
    assert r.on_failure.results == ["Workflow wf-x failed with errors: Could not find key: nope in the context."]


def test_vars_alias_consts_inputs():
    r = run(
        """
        workflow:
          id: wf
          consts:
            team: "ops-{{ inputs.env }}"
          inputs:
            - {name: env, type: choice, options: [prod, dev], default: dev}
            - {name: n, type: number, default: 2}
            - {name: loud, type: boolean, default: false}
          steps:
            - name: s
              vars: {who: "{{ consts.team }}"}
              alias: {sev: "{{ alert.severity }}"}
              provider: {type: console, with: {message: "{{ vars.who }} {{ aliases.sev }} {{ inputs.n }} {{ inputs.loud }}"}}
        """,
        event=alert(),
        event_kind="alert",
        inputs={"n": "5", "loud": "yes"},
    )
    assert r.results["s"] == ["ops-dev critical 5 True"]
    assert r.inputs == {"n": 5, "loud": True, "env": "dev"}


@pytest.mark.parametrize(
    "inputs, msg",
    [({}, "input 'need' is required"), ({"need": "x", "n": "abc"}, "must be a number"),
     ({"need": "x", "c": "z"}, "must be one of a, b")],
)
def test_bad_inputs_are_usage_errors(inputs, msg):
    with pytest.raises(UsageError, match=msg) as ei:
        run(
            """
            workflow:
              id: wf
              inputs:
                - {name: need, type: string, required: true}
                - {name: n, type: number}
                - {name: c, type: choice, options: [a, b]}
              steps:
                - name: s
                  provider: {type: console, with: {message: x}}
            """,
            inputs=inputs,
        )
    assert "--input" in ei.value.hint


def test_enrich_alert_mutates_event_for_later_steps_and_is_recorded():
    r = run(
        """
        workflow:
          id: wf
          steps:
            - name: s
              provider:
                type: mock
                with:
                  command_output: {owner: team-a}
                  enrich_alert:
                    - {key: owner, value: results.owner}
                    - {key: checked, value: "yes"}
          actions:
            - name: a
              provider: {type: console, with: {message: "{{ alert.owner }} {{ alert.checked }}"}}
        """,
        event=alert(),
        event_kind="alert",
    )
    assert r.results["a"] == ["team-a yes"]
    assert [(e["key"], e["value"], e["fingerprint"]) for e in r.enrichments] == [
        ("owner", "team-a", "fp-1"), ("checked", "yes", "fp-1")]
    assert r.event["owner"] == "team-a"


def test_enrich_incident():
    r = run(
        """
        workflow:
          id: wf
          actions:
            - name: a
              provider:
                type: mock
                with:
                  enrich_incident: [{key: status, value: acknowledged}]
        """,
        event={"id": "inc-1", "user_generated_name": "db down"},
        event_kind="incident",
        trigger="incident",
    )
    assert r.status == "success"
    assert r.event["status"] == "acknowledged"
    assert r.enrichments[0]["target"] == "incident"


def test_use_merges_reusable_action_from_document_root():
    r = run(
        """
        workflow:
          id: wf
          actions:
            - name: a
              use: "@notify"
              provider: {with: {message: "override"}}
        actions:
          - use: "@notify"
            provider: {type: console, with: {message: "base"}}
        """
    )
    assert r.results["a"] == ["override"]


def test_falsy_if_counts_as_absent_like_keep():
    r = run("""
        workflow:
          id: wf
          steps:
            - name: s
              if: false
              provider: {type: console, with: {message: ran}}
            - name: c
              if: ""
              condition: [{name: c1, type: assert, assert: "1 == 2"}]
              provider: {type: console, with: {message: ran}}
        """)
    assert r.step("s").status == "ran"
    assert r.step("c").status == "skipped"


def test_run_timeout_between_steps():
    from tests.engine.helpers import Clock

    r = run("""
        workflow:
          id: wf
          steps:
            - name: s1
              provider: {type: console, with: {message: one}}
            - name: s2
              provider: {type: console, with: {message: two}}
        """, now=Clock(step_ms=400), run_timeout=1.0)
    assert r.status == "timeout" and "time limit of 1s" in r.error
    assert [s.name for s in r.steps] == ["s1"]
