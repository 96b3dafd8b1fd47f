"""How the HTTP query providers (prometheus, victoriametrics, grafana, elastic, clickhouse) reach their server: through
keepwf's one HTTP transport (``http.request``: scheme check, blocked hosts, redirects, size limit, timeout), with the
provider's credentials as a header (never in the URL, so never in an error message), and the answer read as Keep reads
it. Failures name the provider and carry the server's own message."""

from __future__ import annotations

from typing import Any

from keepwf.engine.providers.base import ProviderError, basic_authorization
from keepwf.engine.providers.http import request


def basic_auth(username: Any, password: Any) -> dict[str, str]:
    return {"Authorization": basic_authorization(username, password)}


def base_url(value: Any, who: str, field: str) -> str:
    url = str(value or "").strip().rstrip("/")
    if not url.lower().startswith(("http://", "https://")):
        raise ProviderError(f"{who}: authentication.{field} must be an http:// or https:// URL, got {url[:80]!r}")
    return url


def send(who: str, method: str, url: str, *, timeout: float, params: dict | None = None, body: Any = None,
         headers: dict | None = None, verify: Any = True, options: Any = None) -> tuple[int, Any]:
    """``(status code, body)``: the body parsed as JSON where it is JSON, else text. Transport failures raise.
    ``options``: the run's RunOptions, whose network policy decides where the request may go."""
    answer = request(url, method, headers or {}, body, params, verify, False, timeout, who=who, options=options)
    return answer["status_code"], answer["body"]


def server_error(body: Any) -> str:
    """The server's own reason from an error answer (Prometheus ``error``, Elasticsearch ``error.reason``, text)."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            err = err.get("reason") or err.get("type") or err
        msg = err or body.get("message") or body
        return str(msg)[:500]
    return str(body).strip()[:500]
