"""opsgenie and jira against loopback peers that answer like Opsgenie's and Jira Cloud's REST APIs."""

from __future__ import annotations

import base64

from tests.engine.fakeapi import FakeApi
from tests.engine.notify_helpers import dumped, notify

GENIE = "0psg3nie-key-0000-1111"
STATUS = {"data": {"success": True, "action": "Create", "processedAt": "2026-03-02T10:00:01Z", "integrationId": "int-1",
                   "isSuccess": True, "status": "Alert created successfully", "alertId": "A-77", "alias": "al"},
          "took": 0.01, "requestId": "req-1"}


def test_opsgenie_create_polls_the_request_status():
    answers = {"POST /v2/alerts": (202, {"result": "Request will be processed", "took": 0.1, "requestId": "req-1"}),
               "GET /v2/alerts/requests/req-1": [(404, {"message": "Request not found"}), (200, STATUS)]}
    with FakeApi(answers) as api:
        r = notify("opsgenie", {"api_key": GENIE, "base_url": api.url},
                   {"message": "{{ alert.name }}", "responders": [{"name": "ops", "type": "team"}],
                    "visible_to": [{"id": "u1", "type": "user"}], "tags": '["a", "b"]', "priority": "P1",
                    "details": {"k": "v"}, "colour": "red"})
    assert r.status == "success", r.error
    create = api.requests[0]
    assert create["headers"]["authorization"] == f"GenieKey {GENIE}"
    assert create["json"] == {"message": "cpu high", "responders": [{"name": "ops", "type": "team"}],
                              "visibleTo": [{"id": "u1", "type": "user"}], "tags": ["a", "b"], "details": {"k": "v"},
                              "priority": "P1"}
    assert [q["path"] for q in api.requests[1:]] == ["/v2/alerts/requests/req-1"] * 2
    assert r.results["n"] == [STATUS["data"]]
    assert any("ignoring unknown parameter(s) colour" in x["message"] for x in r.logs)  # Keep raises here
    assert GENIE not in dumped(r)


def test_opsgenie_failed_request_status_and_http_errors():
    failed = {"data": {**STATUS["data"], "isSuccess": False, "success": False, "status": "Invalid responders"}}
    answers = {"POST /v2/alerts": (202, {"requestId": "r2"}), "GET /v2/alerts/requests/r2": (200, failed)}
    with FakeApi(answers) as api:
        r = notify("opsgenie", {"api_key": GENIE, "base_url": api.url}, {"message": "m"})
    assert r.status == "error" and "Invalid responders" in r.error
    with FakeApi({"*": (422, {"message": "Request body is not processable", "took": 0.0})}) as api:
        r = notify("opsgenie", {"api_key": GENIE, "base_url": api.url}, {"message": "m"})
    assert r.status == "error" and "HTTP 422" in r.error and "not processable" in r.error


def test_opsgenie_close_and_comment():
    answers = {"POST /v2/alerts/A-77/close": (202, {"requestId": "c"}), "POST /v2/alerts/A-77/notes": (202, {"requestId": "n"})}
    with FakeApi(answers) as api:
        r1 = notify("opsgenie", {"api_key": GENIE, "base_url": api.url}, {"type": "close_alert", "alert_id": "A-77"})
        r2 = notify("opsgenie", {"api_key": GENIE, "base_url": api.url},
                    {"type": "comment_alert", "alert_id": "A-77", "note": "looking"})
        r3 = notify("opsgenie", {"api_key": GENIE, "base_url": api.url}, {"type": "close_alert"})
    assert r1.status == r2.status == "success"
    assert api.requests[0]["query"] == {"identifierType": ["id"]} and api.requests[0]["json"] == {}
    assert api.requests[1]["json"] == {"note": "looking"}
    assert r1.results["n"] == [None]
    assert r3.status == "error" and "alert_id is required" in r3.error


JIRA_AUTH = {"email": "me@example.com", "api_token": "j1raT0kenS3cret"}
BASIC = "Basic " + base64.b64encode(b"me@example.com:j1raT0kenS3cret").decode()


