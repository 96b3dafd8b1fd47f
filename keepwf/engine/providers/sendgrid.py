"""``sendgrid``: ``POST /v3/mail/send`` with ``Authorization: Bearer <api_key>`` and ``from_email`` from the config.

Parameters: ``to`` (an address or a list), ``subject``, and ``message`` (text/plain) and/or ``html`` (text/html);
Keep's examples use both forms. SendGrid answers 202; any 2xx succeeds; result ``{"status": "success"}`` as Keep.
"""

from __future__ import annotations

from typing import Any

from keepwf.engine.providers.api import Api, ApiProvider, as_list
from keepwf.engine.providers.base import ProviderError, register

API_URL = "https://api.sendgrid.com"


def build_mail(api: Api) -> dict:
    to = [str(x).strip() for x in as_list(api.p("to")) if str(x).strip()]
    subject, message, html = api.p("subject", ""), api.p("message", ""), api.p("html", "")
    if not to or not subject or not (message or html):
        raise ProviderError("sendgrid: to, subject and message (or html) are required")
    content = []
    if message:
        content.append({"type": "text/plain", "value": str(message)})
    if html:
        content.append({"type": "text/html", "value": str(html)})
    return {"personalizations": [{"to": [{"email": e} for e in to]}], "from": {"email": api.auth.get("from_email")},
            "subject": subject, "content": content}


@register
class SendgridProvider(ApiProvider):
    type = "sendgrid"
    known = frozenset({"to", "subject", "message", "html"})

    def send(self, call, api: Api) -> Any:
        api.need("api_key", "from_email")
        req, resp = api.request("POST", f"{api.base(API_URL)}/v3/mail/send", json_data=build_mail(api),
                                headers={"Authorization": f"Bearer {api.auth['api_key']}"})
        api.ok(req, resp)
        return {"status": "success"}
