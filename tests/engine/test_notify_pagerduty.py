"""pagerduty: Events API v2 (routing key) and REST incidents (API key) against a loopback PagerDuty."""

from __future__ import annotations

from tests.engine.fakeapi import FakeApi
from tests.engine.helpers import alert
from tests.engine.notify_helpers import dumped, notify

RK = "R0UT1NGKEYabcdef0123456789abcd"
API_KEY = "u+pdApiKeySecret42"
ACCEPTED = (202, {"status": "success", "message": "Event processed", "dedup_key": "fp-1"})


def test_event_defaults_come_from_the_alert():
    with FakeApi({"POST /v2/enqueue": ACCEPTED}) as api:
        r = notify("pagerduty", {"routing_key": RK, "events_base_url": api.url}, {"title": "{{ alert.name }}"},
                   event=alert(severity="warning", status="resolved", service="db"))
    assert r.status == "success", r.error
    assert api.requests[0]["json"] == {"routing_key": RK, "event_action": "resolve", "dedup_key": "fp-1",
                                       "payload": {"summary": "cpu high", "source": "custom_event", "severity": "warning"}}
    assert r.results["n"] == [ACCEPTED[1]]
    assert RK not in dumped(r)


def test_event_with_every_field_and_keep_severities_fixed():
    with FakeApi({"POST /v2/enqueue": ACCEPTED}) as api:
        r = notify("pagerduty", {"routing_key": RK, "events_base_url": api.url},
                   {"title": "t", "severity": "high", "source": "keep", "dedup": "d-1", "event_type": "trigger",
                    "component": "job", "group": "g", "class": "c", "custom_details": '{"env": "prod"}',
                    "links": [{"href": "https://x", "text": "x"}], "images": [{"src": "https://i"}],
                    "timestamp": "2026-03-02T10:00:00Z"})
        r2 = notify("pagerduty", {"routing_key": RK, "events_base_url": api.url}, {"title": "t"},
                    event=alert(severity="low"))
    assert r.status == r2.status == "success"
    assert api.requests[0]["json"] == {"routing_key": RK, "event_action": "trigger", "dedup_key": "d-1", "payload": {
        "summary": "t", "source": "keep", "severity": "error", "custom_details": {"env": "prod"},
        "timestamp": "2026-03-02T10:00:00Z", "component": "job", "group": "g", "class": "c",
        "images": [{"src": "https://i"}], "links": [{"href": "https://x", "text": "x"}]}}
    assert api.requests[1]["json"]["payload"]["severity"] == "info"


def test_event_alert_body_becomes_custom_details_and_manual_run_defaults():
    with FakeApi({"POST /v2/enqueue": ACCEPTED}) as api:
        r = notify("pagerduty", {"routing_key": RK, "events_base_url": api.url}, {"title": "t", "alert_body": "b"},
                   event=None, event_kind=None)
    assert r.status == "success", r.error
    sent = api.requests[0]["json"]
    assert sent["payload"]["custom_details"] == {"alert_body": "b"}
    assert sent["event_action"] == "trigger" and sent["payload"]["severity"] == "critical"
    assert sent["dedup_key"] == "1772445600.0"  # the run's clock, as Keep's epoch-timestamp default


def test_event_rejected():
    with FakeApi({"*": (400, {"status": "invalid event", "message": "Event object is invalid",
                              "errors": ["'payload.severity' is invalid"]})}) as api:
        r = notify("pagerduty", {"routing_key": RK, "events_base_url": api.url}, {"title": "t", "severity": "bogus"})
    assert r.status == "error" and "HTTP 400" in r.error and "payload.severity" in r.error
    assert RK not in dumped(r)


def test_incident_create_and_update():
    created = (201, {"incident": {"id": "PT4KHLK", "incident_key": "k", "status": "triggered"}})
    answers = {"POST /incidents": created, "PUT /incidents/PT4KHLK": (200, {"incident": {"id": "PT4KHLK", "status": "resolved"}})}
    with FakeApi(answers) as api:
        r = notify("pagerduty", {"api_key": API_KEY, "base_url": api.url},
                   {"title": "db down", "service_id": "PSVC", "requester": "oncall@example.com", "priority": "P1ID",
                    "alert_body": '{"details": "x"}'})
        r2 = notify("pagerduty", {"api_key": API_KEY, "base_url": api.url},
                    {"title": "db down", "service_id": "PSVC", "requester": "oncall@example.com",
                     "incident_id": "PT4KHLK", "status": "resolved", "resolution": "fixed"})
    assert r.status == r2.status == "success", (r.error, r2.error)
    req = api.requests[0]
    assert req["headers"]["authorization"] == f"Token token={API_KEY}"
    assert req["headers"]["accept"] == "application/vnd.pagerduty+json;version=2"
    assert req["headers"]["from"] == "oncall@example.com"
    inc = req["json"]["incident"]
    assert len(inc.pop("incident_key")) == 32
    assert inc == {"type": "incident", "title": "db down", "service": {"id": "PSVC", "type": "service_reference"},
                   "body": {"details": "x", "type": "incident_body"}, "priority": {"id": "P1ID", "type": "priority_reference"}}
    assert r.results["n"] == [created[1]]
    upd = api.requests[1]
    assert upd["method"] == "PUT" and upd["json"]["incident"]["status"] == "resolved"
    assert upd["json"]["incident"]["resolution"] == "fixed" and upd["json"]["incident"]["incident_key"] == "PT4KHLK"
    assert API_KEY not in dumped(r) + dumped(r2)


def test_incident_failure_and_missing_credentials():
    with FakeApi({"*": (400, {"error": {"message": "Invalid Input Provided", "code": 2001}})}) as api:
        r = notify("pagerduty", {"api_key": API_KEY, "base_url": api.url}, {"title": "t", "service_id": "S"})
    assert r.status == "error" and "Invalid Input Provided" in r.error
    r = notify("pagerduty", {}, {"title": "t"})
    assert r.status == "error" and "routing_key" in r.error and "api_key" in r.error


def test_step_reads_one_incident():
    with FakeApi({"GET /incidents/PT4": (200, {"incident": {"id": "PT4", "status": "triggered"}})}) as api:
        r = notify("pagerduty", {"api_key": API_KEY, "base_url": api.url}, {"incident_id": "PT4"}, kind="steps")
        r2 = notify("pagerduty", {"api_key": API_KEY, "base_url": api.url}, {}, kind="steps")
    assert r.status == "success", r.error
    assert r.results["n"] == [{"incident": {"id": "PT4", "status": "triggered"}}]
    assert "users" in api.requests[0]["query"]["include[]"]
    assert r2.status == "error" and "incident_id" in r2.error
