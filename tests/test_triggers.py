"""Trigger matching: Keep's filters → CEL, its regex subset, CEL with severity order, incidents, only_on_change."""

from __future__ import annotations

import pytest

from keepwf.engine.triggers import (
    FilterNotSupported, explain, filters_to_cel, match_triggers, normalize_alert, preprocess_cel,
)

ALERT = normalize_alert({"name": "CPU high on db-1", "source": "grafana", "severity": "high", "fingerprint": "fp1",
                         "environment": "prod", "labels": {"team": "db"}, "status": "firing"})


def fires(trigger, alert=ALERT, previous=None):
    [m] = match_triggers([trigger], alert=alert, previous_alert=previous)
    return m.matched


@pytest.mark.parametrize("filters, expected", [
    ([{"key": "source", "value": "grafana"}], True),
    ([{"key": "source", "value": "graf"}], False),  # source is a list: element equality
    ([{"key": "source", "value": "grafana"}, {"key": "environment", "value": "prod"}], True),
    ([{"key": "source", "value": "grafana"}, {"key": "environment", "value": "staging"}], False),  # AND-joined
    ([{"key": "environment", "value": "prod", "exclude": True}], False),
    ([{"key": "environment", "value": "staging", "exclude": True}], True),
    ([{"key": "name", "value": 'r"(CPU|memory)"'}], False),  # Keep: name == "CPU" || name == "memory"
    ([{"key": "name", "value": 'r"(CPU high on db-1|memory)"'}], True),
    ([{"key": "source", "value": 'r"(prometheus|grafana)"'}], True),  # source: membership
    ([{"key": "name", "value": 'r"disk|memory"'}], False),
    ([{"key": "name", "value": 'r".*"'}], True),
    ([{"key": "team", "value": 'r".*"'}], False),  # field absent: has(team) is false
    ([{"key": "description", "value": 'r".*"'}], True),  # an AlertDto field is always present (None), as in Keep
    ([{"key": "name", "value": 'r".*db-1.*"'}], True),
    ([{"key": "name", "value": 'r"CPU.*"'}], True),
    ([{"key": "name", "value": 'r"db.*"'}], True),  # Keep converts x.* to contains("x")
    ([{"key": "name", "value": 'r"disk.*"'}], False),
    ([{"key": "severity", "value": "high"}], True),  # the converted filter gets the severity rewrite (blogpost.yml)
    ([{"key": "severity", "value": "critical", "exclude": True}], True),
    ([{"key": "name", "value": 'r"CPU.*"', "exclude": True}], False),
    ([{"key": "status", "value": 'r"^$"'}], False),
])
def test_filters(filters, expected):
    assert fires({"type": "alert", "filters": filters}) is expected


@pytest.mark.parametrize("rx", [r'r"^CPU\d+$"', 'r"[abc]"', 'r"a+b"', 'r"x.*y"'])
def test_unsupported_regex_fails_closed(rx):
    with pytest.raises(FilterNotSupported):
        filters_to_cel([{"key": "name", "value": rx}])
    [m] = match_triggers([{"type": "alert", "filters": [{"key": "name", "value": rx}]}], alert=ALERT)
    assert not m.matched and "fails closed" in m.reason


def test_filters_override_cel():
    trig = {"type": "alert", "cel": "false", "filters": [{"key": "source", "value": "grafana"}]}
    assert fires(trig)


@pytest.mark.parametrize("cel, expected", [
    ('source == "grafana"', True),
    ("source == 'prometheus'", False),
    ('source != "prometheus"', True),
    ("severity > 'info'", True),
    ("severity >= 'critical'", False),
    ("severity == 'high'", True),
    ("'warning' < severity", True),
    ('labels.team == "db" && name.contains("CPU")', True),
    ('labels.missing == "x"', False),  # eval error: not run
    ("((", False),  # parse error: not run
])
def test_cel(cel, expected):
    assert fires({"type": "alert", "cel": cel}) is expected


def test_no_filter_means_every_alert_and_not_incidents():
    assert fires({"type": "alert"})
    [m] = match_triggers([{"type": "alert"}], incident_event="created")
    assert not m.matched and "not an alert" in m.reason


def test_incident_events():
    trig = {"type": "incident", "events": ["created", "updated"]}
    assert [m.matched for m in match_triggers([trig], incident_event="updated")] == [True]
    [m] = match_triggers([trig], incident_event="deleted")
    assert not m.matched and "not in events" in m.reason


def test_only_on_change_and_severity_changed():
    trig = {"type": "alert", "only_on_change": ["status"]}
    assert fires(trig, previous=None)  # first alert of the fingerprint runs
    assert not fires(trig, previous=dict(ALERT))
    assert fires(trig, previous=dict(ALERT, status="resolved"))
    sev = {"type": "alert", "severity_changed": True}
    assert not fires(sev, previous=dict(ALERT))
    [m] = match_triggers([sev], alert=ALERT, previous_alert=dict(ALERT, severity="warning"))
    assert m.matched and m.alert_updates == {"severity_changed": True, "previous_severity": "warning", "severity_change": "increased"}


def test_explain_says_why_each_trigger_did_or_did_not_fire():
    ms = match_triggers([{"type": "manual"}, {"type": "interval", "value": "5m"},
                         {"type": "alert", "filters": [{"key": "source", "value": "datadog"}]},
                         {"type": "alert", "cel": "severity > 'warning'"}], alert=ALERT)
    text = explain(ms)
    assert [m.matched for m in ms] == [False, False, False, True]
    assert 'source.contains("datadog")' in text and "interval" in text and "fires" in text.splitlines()[3]


def test_explain_shows_severities_as_written_not_as_their_order_numbers():
    [m] = match_triggers([{"type": "alert", "filters": [{"key": "severity", "value": "critical"}]}], alert=ALERT)
    assert not m.matched
    assert "severity ==" in m.reason and "critical" in m.reason and "5" not in m.reason
    [m] = match_triggers([{"type": "alert", "cel": "severity > 'warning'"}], alert=ALERT)
    assert m.matched and "severity > 'warning'" in m.reason


def test_preprocess_keeps_unknown_severity_words():
    assert preprocess_cel("severity == 'weird'") == "severity == 'weird'"


def test_normalize_alert_defaults():
    """Keep's AlertDto defaults: a manual run's alert is named manual-run, fingerprinted by the SHA-256 of its name."""
    import hashlib

    a = normalize_alert({"source": "x"}, now="2026-01-02T03:04:05+00:00")
    assert a["source"] == ["x"] and a["name"] == "manual-run"
    assert a["fingerprint"] == hashlib.sha256(b"manual-run").hexdigest() == a["id"]
    # Keep 0.54.2 AlertDto: `environment: str | None = None`; lastReceived through validate_last_received
    assert (a["severity"], a["status"], a["environment"], a["service"], a["labels"]) == ("info", "firing", None, None, {})
    assert a["lastReceived"] == "2026-01-02T03:04:05.000Z"


def test_normalize_alert_severity_and_status_like_keep():
    assert normalize_alert({"severity": 5})["severity"] == "critical"
    assert normalize_alert({"severity": "CRITICAL"})["severity"] == "critical"
    assert normalize_alert({"severity": "p1"})["severity"] == "info"
    assert normalize_alert({"status": "bogus"})["status"] == "firing"
    assert normalize_alert({"status": "resolved", "fingerprint": "fp"})["status"] == "resolved"
