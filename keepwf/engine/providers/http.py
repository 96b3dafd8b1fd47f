"""``http`` (steps and actions), sent by the one transport (``transport.send``). Result ``{status, status_code, body}``.

Keep's URL blocklist applies (``localhost``, cloud metadata addresses, ``googleapis.com``): use ``127.0.0.1``.
Only ``http://`` and ``https://`` URLs are accepted.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from keepwf.engine.providers.base import Provider, ProviderCall, ProviderError, register
from keepwf.engine.providers.transport import DEFAULT_CONNECT_TIMEOUT, Request, check_url, fail, send

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD")


def _headers(h: Any) -> dict[str, str]:
    if h in (None, ""):
        return {}
    if isinstance(h, str):
        try:
            h = json.loads(h)
        except ValueError:
            raise ProviderError("http: headers must be a mapping or a JSON object") from None
    if isinstance(h, list):  # webhook style [{key, value}]
        h = {str(x.get("key")): x.get("value") for x in h if isinstance(x, dict)}
    if not isinstance(h, dict):
        raise ProviderError("http: headers must be a mapping or a JSON object")
    return {str(k): str(v) for k, v in h.items()}


def request(url: Any, method: Any = "GET", headers: Any = None, body: Any = None, params: Any = None,
            verify: Any = True, fail_on_error: Any = True, timeout: float = 30.0, who: str = "http") -> dict:
    if not isinstance(url, str) or not url.strip():
        raise ProviderError(f"{who}: url is empty")
    url = url.strip()
    check_url(url, who)
    method = str(method or "GET").upper()
    if method not in METHODS:
        raise ProviderError(f"{who}: unsupported method {method!r} (use one of {', '.join(METHODS)})")
    hdrs = _headers(headers)
    if isinstance(params, dict) and params:
        sep = "&" if urllib.parse.urlsplit(url).query else "?"
        url = url + sep + urllib.parse.urlencode({k: v for k, v in params.items()}, doseq=True)
    data = None
    if body not in (None, "", {}) and method != "GET":
        if isinstance(body, (dict, list)):
            data = json.dumps(body, default=str).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
        else:
            data = str(body).encode("utf-8")
    req = Request(method, url, hdrs, data, timeout=timeout, connect_timeout=min(timeout, DEFAULT_CONNECT_TIMEOUT),
                  verify=verify not in (False, "false", "False"))
    resp = send(req, who)
    code = resp.status
    ok = 200 <= code < 400
    if not ok and fail_on_error not in (False, "false", "False"):
        raise fail(who, req, resp)
    return {"status": ok, "status_code": code, "body": resp.parsed()}


@register
class HttpProvider(Provider):
    type = "http"

    def query(self, call: ProviderCall) -> Any:
        p = call.params
        opts = call.options
        try:
            timeout = float(p.get("timeout", getattr(opts, "http_timeout", 30.0)))
        except (TypeError, ValueError):
            raise ProviderError(f"http: timeout must be a number of seconds, got {p.get('timeout')!r}") from None
        if "method" not in p:
            raise ProviderError("http: with.method is required (GET, POST, PUT or DELETE)")
        return request(p.get("url"), p.get("method"), p.get("headers"), p.get("body"), p.get("params"),
                       p.get("verify", True), p.get("fail_on_error", True), timeout)
