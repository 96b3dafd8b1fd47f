"""``discord``: a Discord webhook (``webhook_url``).

Keep's provider has had two shapes and workflows use both: ``message``/``embeds``/``username``/``avatar_url`` and
the older ``content``/``components``. keepwf reads both: ``content`` (or ``message``) becomes ``content``; ``embeds``,
``components``, ``username``, ``avatar_url`` pass through. One of content/embeds/components is required. Discord
answers 204 (or 200 with the message for ``?wait=true``); any 2xx succeeds, as in Keep. Result
``{"status_code": N, "success": true}``.
"""

from __future__ import annotations

from typing import Any

from keepwf.engine.providers.api import Api, ApiProvider, json_param
from keepwf.engine.providers.base import ProviderError, register


def build_payload(api: Api) -> dict:
    content = api.p("message") or api.p("content") or ""
    embeds = json_param(api.p("embeds"), "discord", "embeds")
    components = json_param(api.p("components"), "discord", "components")
    if not content and not embeds and not components:
        raise ProviderError("discord: message (or content), embeds or components is required")
    payload: dict[str, Any] = {}
    if content:
        payload["content"] = content
    for key, value in (("embeds", embeds), ("components", components), ("username", api.p("username")),
                       ("avatar_url", api.p("avatar_url"))):
        if value:
            payload[key] = value
    return payload


@register
class DiscordProvider(ApiProvider):
    type = "discord"
    known = frozenset({"message", "content", "embeds", "components", "username", "avatar_url"})

    def send(self, call, api: Api) -> Any:
        api.need("webhook_url")
        req, resp = api.request("POST", str(api.auth["webhook_url"]), json_data=build_payload(api))
        api.ok(req, resp)
        return {"status_code": resp.status, "success": True}
