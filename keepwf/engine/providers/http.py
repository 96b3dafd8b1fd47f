"""``http`` (steps and actions) with urllib from the standard library. Result ``{status, status_code, body}``.

Keep's URL blocklist applies (``localhost``, cloud metadata addresses, ``googleapis.com``): use ``127.0.0.1``.
Only ``http://`` and ``https://`` URLs are accepted.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from keepwf.engine.providers.base import Provider, ProviderCall, ProviderError, register

BLOCKED = ("localhost", "169.254.169.254", "metadata.internal", "metadata.google.internal", "googleapis.com")
MAX_BODY = 10 * 1024 * 1024
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
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise ProviderError(f"{who}: only http:// and https:// URLs are allowed, got {url[:80]!r}")
    low = url.lower()
    for bad in BLOCKED:
        if bad in low:
            raise ProviderError(f"{who}: URL contains {bad!r}, which Keep blocks (use 127.0.0.1 for a local server)")
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
    import ssl
    from urllib import error as url_error
    from urllib import request as url_request

    req = url_request.Request(url, data=data, headers=hdrs, method=method)
    ctx = None
    if scheme == "https" and verify in (False, "false", "False"):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    opener = url_request.build_opener(url_request.HTTPSHandler(context=ctx), _redirect_guard())
    try:
        resp = opener.open(req, timeout=timeout)
        code = resp.status
        raw = resp.read(MAX_BODY)
    except url_error.HTTPError as e:
        code = e.code
        raw = e.read(MAX_BODY) if e.fp else b""
    except url_error.URLError as e:
        raise ProviderError(f"{who}: {method} {url[:200]} failed: {e.reason}") from None
    except (TimeoutError, OSError) as e:
        raise ProviderError(f"{who}: {method} {url[:200]} failed: {e}") from None
    text = raw.decode("utf-8", "replace")
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        parsed = text
    ok = 200 <= code < 400
    if not ok and fail_on_error not in (False, "false", "False"):
        raise ProviderError(f"{who}: {method} {url[:200]} returned HTTP {code}: {text[:300]}")
    return {"status": ok, "status_code": code, "body": parsed}


def _redirect_guard():
    from urllib import request as url_request

    class _NoRedirectToBlocked(url_request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            low = newurl.lower()
            if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https") or any(b in low for b in BLOCKED):
                raise ProviderError(f"redirect to a blocked URL refused: {newurl[:120]}")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return _NoRedirectToBlocked()


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
