"""slack against a loopback peer that answers like Slack (webhook: 2xx + "ok"; Web API: HTTP 200 with ok true/false)."""

from __future__ import annotations

import json

from tests.engine.fakeapi import FakeApi
from tests.engine.helpers import T0
from tests.engine.notify_helpers import dumped, notify, result_of

TOKEN = "xoxb-1111-2222-s3cr3tt0ken"


def test_webhook_json_body_and_keep_result():
    with FakeApi({"POST /services/T1/B2/XyZsecret": (200, "ok")}) as api:
        url = f"{api.url}/services/T1/B2/XyZsecret"
        r = notify("slack", {"webhook_url": url},
                   {"message": "disk full on {{ alert.name }}", "channel": "#ops", "username": "keep",
                    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*x*"}}]})
    assert r.status == "success", r.error
    req = api.requests[0]
    assert req["method"] == "POST" and req["headers"]["content-type"] == "application/json"
    assert req["headers"]["user-agent"].startswith("keepwf/")
    assert req["json"] == {"channel": "#ops", "text": "disk full on cpu high", "username": "keep",
                           "blocks": json.dumps([{"type": "section", "text": {"type": "mrkdwn", "text": "*x*"}}])}
    assert r.results["n"] == [{"slack_timestamp": int(T0.timestamp())}]
    assert "XyZsecret" not in dumped(r)


def test_webhook_attachments_go_as_form_payload():
    with FakeApi({"*": (200, "ok")}) as api:
        r = notify("slack", {"webhook_url": f"{api.url}/hook"},
                   {"message": "m", "attachments": [{"color": "#f00", "title": "t"}]})
    assert r.status == "success", r.error
    req = api.requests[0]
    assert req["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert json.loads(req["form"]["payload"]) == {"channel": "", "text": "m",
                                                  "attachments": [{"color": "#f00", "title": "t"}]}


def test_webhook_failure_is_the_step_error_without_the_url():
    with FakeApi({"*": (404, "no_service")}) as api:
        r = notify("slack", {"webhook_url": f"{api.url}/services/T/B/hushhush"}, {"message": "m"})
    assert r.status == "error"
    assert "HTTP 404" in r.error and "no_service" in r.error
    assert "hushhush" not in dumped(r) and "***" in r.error


def test_message_required():
    r = notify("slack", {"webhook_url": "http://127.0.0.1:9/x"}, {"channel": "c"})
    assert r.status == "error" and "message is required" in r.error


def test_token_post_message_form_and_ts_result():
    with FakeApi({"POST /api/chat.postMessage": (200, {"ok": True, "ts": "1700000000.000100", "channel": "C1"})}) as api:
        r = notify("slack", {"access_token": TOKEN, "base_url": f"{api.url}/api"},
                   {"message": "hello", "channel": "C1", "blocks": [{"type": "divider"}]})
    assert r.status == "success", r.error
    req = api.requests[0]
    assert req["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert req["form"] == {"channel": "C1", "text": "hello", "blocks": '[{"type": "divider"}]', "token": TOKEN}
    assert r.results["n"] == [{"slack_timestamp": "1700000000.000100"}]
    assert TOKEN not in dumped(r)


def test_token_update_and_thread_reply():
    answers = {"POST /chat.update": (200, {"ok": True, "ts": "1.5"}), "POST /chat.postMessage": (200, {"ok": True, "ts": "2.5"})}
    with FakeApi(answers) as api:
        r1 = notify("slack", {"access_token": TOKEN, "base_url": api.url},
                    {"message": "edit", "channel": "C1", "slack_timestamp": "1.5"})
        r2 = notify("slack", {"access_token": TOKEN, "base_url": api.url},
                    {"message": "reply", "channel": "C1", "thread_timestamp": "1.5"})
    assert r1.status == r2.status == "success"
    assert api.requests[0]["path"] == "/chat.update" and api.requests[0]["form"]["ts"] == "1.5"
    assert api.requests[1]["path"] == "/chat.postMessage" and api.requests[1]["form"]["thread_ts"] == "1.5"
    assert "ts" not in api.requests[1]["form"]
    assert r2.results["n"] == [{"slack_timestamp": "2.5"}]


def test_token_ok_false_fails_even_on_http_200():
    with FakeApi({"*": (200, {"ok": False, "error": "channel_not_found"})}) as api:
        r = notify("slack", {"access_token": TOKEN, "base_url": api.url}, {"message": "m", "channel": "C404"})
    assert r.status == "error" and "channel_not_found" in r.error
    assert TOKEN not in dumped(r)


def test_token_not_authed_retries_with_bearer_header():
    answers = {"POST /chat.postMessage": [(200, {"ok": False, "error": "not_authed"}), (200, {"ok": True, "ts": "9.9"})]}
    with FakeApi(answers) as api:
        r = notify("slack", {"access_token": TOKEN, "base_url": api.url}, {"message": "m", "channel": "C1"})
    assert r.status == "success", r.error
    assert "authorization" not in api.requests[0]["headers"]
    assert api.requests[1]["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert r.results["n"] == [{"slack_timestamp": "9.9"}]


def test_token_needs_channel_and_reaction_needs_token():
    r = notify("slack", {"access_token": TOKEN, "base_url": "http://127.0.0.1:9"}, {"message": "m"})
    assert r.status == "error" and "channel is required" in r.error
    r = notify("slack", {"webhook_url": "http://127.0.0.1:9/x"},
               {"notification_type": "reaction", "message": "eyes", "channel": "C1", "thread_timestamp": "1.1"})
    assert r.status == "error" and "access token is required" in r.error


def test_reaction():
    with FakeApi({"POST /reactions.add": (200, {"ok": True})}) as api:
        r = notify("slack", {"access_token": TOKEN, "base_url": api.url},
                   {"notification_type": "reaction", "message": "white_check_mark", "channel": "C1",
                    "thread_timestamp": "1.1"})
    assert r.status == "success", r.error
    assert api.requests[0]["form"] == {"channel": "C1", "token": TOKEN, "name": "white_check_mark", "timestamp": "1.1"}
    assert r.results["n"] == [{"ok": True}]


def test_no_credentials_and_unknown_parameter_warning():
    r = notify("slack", {}, {"message": "m"})
    assert r.status == "error" and "webhook_url or authentication.access_token" in r.error
    with FakeApi({"*": (200, "ok")}) as api:
        r = notify("slack", {"webhook_url": api.url + "/h"}, {"message": "m", "colour": "red"})
    assert r.status == "success"
    assert any("ignoring unknown parameter(s) colour" in line["message"] for line in r.logs)


def test_a_long_webhook_url_is_redacted_whole_in_errors():
    secret = "Z" * 40 + "9" * 200 + "tail-of-the-secret"
    with FakeApi({"*": (500, "boom")}) as api:
        r = notify("slack", {"webhook_url": f"{api.url}/services/T1/B2/{secret}"}, {"message": "m"})
    assert r.status == "error" and "HTTP 500" in r.error
    out = dumped(r)
    assert "tail-of-the-secret" not in out and "ZZZZZZZZ" not in out and "99999999" not in out


def test_mock_default_still_answers_slack_so_a_dry_run_pages_no_one():
    from keepwf.engine import MockSet

    with FakeApi({"*": (200, "ok")}) as api:
        r = notify("slack", {"webhook_url": api.url + "/h"}, {"message": "m"},
                   mocks=MockSet.from_data({"default": {"result": {"mocked": True}}}))
    assert r.status == "success" and r.results["n"] == [{"mocked": True}]
    assert api.requests == [] and r.calls[0]["provider"] == "slack"
