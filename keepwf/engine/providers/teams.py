"""``teams``: a Microsoft Teams incoming webhook (``webhook_url``), as Keep sends it.

``typeCard: message`` (the default) posts the Adaptive Card envelope ``{"type": "message", "attachments": [...]}``
(``attachments`` as given, else one card whose body is ``sections`` or a TextBlock with ``message``); any other
``typeCard`` posts a legacy MessageCard ``{"@type", "themeColor", "text", "sections"}``. ``mentions``
``[{id, name}]`` add Teams' ``msteams.entities`` (write ``<at>name</at>`` in the text). ``sections``,
``attachments`` and ``mentions`` may be JSON text. Success is any 2xx; the result is the answer's JSON (Keep's ``response.json()``),
or ``{"status_code": N, "text": "…"}`` when the answer is not JSON (Teams answers ``1``).
"""

from __future__ import annotations

from typing import Any

from keepwf.engine.providers.api import Api, ApiProvider, json_param
from keepwf.engine.providers.base import register

ADAPTIVE_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def build_payload(api: Api) -> dict:
    message = api.p("message", "")
    sections = json_param(api.p("sections", []), "teams", "sections")
    attachments = json_param(api.p("attachments", []), "teams", "attachments")
    type_card = api.p("typeCard", "message")
    if type_card == "message":
        card = {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
                "content": {"$schema": api.p("schema", ADAPTIVE_SCHEMA), "type": "AdaptiveCard", "version": "1.2",
                            "body": sections or [{"type": "TextBlock", "text": message}]}}
        mentions = json_param(api.p("mentions"), "teams", "mentions")
        if mentions and not attachments:
            card["content"]["msteams"] = {"entities": [
                {"type": "mention", "text": f"<at>{m.get('name')}</at>", "mentioned": {"id": m.get("id"), "name": m.get("name")}}
                for m in mentions if isinstance(m, dict)]}
        return {"type": "message", "attachments": attachments or [card]}
    return {"@type": type_card, "themeColor": api.p("themeColor"), "text": message, "sections": sections}


@register
class TeamsProvider(ApiProvider):
    type = "teams"
    known = frozenset({"message", "typeCard", "themeColor", "sections", "schema", "attachments", "mentions"})

    def send(self, call, api: Api) -> Any:
        api.need("webhook_url")
        req, resp = api.request("POST", str(api.auth["webhook_url"]), json_data=build_payload(api))
        api.ok(req, resp)
        body = resp.json()
        return body if body is not None else {"status_code": resp.status, "text": resp.text}
