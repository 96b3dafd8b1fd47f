"""Keep's database features answered from the run log: last_workflow_results, is_first_time, only_on_change,
severity_changed, get_firing_time; incident triggers; `keepwf list` shows the last run."""

from __future__ import annotations

import json

from tests.test_runs_cli import _deploy

MEMORY = """workflow:
  id: memory
  triggers:
    - type: alert
  steps:
    - name: first
      provider:
        type: console
        with:
          message: "keep.is_first_time({{ alert.fingerprint }})"
    - name: say
      provider:
        type: console
        with:
          message: "prev={{ last_workflow_results }}"
"""

ON_CHANGE = """workflow:
  id: on-change
  triggers:
    - type: alert
      only_on_change: [status]
  steps:
    - name: say
      provider:
        type: console
        with:
          message: "{{ alert.status }}"
"""

SEV = """workflow:
  id: sev
  triggers:
    - type: alert
      severity_changed: true
  steps:
    - name: say
      provider:
        type: console
        with:
          message: "{{ alert.severity_change }} from {{ alert.previous_severity }}"
"""

INCIDENT = """workflow:
  id: inc
  triggers:
    - type: incident
      events: [created]
  steps:
    - name: say
      provider:
        type: console
        with:
          message: "incident {{ incident.name }}"
"""


def _alert(r, **kw):
    a = {"name": "cpu", "source": ["grafana"], "severity": "high", "fingerprint": "fpone", "status": "firing", **kw}
    r.write("alert.json", json.dumps(a))
    return "alert.json"


def test_last_workflow_results_and_is_first_time(tmp_repo):
    r = tmp_repo
    _deploy(r, "memory", MEMORY)
    def run(*extra, **alert):
        res = r.cli("run", "memory", "--alert", _alert(r, **alert), "--json", *extra)
        assert res.code == 0, res
        return [s["results"][0] for s in res.json()["steps"]]

    first = run()
    assert first == ["True", "prev="]  # Keep renders an empty dict as ""
    second = run()
    assert second[0] == "False" and "'first': ['True']" in second[1]  # the results of the last successful run
    # drafts are not history: a draft run does not make the next run's "first time" false
    assert run("--draft", fingerprint="fpnew")[0] == "True"
    assert run(fingerprint="fpnew")[0] == "True"


def test_only_on_change_and_severity_changed_use_the_previous_alert(tmp_repo):
    r = tmp_repo
    _deploy(r, "on-change", ON_CHANGE)
    _deploy(r, "sev", SEV)
    rep = r.cli("trigger", "--alert", _alert(r), "--json", "--full").json()
    ran = {w["workflow"]: len(w["runs"]) for w in rep["workflows"]}
    assert ran == {"on-change": 1, "sev": 1}  # no previous alert: both run
    rep = r.cli("trigger", "--alert", _alert(r), "--json", "--full").json()
    verdicts = {w["workflow"]: w for w in rep["workflows"]}
    assert verdicts["on-change"]["runs"] == [] and "unchanged" in verdicts["on-change"]["triggers"][0]["reason"]
    assert verdicts["sev"]["runs"] == [] and "still" in verdicts["sev"]["triggers"][0]["reason"]
    rep = r.cli("trigger", "--alert", _alert(r, severity="critical", status="resolved"), "--json", "--full").json()
    verdicts = {w["workflow"]: w for w in rep["workflows"]}
    assert len(verdicts["on-change"]["runs"]) == 1
    [run] = verdicts["sev"]["runs"]
    assert run["steps"][0]["results"] == ["increased from high"]


def test_incident_trigger_and_list_shows_last_run(tmp_repo):
    r = tmp_repo
    _deploy(r, "inc", INCIDENT)
    r.write("inc.json", json.dumps({"id": "i-1", "name": "db down", "event": "created"}))
    res = r.cli("trigger", "--incident", "inc.json", "--json", "--full")
    assert res.code == 0, res
    [w] = [w for w in res.json()["workflows"] if w["workflow"] == "inc"]
    assert w["runs"][0]["steps"][0]["results"] == ["incident db down"] and w["runs"][0]["trigger"]["type"] == "incident"
    r.write("inc2.json", json.dumps({"id": "i-1", "name": "db down", "event": "deleted"}))
    [w] = [w for w in r.cli("trigger", "--incident", "inc2.json", "--json", "--full").json()["workflows"] if w["workflow"] == "inc"]
    assert w["runs"] == [] and "not in events" in w["triggers"][0]["reason"]
    out = r.cli("list").out
    assert "last run" in out and "success 20" in out
