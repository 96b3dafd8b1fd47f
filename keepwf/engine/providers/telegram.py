"""``telegram``: the Bot API (``https://api.telegram.org/bot<bot_token>/…``) with JSON bodies.

``sendMessage`` ``{chat_id, text}``, or ``sendPhoto`` ``{chat_id, photo: image_url, caption: message}`` when
``image_url`` is given; ``topic_id`` → ``message_thread_id``; ``parse_mode: markdown`` → ``MarkdownV2`` (the
characters MarkdownV2 reserves but does not use for formatting — ``> # + - = { } . !`` — are escaped, so plain
text such as ``v1.2 - done!`` is accepted), ``html`` → ``HTML``; ``reply_markup`` ``{button text: {url: …}}`` →
an inline keyboard, one row (``reply_markup_layout: horizontal``, the default) or one button per row
(``vertical``). Success is a 2xx and ``ok: true``; the result is the sent message (Telegram's ``result``).
The token is part of every URL: keepwf redacts it from errors and logs.
"""

from __future__ import annotations

import re
from typing import Any

from keepwf.engine.providers.api import Api, ApiProvider, json_param
from keepwf.engine.providers.base import ProviderError, register

API_URL = "https://api.telegram.org"
_RESERVED = re.compile(r"(?<!\\)([>#+\-={}.!])")
PARSE_MODES = {"markdown": "MarkdownV2", "markdownv2": "MarkdownV2", "html": "HTML"}


def escape_markdown_v2(text: str) -> str:
    return _RESERVED.sub(r"\\\1", text)


def keyboard(markup: Any, layout: str) -> dict:
    markup = json_param(markup, "telegram", "reply_markup")
    if not isinstance(markup, dict):
        raise ProviderError("telegram: reply_markup must be a mapping of button text to {url: …} or {callback_data: …}")
    buttons = []
    for text, spec in markup.items():
        button = {"text": str(text)}
        button.update(spec if isinstance(spec, dict) else {"url": str(spec)})
        buttons.append(button)
    rows = [[b] for b in buttons] if layout == "vertical" else [buttons]
    return {"inline_keyboard": rows}


def build(api: Api) -> tuple[str, dict]:
    chat_id = api.p("chat_id")
    if chat_id in (None, ""):
        raise ProviderError("telegram: chat_id is required")
    message = str(api.p("message", ""))
    mode = api.p("parse_mode")
    body: dict[str, Any] = {"chat_id": chat_id}
    if mode:
        wire_mode = PARSE_MODES.get(str(mode).lower())
        if wire_mode is None:
            raise ProviderError(f"telegram: parse_mode {mode!r} is not markdown or html")
        body["parse_mode"] = wire_mode
        if wire_mode == "MarkdownV2":
            message = escape_markdown_v2(message)
    if api.p("topic_id"):
        body["message_thread_id"] = api.p("topic_id")
    if api.p("reply_markup"):
        body["reply_markup"] = keyboard(api.p("reply_markup"), str(api.p("reply_markup_layout", "horizontal")))
    if api.p("image_url"):
        body["photo"] = api.p("image_url")
        if message:
            body["caption"] = message
        return "sendPhoto", body
    if not message:
        raise ProviderError("telegram: message is required (or image_url)")
    body["text"] = message
    return "sendMessage", body


def _ok(resp) -> bool:
    body = resp.json()
    return resp.ok and isinstance(body, dict) and body.get("ok") is True


@register
class TelegramProvider(ApiProvider):
    type = "telegram"
    known = frozenset({"chat_id", "message", "topic_id", "parse_mode", "reply_markup", "reply_markup_layout",
                       "image_url"})

    def send(self, call, api: Api) -> Any:
        api.need("bot_token")
        method, body = build(api)
        url = f"{api.base(API_URL)}/bot{api.auth['bot_token']}/{method}"
        req, resp = api.request("POST", url, json_data=body)
        answer = resp.json()
        desc = answer.get("description") if isinstance(answer, dict) else None
        api.ok(req, resp, _ok, f"failed ({desc or f'HTTP {resp.status}'})")
        return answer.get("result")