def test_jira_create_from_board_name():
    answers = {"GET /rest/agile/1.0/board": (200, {"values": [{"name": "Ops", "location": {"projectKey": "OPS"}}]}),
               "POST /rest/api/2/issue": (201, {"id": "10001", "key": "OPS-1", "self": "x"})}
    with FakeApi(answers) as api:
        r = notify("jira", {**JIRA_AUTH, "host": api.url},
                   {"board_name": "ops", "summary": "{{ alert.name }}", "description": "d", "labels": "['a','b']",
                    "components": ["api"], "custom_fields": {"customfield_1": "10"}})
    assert r.status == "success", r.error
    create = api.requests[1]
    assert create["headers"]["authorization"] == BASIC
    assert create["json"] == {"fields": {"summary": "cpu high", "description": "d", "project": {"key": "OPS"},
                                         "issuetype": {"name": "Task"}, "labels": ["a", "b"],
                                         "components": [{"name": "api"}], "customfield_1": "10"}}
    assert r.results["n"] == [{"issue": {"id": "10001", "key": "OPS-1", "self": "x"},
                               "ticket_url": f"{api.url}/browse/OPS-1"}]
    assert "j1raT0kenS3cret" not in dumped(r)


def test_jira_update_and_transition():
    answers = {"PUT /rest/api/2/issue/10023": (204, ""), "GET /rest/api/2/issue/10023": (200, {"key": "OPS-9"}),
               "GET /rest/api/2/issue/OPS-9/transitions": (200, {"transitions": [{"id": "31", "name": "Done"}]}),
               "POST /rest/api/2/issue/OPS-9/transitions": (204, "")}
    with FakeApi(answers) as api:
        r = notify("jira", {**JIRA_AUTH, "host": api.url},
                   {"issue_id": 10023, "summary": "s (resolved)", "labels": ["x"], "transition_to": "done"})
    assert r.status == "success", r.error
    assert api.requests[0]["json"] == {"update": {"summary": [{"set": "s (resolved)"}], "labels": [{"set": "x"}]}}
    assert api.requests[-1]["json"] == {"transition": {"id": "31"}}
    assert r.results["n"] == [{"issue": {"id": 10023, "key": "OPS-9", "self": f"{api.url}/rest/api/2/issue/10023"},
                               "ticket_url": f"{api.url}/browse/OPS-9"}]


def test_jira_errors_and_step_query():
    with FakeApi({"*": (400, {"errorMessages": [], "errors": {"project": "project is required"}})}) as api:
        r = notify("jira", {**JIRA_AUTH, "host": api.url}, {"project_key": "X", "summary": "s", "description": "d"})
    assert r.status == "error" and "project is required" in r.error
    r = notify("jira", {**JIRA_AUTH, "host": "http://127.0.0.1:9"}, {"project_key": "X", "summary": "s"})
    assert r.status == "error" and "description are required" in r.error
    with FakeApi({"GET /rest/agile/1.0/board/7/issue": (200, {"total": 3, "issues": []})}) as api:
        r = notify("jira", {**JIRA_AUTH, "host": api.url}, {"board_id": 7}, kind="steps")
    assert r.status == "success" and r.results["n"] == [{"number_of_issues": 3}]


def test_opsgenie_step_lists_alerts():
    alerts = [{"id": "a1", "message": "m", "status": "open"}]
    with FakeApi({"GET /v2/alerts": (200, {"data": alerts, "took": 0.1, "requestId": "r"})}) as api:
        r = notify("opsgenie", {"api_key": GENIE, "base_url": api.url}, {"query_type": "alerts", "query": "status: open"},
                   kind="steps")
        bad = notify("opsgenie", {"api_key": GENIE, "base_url": api.url}, {"query_type": "incidents"}, kind="steps")
    assert r.status == "success", r.error
    assert api.requests[0]["query"] == {"query": ["status: open"]}
    assert r.results["n"] == [{"alerts": alerts, "alerts_count": 1}]
    assert bad.status == "error" and "not implemented" in bad.error
