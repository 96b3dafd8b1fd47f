"""teams and discord against loopback peers that answer like the real webhooks."""

from __future__ import annotations

from tests.engine.fakeapi import FakeApi
from tests.engine.notify_helpers import dumped, notify

TEAMS_PATH = "/webhookb2/abc@def/IncomingWebhook/0123456789abcdef/sekrit-guid"


def test_teams_adaptive_card_envelope_by_default():
    with FakeApi({f"POST {TEAMS_PATH}": (200, "1")}) as api:
        r = notify("teams", {"webhook_url": api.url + TEAMS_PATH}, {"message": "CPU on {{ alert.name }}"})
    assert r.status == "success", r.error
    assert api.requests[0]["json"] == {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
        "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                    "version": "1.2", "body": [{"type": "TextBlock", "text": "CPU on cpu high"}]}}]}
    assert r.results["n"] == [1]  # Teams answers "1"; Keep returns response.json()
    assert "sekrit-guid" not in dumped(r)


def test_teams_sections_as_json_text_become_the_card_body():
    with FakeApi({"*": (200, "1")}) as api:
        r = notify("teams", {"webhook_url": api.url + "/h"},
                   {"sections": '[{"type": "TextBlock", "text": "a"}, {"type": "TextBlock", "text": "b"}]'})
    assert r.status == "success", r.error
    assert api.requests[0]["json"]["attachments"][0]["content"]["body"] == [
        {"type": "TextBlock", "text": "a"}, {"type": "TextBlock", "text": "b"}]


def test_teams_legacy_message_card_and_empty_answer():
    with FakeApi({"*": (202, "")}) as api:
        r = notify("teams", {"webhook_url": api.url + "/h"},
                   {"typeCard": "MessageCard", "themeColor": "FF0000", "message": "down",
                    "sections": [{"activityTitle": "x"}]})
    assert r.status == "success", r.error
    assert api.requests[0]["json"] == {"@type": "MessageCard", "themeColor": "FF0000", "text": "down",
                                       "sections": [{"activityTitle": "x"}]}
    assert r.results["n"] == [{"status_code": 202, "text": ""}]


def test_teams_failure_and_missing_config():
    with FakeApi({"*": (400, "Bad payload received by generic incoming webhook.")}) as api:
        r = notify("teams", {"webhook_url": api.url + TEAMS_PATH}, {"message": "m"})
    assert r.status == "error" and "HTTP 400" in r.error and "Bad payload" in r.error
    assert "sekrit-guid" not in dumped(r)
    r = notify("teams", {}, {"message": "m"})
    assert r.status == "error" and "authentication.webhook_url" in r.error


DISCORD_PATH = "/api/webhooks/123456/tOkEnPaRt-xyz"


def test_discord_204_and_result():
    with FakeApi({f"POST {DISCORD_PATH}": (204, "")}) as api:
        r = notify("discord", {"webhook_url": api.url + DISCORD_PATH},
                   {"message": "**{{ alert.name }}**", "embeds": [{"title": "t"}], "username": "keep"})
    assert r.status == "success", r.error
    assert api.requests[0]["json"] == {"content": "**cpu high**", "embeds": [{"title": "t"}], "username": "keep"}
    assert r.results["n"] == [{"status_code": 204, "success": True}]
    assert "tOkEnPaRt" not in dumped(r)


def test_discord_keeps_older_content_components_shape():
    comps = [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Click", "custom_id": "b"}]}]
    with FakeApi({"*": (204, "")}) as api:
        r = notify("discord", {"webhook_url": api.url + DISCORD_PATH}, {"content": "Alerta!", "components": comps})
    assert r.status == "success", r.error
    assert api.requests[0]["json"] == {"content": "Alerta!", "components": comps}


def test_discord_errors():
    with FakeApi({"*": (400, {"message": "Cannot send an empty message", "code": 50006})}) as api:
        r = notify("discord", {"webhook_url": api.url + DISCORD_PATH}, {"message": "x"})
    assert r.status == "error" and "HTTP 400" in r.error and "50006" in r.error
    assert "tOkEnPaRt" not in dumped(r)
    r = notify("discord", {"webhook_url": "http://127.0.0.1:9/x"}, {"username": "u"})
    assert r.status == "error" and "message (or content), embeds or components is required" in r.error


def test_rate_limit_retry_after_is_honoured_within_the_retry_budget():
    slept = []
    answers = {"*": [(429, {"message": "You are being rate limited.", "retry_after": 2.5}, {"Retry-After": "2.5"}),
                     (204, "")]}
    with FakeApi(answers) as api:
        r = notify("discord", {"webhook_url": api.url + DISCORD_PATH}, {"message": "x"},
                   retry={"count": 1, "interval": 1}, sleep=slept.append)
    assert r.status == "success", r.error
    assert slept == [2.5] and len(api.requests) == 2
    # without a retry budget there is no hidden retry: one request, the 429 is the error
    with FakeApi({"*": (429, {"message": "rate limited"}, {"Retry-After": "7"})}) as api:
        r = notify("discord", {"webhook_url": api.url + DISCORD_PATH}, {"message": "x"}, sleep=slept.append)
    assert r.status == "error" and "HTTP 429" in r.error and len(api.requests) == 1 and slept == [2.5]


def test_server_errors_retry_then_fail_clearly():
    with FakeApi({"*": (503, "upstream down")}) as api:
        r = notify("teams", {"webhook_url": api.url + "/h"}, {"message": "m"}, retry={"count": 2, "interval": 0})
    assert r.status == "error" and "HTTP 503" in r.error and len(api.requests) == 3


def test_hanging_server_times_out():
    with FakeApi({"*": (204, "")}) as api:
        api.hang = 2.0
        r = notify("discord", {"webhook_url": api.url + DISCORD_PATH, "timeout": 0.3}, {"message": "x"})
    assert r.status == "error" and "timed out" in r.error and "timeout 0.3s" in r.error


def test_connection_refused_is_a_clear_error():
    r = notify("discord", {"webhook_url": "http://127.0.0.1:9/api/webhooks/1/secretpart"}, {"message": "x"})
    assert r.status == "error" and "failed" in r.error and "secretpart" not in dumped(r)


def test_teams_mentions_become_msteams_entities():
    with FakeApi({"*": (200, "1")}) as api:
        r = notify("teams", {"webhook_url": api.url + "/h"},
                   {"sections": '[{"type": "TextBlock", "text": "Hi <at>John Doe</at>"}]',
                    "mentions": '[{"id": "john@example.com", "name": "John Doe"}]'})
    assert r.status == "success", r.error
    assert api.requests[0]["json"]["attachments"][0]["content"]["msteams"] == {"entities": [
        {"type": "mention", "text": "<at>John Doe</at>", "mentioned": {"id": "john@example.com", "name": "John Doe"}}]}
