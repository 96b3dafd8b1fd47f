"""Order of steps and actions, skip/stop/fail decisions, results shape (keep-format.md §3)."""

from __future__ import annotations

import json

from tests.engine.helpers import alert, run


def test_steps_then_actions_and_results_shape():
    r = run(
        """
        workflow:
          id: wf
          steps:
            - name: s1
              provider: {type: console, with: {message: "hello {{ alert.name }}"}}
          actions:
            - name: a1
              provider: {type: mock, with: {x: "{{ steps.s1.results }}"}}
        """,
        event=alert(),
        event_kind="alert",
    )
    assert r.status == "success"
    assert [s.name for s in r.steps] == ["s1", "a1"]
    assert r.results == {"s1": ["hello cpu high"], "a1": [{"x": "hello cpu high"}]}
    assert r.logs[0]["message"] == "hello cpu high"
    json.dumps(r.to_dict())  # JSON-serialisable


def test_if_false_skips_and_skipped_step_results_empty():
    r = run(
        """
        workflow:
          id: wf
          steps:
            - name: s1
              if: "{{ alert.severity }} == 'info'"
              provider: {type: console, with: {message: "x"}}
            - name: s2
              provider: {type: console, with: {message: "[{{ steps.s1.results }}] keep.len({{ steps.s1.results }})"}}
        """,
        event=alert(),
        event_kind="alert",
    )
    assert r.status == "success"
    assert r.steps[0].status == "skipped" and r.steps[0].results == []
    assert r.results["s1"] == []
    assert r.results["s2"] == ["[] 0"]


def test_step_failure_aborts_and_actions_do_not_run():
    r = run(
        """
        workflow:
          id: wf
          steps:
            - name: bad
              provider: {type: console, with: {message: "{{ alert.nope }}"}}
            - name: never
              provider: {type: console, with: {message: "x"}}
          actions:
            - name: act
              provider: {type: console, with: {message: "x"}}
        """,
        event=alert(),
        event_kind="alert",
    )
    assert r.status == "error"
    assert r.error == "Could not find key: alert.nope in the context."
    assert [s.name for s in r.steps] == ["bad"]
    assert r.results == {}


def test_action_failures_do_not_stop_later_actions():
    r = run(
        """
        workflow:
          id: wf
          actions:
            - name: a1
              provider: {type: console, with: {message: "{{ missing.key }}"}}
            - name: a2
              provider: {type: console, with: {message: "still runs"}}
        """
    )
    assert r.status == "error"
    assert r.error == "Failed to run action a1: Could not find key: missing.key in the context."
    assert r.step("a2").status == "ran"


def test_continue_false_is_per_list():
    r = run(
        """
        workflow:
          id: wf
          steps:
            - name: s1
              continue: false
              provider: {type: console, with: {message: "one"}}
            - name: s2
              provider: {type: console, with: {message: "two"}}
          actions:
            - name: a1
              continue: false
              provider: {type: console, with: {message: "a1"}}
            - name: a2
              provider: {type: console, with: {message: "a2"}}
        """
    )
    assert [s.name for s in r.steps] == ["s1", "a1"]


def test_continue_on_error_swallows_step_failure():
    r = run(
        """
        workflow:
          id: wf
          steps:
            - name: s1
              continue_on_error: true
              provider: {type: console, with: {message: "{{ nope }}"}}
            - name: s2
              provider: {type: console, with: {message: "ok"}}
        """
    )
    assert r.status == "success"
    assert r.step("s1").status == "error"
    assert r.step("s2").status == "ran"


def test_disabled_workflow_is_skipped():
    r = run(
        """
        workflow:
          id: wf
          disabled: "true"
          steps:
            - name: s1
              provider: {type: console, with: {message: "x"}}
        """
    )
    assert r.status == "skipped" and r.steps == ()
