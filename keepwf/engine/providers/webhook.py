"""``webhook``: the URL and credentials come from the provider config (``authentication``); action → ``None``."""

from __future__ import annotations

from typing import Any

from keepwf.engine.providers.base import Provider, ProviderCall, ProviderError, basic_authorization, register
from keepwf.engine.providers.http import _headers, request

TIMEOUT = 10.0


def _auth_headers(auth: dict) -> dict[str, str]:
    hdrs = _headers(auth.get("headers"))
    user = auth.get("http_basic_authentication_username")
    pw = auth.get("http_basic_authentication_password")
    if user:
        hdrs["Authorization"] = basic_authorization(user, pw)
    if auth.get("api_key"):
        hdrs["Authorization"] = f"Bearer {auth['api_key']}"
    return hdrs


@register
class WebhookProvider(Provider):
    type = "webhook"

    def _auth(self, call: ProviderCall) -> dict:
        auth = (call.config or {}).get("authentication") or {}
        if not auth.get("url"):
            raise ProviderError("webhook: the provider config needs authentication.url (providers.yaml, the document's "
                                "providers:, KEEP_PROVIDERS or KEEP_PROVIDER_<NAME>)")
        return auth

    def query(self, call: ProviderCall) -> Any:
        auth = self._auth(call)
        p = call.params
        hdrs = _auth_headers(auth)
        hdrs.update(_headers(p.get("headers")))
        return request(p.get("url") or auth["url"], p.get("method") or auth.get("method", "POST"), hdrs,
                       p.get("body"), p.get("params"), auth.get("verify", True), p.get("fail_on_error", True),
                       TIMEOUT, who="webhook", options=call.options)

    def notify(self, call: ProviderCall) -> Any:
        auth = self._auth(call)
        p = call.params
        request(auth["url"], auth.get("method", "POST"), _auth_headers(auth), p.get("body"), p.get("params"),
                auth.get("verify", True), True, TIMEOUT, who="webhook", options=call.options)
        return None
