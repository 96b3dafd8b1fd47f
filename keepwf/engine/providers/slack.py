"""``slack``: an incoming webhook (``webhook_url``) or the Web API with a bot token (``access_token``), as Keep sends.

Webhook: JSON ``{channel, text, blocks, username}`` (``blocks`` as JSON text, as Keep sends it), or, with
``attachments``, a form field ``payload`` holding that JSON; success is any 2xx; result ``{"slack_timestamp": <now>}``.
Token: ``chat.postMessage`` (``thread_ts`` when ``thread_timestamp`` is given) or ``chat.update`` (``ts`` when
``slack_timestamp`` is given), form-encoded with the token in the body; on ``not_authed`` Keep sends again with an
``Authorization: Bearer`` header. Success is a 2xx *and* ``ok: true``; result ``{"slack_timestamp": <ts>}``.
``notification_type: reaction`` adds ``message`` as an emoji to ``thread_timestamp`` (``reactions.add``).
"""

from __future__ import annotations

import json
from typing import Any

from keepwf.engine.providers.api import Api, ApiProvider
from keepwf.engine.providers.base import ProviderError, register

SLACK_API = "https://slack.com/api"


def _as_text(v: Any) -> Any:
    return json.dumps(v) if isinstance(v, (dict, list)) else v


def build_payload(api: Api) -> dict:
    message, blocks, attachments = api.p("message", ""), api.p("blocks", []), api.p("attachments", [])
    if not message and not blocks and not attachments:
        raise ProviderError("slack: message is required (or blocks or attachments)")
    payload: dict[str, Any] = {"channel": api.p("channel", "")}
    if message:
        payload["text"] = message
    if blocks:
        payload["blocks"] = _as_text(blocks)
    if attachments:
        payload["attachments"] = attachments
    if api.p("username"):
        payload["username"] = api.p("username")
    return payload


def _web_api_ok(resp) -> bool:
    body = resp.json()
    return resp.ok and isinstance(body, dict) and body.get("ok") is True


@register
class SlackProvider(ApiProvider):
    type = "slack"
    known = frozenset({"message", "blocks", "channel", "slack_timestamp", "thread_timestamp", "attachments",
                       "username", "notification_type"})

    def send(self, call, api: Api) -> Any:
        if not api.auth.get("webhook_url") and not api.auth.get("access_token"):
            raise ProviderError("slack: the provider config needs authentication.webhook_url or "
                                "authentication.access_token (docs/providers.md#slack)")
        if api.p("notification_type", "message") == "reaction":
            return self._reaction(api)
        payload = build_payload(api)
        if api.auth.get("webhook_url"):
            return self._webhook(api, payload)
        return self._web_api(api, payload)

    def _webhook(self, api: Api, payload: dict) -> dict:
        url = str(api.auth["webhook_url"])
        if payload.get("attachments"):
            req, resp = api.request("POST", url, form={"payload": json.dumps(payload)})
        else:
            req, resp = api.request("POST", url, json_data=payload)
        api.ok(req, resp)
        return {"slack_timestamp": int(api.now().timestamp())}

    def _web_api(self, api: Api, payload: dict) -> dict:
        if not payload.get("channel"):
            raise ProviderError("slack: channel is required with an access token (e.g. C12345)")
        token = str(api.auth["access_token"])
        ts, thread = api.p("slack_timestamp", ""), api.p("thread_timestamp", "")
        method = "chat.postMessage"
        if ts:
            payload["ts"], method = ts, "chat.update"
        elif thread:
            payload["thread_ts"] = thread
        url = f"{api.base(SLACK_API)}/{method}"
        payload["token"] = token
        req, resp = self._post_form(api, url, payload, None)
        body = resp.json()
        if isinstance(body, dict) and body.get("error") == "not_authed":
            api.call.log("warning", "slack: not authenticated, trying again with a Bearer token")
            req, resp = self._post_form(api, url, payload, {"Authorization": f"Bearer {token}"})
            body = resp.json()
        err = body.get("error") if isinstance(body, dict) else None
        api.ok(req, resp, _web_api_ok, f"failed ({err or f'HTTP {resp.status}'})")
        return {"slack_timestamp": body.get("ts")}

    @staticmethod
    def _post_form(api: Api, url: str, payload: dict, headers: dict | None):
        if payload.get("attachments"):
            return api.request("POST", url, form={"payload": json.dumps(payload)}, headers=headers)
        return api.request("POST", url, form={k: _as_text(v) for k, v in payload.items()}, headers=headers)

    def _reaction(self, api: Api) -> Any:
        if not api.auth.get("access_token"):
            raise ProviderError("slack: an access token is required to add a reaction (authentication.access_token)")
        form = {"channel": api.p("channel", ""), "token": str(api.auth["access_token"]), "name": api.p("message", ""),
                "timestamp": api.p("thread_timestamp", "")}
        req, resp = api.request("POST", f"{api.base(SLACK_API)}/reactions.add", form=form)
        body = resp.json()
        err = body.get("error") if isinstance(body, dict) else None
        api.ok(req, resp, _web_api_ok, f"failed ({err or f'HTTP {resp.status}'})")
        return body
