"""``prometheus`` and ``victoriametrics`` (step only): PromQL over the Prometheus HTTP API, results as Keep returns them.

prometheus — config ``authentication.url`` (required), ``username``/``password`` (Basic auth when both are set).
``with.query`` → ``GET {url}/api/v1/query?query=…``; the result is the whole answer,
``{"status": "success", "data": {"resultType": …, "result": [{"metric": {…}, "value": [ts, "v"]}]}}``. keepwf adds
``queryType: query_range`` with ``start``/``end``/``step`` (→ ``/api/v1/query_range``, same whole answer) and ``time``.

victoriametrics — config ``VMBackendURL`` or ``VMBackendHost`` + ``VMBackendPort`` (8428), ``BasicAuthUsername`` /
``BasicAuthPassword``, ``insecure``. ``queryType`` is required as in Keep: ``query`` → ``GET /api/v1/query`` with
``query`` and ``time`` (= ``start``), result ``data.result`` (the list); ``query_range`` → ``/api/v1/query_range``
with ``start``/``end``/``step``, result the whole answer.
"""

from __future__ import annotations

from typing import Any

from keepwf.engine.providers.base import Provider, ProviderCall, ProviderError, register
from keepwf.engine.providers.httpquery import base_url, basic_auth, send, server_error
from keepwf.engine.providers.settings import auth_of, port_of, timeout_of, truthy


def _query_text(call: ProviderCall, who: str) -> str:
    query = call.params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise ProviderError(f"{who}: with.query is empty (Keep: 'Query is required')")
    return query


def _get(who: str, url: str, path: str, params: dict, headers: dict, timeout: float, verify: Any = True,
         options: Any = None) -> dict:
    code, body = send(who, "GET", url + path, params=params, headers=headers, timeout=timeout, verify=verify,
                      options=options)
    if code != 200 or not isinstance(body, dict):
        kind = "range query" if path.endswith("query_range") else "query"
        raise ProviderError(f"{who}: {kind} failed: HTTP {code}: {server_error(body)}")
    return body


@register
class PrometheusProvider(Provider):
    type = "prometheus"
    step_only = True

    def query(self, call: ProviderCall) -> Any:
        who = self.type
        auth = auth_of(call, who, ("url",))
        url = base_url(auth["url"], who, "url")
        query = _query_text(call, who)
        p = call.params
        headers = basic_auth(auth["username"], auth["password"]) if auth.get("username") and auth.get("password") else {}
        timeout = timeout_of(call, who)
        if str(p.get("queryType") or "query") == "query_range":
            missing = [k for k in ("start", "end", "step") if p.get(k) in (None, "")]
            if missing:
                raise ProviderError(f"{who}: queryType query_range needs with.{', with.'.join(missing)}")
            params = {"query": query, "start": p["start"], "end": p["end"], "step": p["step"]}
            return _get(who, url, "/api/v1/query_range", params, headers, timeout, options=call.options)
        if str(p.get("queryType") or "query") != "query":
            raise ProviderError(f"{who}: queryType must be query or query_range, got {p.get('queryType')!r}")
        params = {"query": query}
        if p.get("time") not in (None, ""):
            params["time"] = p["time"]
        return _get(who, url, "/api/v1/query", params, headers, timeout, options=call.options)


@register
class VictoriametricsProvider(Provider):
    type = "victoriametrics"
    step_only = True

    def _backend(self, auth: dict) -> str:
        who = self.type
        if auth.get("VMBackendURL"):
            return base_url(auth["VMBackendURL"], who, "VMBackendURL")
        if auth.get("VMBackendHost"):
            host = base_url(auth["VMBackendHost"], who, "VMBackendHost")
            return f"{host}:{port_of({'port': auth.get('VMBackendPort')}, 8428, who)}"
        if auth.get("VMAlertURL") or auth.get("VMAlertHost"):
            raise ProviderError(f"{who}: VM Backend is not configured (queries need authentication.VMBackendURL or "
                                f"VMBackendHost; VMAlert serves alerts only)")
        raise ProviderError(f"{who}: the provider config needs authentication.VMBackendURL (or VMBackendHost and "
                            f"VMBackendPort); see docs/providers.md#victoriametrics")

    def query(self, call: ProviderCall) -> Any:
        who = self.type
        auth = auth_of(call, who)
        url = self._backend(auth)
        query = _query_text(call, who)
        p = call.params
        user, password = auth.get("BasicAuthUsername"), auth.get("BasicAuthPassword")
        headers = basic_auth(user, password) if user and password else {}
        verify = not truthy(auth.get("insecure", False))
        timeout = timeout_of(call, who)
        kind = p.get("queryType", "")
        if kind == "query":
            body = _get(who, url, "/api/v1/query", {"query": query, "time": p.get("start", "")}, headers, timeout, verify,
                        options=call.options)
            return (body.get("data") or {}).get("result", [])
        if kind == "query_range":
            params = {"query": query, "start": p.get("start", ""), "end": p.get("end", ""), "step": p.get("step", "")}
            return _get(who, url, "/api/v1/query_range", params, headers, timeout, verify, options=call.options)
        raise ProviderError(f"{who}: Invalid query type {kind!r}: with.queryType must be query or query_range (Keep)")
