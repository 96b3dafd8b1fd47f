"""Ctrl-C inside a run: the engine stops, finishes a partial result like a normal one and raises RunInterrupted."""

from __future__ import annotations

import json

import pytest

from keepwf.engine import RunInterrupted
from keepwf.engine.providers.base import REGISTRY, Provider
from tests.engine.helpers import alert, run

WF = """
workflow:
  id: wf
  inputs:
    - {name: team, type: string, default: ops}
    - {name: token, type: string}
  steps:
    - name: first
      provider: {type: console, with: {message: "paging {{ inputs.team }} for {{ alert.name }}"}}
    - name: second
      foreach: "{{ alert.hosts }}"
      provider: {type: ctrl-c, with: {host: "{{ foreach.value }}"}}
    - name: third
      provider: {type: console, with: {message: never}}
  actions:
    - name: notify
      provider: {type: console, with: {message: never either}}
  on-failure:
    provider: {type: console, with: {message: must not run on Ctrl-C}}
"""


class CtrlC(Provider):
    """Answers the first foreach item, then the user presses Ctrl-C during the second."""

    type = "ctrl-c"

    def query(self, call):
        if call.params["host"] == "db2":
            raise KeyboardInterrupt
        return {"checked": call.params["host"]}


@pytest.fixture
def ctrl_c(monkeypatch):
    monkeypatch.setitem(REGISTRY, "ctrl-c", CtrlC)


def test_partial_result_has_finished_steps_event_and_normally_redacted_inputs(ctrl_c):
    seen = []
    with pytest.raises(RunInterrupted) as ei:
        run(WF, event=alert(hosts=["db1", "db2", "db3"]), event_kind="alert", trigger="alert",
            inputs={"token": "tok-5551234"}, env={"PAGER_TOKEN": "tok-5551234"},
            providers_file={"pager": {"authentication": {"api_key": "{{ env.PAGER_TOKEN }}"}}}, progress=seen.append)
    assert isinstance(ei.value, KeyboardInterrupt)  # callers that only know Ctrl-C still stop
    r = ei.value.result
    assert (r.status, r.error) == ("error", "interrupted")
    assert r.inputs == {"team": "ops", "token": "***"}  # only the secret is hidden
    assert r.event["name"] == "cpu high" and r.event["hosts"] == ["db1", "db2", "db3"]
    first, second = r.steps
    assert (first.name, first.status, first.attempts, first.results) == ("first", "ran", 1, ["paging ops for cpu high"])
    assert (second.name, second.status, second.error) == ("second", "error", "interrupted")
    assert second.results == [{"checked": "db1"}] and second.attempts == 1 and second.items == 3  # items are not attempts
    assert r.results == {"first": ["paging ops for cpu high"]}
    assert r.on_failure is None  # no on-failure action, no later step or action ran
    msgs = [(x["step"], x["message"]) for x in r.logs]
    assert ("first", "paging ops for cpu high") in msgs
    assert ("second", "step second interrupted") in msgs
    assert not any("never" in m for _, m in msgs)
    ends = [(e.step, e.status, e.message) for e in seen if e.kind == "step_end"]
    assert ends == [("first", "ran", None), ("second", "error", "interrupted")]  # progress shows it too
    json.dumps(r.to_dict())  # a record like any other


def test_interrupted_on_failure_action_is_kept_with_the_failed_steps(monkeypatch):
    class Boom(Provider):
        type = "ctrl-c"

        def notify(self, call):
            raise KeyboardInterrupt

    monkeypatch.setitem(REGISTRY, "ctrl-c", Boom)
    with pytest.raises(RunInterrupted) as ei:
        run("""
            workflow:
              id: wf
              steps:
                - name: broken
                  provider: {type: console, with: {message: "{{ alert.missing.deeper }}"}}
              on-failure:
                provider: {type: ctrl-c, with: {}}
            """, event=alert(), event_kind="alert")
    r = ei.value.result
    assert (r.status, r.error) == ("error", "interrupted")
    assert [(s.name, s.status) for s in r.steps] == [("broken", "error")] and r.steps[0].error != "interrupted"
    assert (r.on_failure.name, r.on_failure.status, r.on_failure.error) == ("on-failure", "error", "interrupted")
