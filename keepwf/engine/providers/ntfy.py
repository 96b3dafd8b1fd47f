"""``ntfy``: publish ``message`` to ``topic`` on ntfy.sh or a self-hosted server (``host``), as Keep does.

``POST <host>/<topic>`` with the message as the raw body and ``Authorization: Bearer <access_token>`` or Basic
``username:password``. Success is a 2xx (401 says "Unauthorized"); the result is ntfy's JSON answer (the message:
``{id, time, event, topic, message, …}``). Keep refuses a ``host`` without username and password; keepwf also
publishes anonymously to a self-hosted server that allows it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from keepwf.engine.providers.api import Api, ApiProvider
from keepwf.engine.providers.base import ProviderError, basic_authorization, register

NTFY_URL = "https://ntfy.sh/"


@register
class NtfyProvider(ApiProvider):
    type = "ntfy"
    known = frozenset({"message", "topic"})

    def send(self, call, api: Api) -> Any:
        auth = api.auth
        if not auth.get("access_token") and not auth.get("host"):
            raise ProviderError("ntfy: the provider config needs authentication.access_token (ntfy.sh) or "
                                "authentication.host (self-hosted) (docs/providers.md#ntfy)")
        message, topic = api.p("message", ""), api.p("topic", "")
        if not message or not topic:
            raise ProviderError("ntfy: message and topic are required")
        base = str(auth.get("host") or NTFY_URL)
        url = urljoin(base if base.endswith("/") else base + "/", str(topic))
        headers = {}
        if auth.get("access_token"):
            headers["Authorization"] = f"Bearer {auth['access_token']}"
        elif auth.get("username") or auth.get("password"):
            headers["Authorization"] = basic_authorization(auth.get("username"), auth.get("password"))
        req, resp = api.request("POST", url, data=str(message), headers=headers)
        api.ok(req, resp, what="Unauthorized" if resp.status == 401 else None)
        body = resp.json()
        return body if body is not None else {"status_code": resp.status, "text": resp.text}
