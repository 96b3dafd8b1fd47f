"""``http`` (steps and actions) with urllib from the standard library. Result ``{status, status_code, body}``.

Where it may connect is ``netpolicy``'s decision (link-local/metadata never; loopback/private only with
``[engine] allow_private_network``; Keep's blocked names; every redirect hop and DNS answer checked).
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from keepwf.engine.netpolicy import MAX_BODY, NetPolicy, send
from keepwf.engine.providers.base import Provider, ProviderCall, ProviderError, register
from keepwf.workflow.datafile import escape_surrogates

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
            verify: Any = True, fail_on_error: Any = True, timeout: float = 30.0, who: str = "http",
            options: Any = None) -> dict:
    """One request under the run's network policy (``netpolicy.send``); ``options`` is the run's RunOptions."""
    if not isinstance(url, str) or not url.strip():
        raise ProviderError(f"{who}: url is empty")
    url = url.strip()
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
    resp = send(method, url, policy=NetPolicy.of(options), headers=hdrs, data=data, timeout=timeout,
                verify=verify not in (False, "false", "False"), max_body=MAX_BODY, who=who)
    code = resp.status
    text = resp.body.decode("utf-8", "replace")
    try:
        parsed: Any = escape_surrogates(json.loads(text))  # "\\ud800" in a body stays text, never a lone surrogate
    except (ValueError, RecursionError):
        parsed = text
    ok = 200 <= code < 400
    if not ok and fail_on_error not in (False, "false", "False"):
        raise ProviderError(f"{who}: {method} {url} returned HTTP {code}: {text[:65536]}")
    return {"status": ok, "status_code": code, "body": parsed}


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
                       p.get("verify", True), p.get("fail_on_error", True), timeout, options=opts)
