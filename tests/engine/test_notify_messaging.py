"""telegram, ntfy and sendgrid against loopback peers that answer like the Bot API, ntfy and SendGrid."""

from __future__ import annotations

import base64

from tests.engine.fakeapi import FakeApi
from tests.engine.notify_helpers import dumped, notify

BOT = "123456789:AAE-s3cretBotTokenValue"
SENT = {"ok": True, "result": {"message_id": 42, "chat": {"id": -100}, "text": "x"}}


def test_telegram_send_message_and_token_redacted_from_url():
    with FakeApi({f"POST /bot{BOT}/sendMessage": (200, SENT)}) as api:
        r = notify("telegram", {"bot_token": BOT, "base_url": api.url},
                   {"chat_id": "-1001234567890", "message": "{{ alert.name }}", "topic_id": "1234",
                    "reply_markup": {"Docs": {"url": "https://docs.example.com"}, "Ack": {"callback_data": "ack"}}})
    assert r.status == "success", r.error
    assert api.requests[0]["json"] == {"chat_id": "-1001234567890", "message_thread_id": "1234",
                                       "reply_markup": {"inline_keyboard": [[
                                           {"text": "Docs", "url": "https://docs.example.com"},
                                           {"text": "Ack", "callback_data": "ack"}]]}, "text": "cpu high"}
    assert r.results["n"] == [SENT["result"]]
    assert BOT not in dumped(r)


def test_telegram_markdown_escaping_html_vertical_keyboard_and_photo():
    with FakeApi({"*": (200, SENT)}) as api:
        notify("telegram", {"bot_token": BOT, "base_url": api.url},
               {"chat_id": 1, "message": "*v1.2* - done! (x=1) \\.", "parse_mode": "markdown"})
        notify("telegram", {"bot_token": BOT, "base_url": api.url},
               {"chat_id": 1, "message": "<b>x</b>", "parse_mode": "html",
                "reply_markup": {"A": {"url": "https://a"}, "B": {"url": "https://b"}}, "reply_markup_layout": "vertical"})
        notify("telegram", {"bot_token": BOT, "base_url": api.url},
               {"chat_id": 1, "message": "cap", "image_url": "https://img.example.com/x.png"})
    assert api.requests[0]["json"] == {"chat_id": 1, "parse_mode": "MarkdownV2", "text": "*v1\\.2* \\- done\\! (x\\=1) \\."}
    assert api.requests[1]["json"]["parse_mode"] == "HTML"
    assert api.requests[1]["json"]["reply_markup"] == {"inline_keyboard": [[{"text": "A", "url": "https://a"}],
                                                                          [{"text": "B", "url": "https://b"}]]}
    assert api.requests[2]["path"].endswith("/sendPhoto")
    assert api.requests[2]["json"] == {"chat_id": 1, "photo": "https://img.example.com/x.png", "caption": "cap"}


def test_telegram_errors():
    with FakeApi({"*": (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})}) as api:
        r = notify("telegram", {"bot_token": BOT, "base_url": api.url}, {"chat_id": 5, "message": "m"})
    assert r.status == "error" and "chat not found" in r.error
    assert BOT not in dumped(r) and "/bot***/sendMessage" in r.error
    r = notify("telegram", {"bot_token": BOT}, {"message": "m"})
    assert r.status == "error" and "chat_id is required" in r.error


def test_ntfy_self_hosted_basic_auth_raw_body():
    answer = {"id": "abc", "time": 1, "event": "message", "topic": "ops", "message": "disk full"}
    with FakeApi({"POST /ops": (200, answer)}) as api:
        r = notify("ntfy", {"host": api.url, "username": "u", "password": "ntfyPa55word"},
                   {"message": "disk full", "topic": "ops"})
    assert r.status == "success", r.error
    req = api.requests[0]
    assert req["raw"] == b"disk full"
    assert req["headers"]["authorization"] == "Basic " + base64.b64encode(b"u:ntfyPa55word").decode()
    assert r.results["n"] == [answer]
    assert "ntfyPa55word" not in dumped(r)


def test_ntfy_token_unauthorized_and_required_fields():
    with FakeApi({"*": (401, {"code": 40101, "http": 401, "error": "unauthorized"})}) as api:
        r = notify("ntfy", {"host": api.url + "/", "access_token": "tk_ntfyt0ken"}, {"message": "m", "topic": "t"})
    assert r.status == "error" and "Unauthorized" in r.error
    assert api.requests[0]["headers"]["authorization"] == "Bearer tk_ntfyt0ken"
    r = notify("ntfy", {"access_token": "tk_x"}, {"message": "m"})
    assert r.status == "error" and "message and topic are required" in r.error


def test_sendgrid_mail_send():
    with FakeApi({"POST /v3/mail/send": (202, "")}) as api:
        r = notify("sendgrid", {"api_key": "SG.s3cret-key", "from_email": "keep@example.com", "base_url": api.url},
                   {"to": ["a@example.com", "b@example.com"], "subject": "S", "html": "<b>{{ alert.name }}</b>"})
    assert r.status == "success", r.error
    req = api.requests[0]
    assert req["headers"]["authorization"] == "Bearer SG.s3cret-key"
    assert req["json"] == {"personalizations": [{"to": [{"email": "a@example.com"}, {"email": "b@example.com"}]}],
                           "from": {"email": "keep@example.com"}, "subject": "S",
                           "content": [{"type": "text/html", "value": "<b>cpu high</b>"}]}
    assert r.results["n"] == [{"status": "success"}]
    assert "SG.s3cret-key" not in dumped(r)


def test_sendgrid_errors():
    with FakeApi({"*": (401, {"errors": [{"message": "The provided authorization grant is invalid"}]})}) as api:
        r = notify("sendgrid", {"api_key": "SG.bad", "from_email": "k@example.com", "base_url": api.url},
                   {"to": "a@example.com", "subject": "S", "message": "m"})
    assert r.status == "error" and "authorization grant is invalid" in r.error
    assert api.requests[0]["json"]["content"] == [{"type": "text/plain", "value": "m"}]
    r = notify("sendgrid", {"api_key": "SG.x", "from_email": "k@example.com"}, {"to": "a@example.com"})
    assert r.status == "error" and "to, subject and message (or html) are required" in r.error
