"""``clickhouse`` over ClickHouse's HTTP interface, results as Keep's provider returns them.

Config (Keep's): ``host`` (no scheme), ``port`` (8123 for http, 8443 for https), ``username``, ``password``,
``database``, ``protocol`` (``http`` or ``https``; Keep's default ``clickhouse`` is the native TCP protocol, which
keepwf does not speak), ``verify``. ``with.query`` is sent as Keep sends it: ``POST {protocol}://{host}:{port}/`` with
``query``, ``default_format=JSONEachRow`` and ``database`` as URL parameters, credentials as Basic auth. Other
``with:`` keys fill ``{name}`` in the query (Keep's ``query.format``). The result is the list of rows as
``{column: value}`` (64-bit integers arrive as strings, as ClickHouse writes them); ``single_row`` gives the first row,
or ``[]`` when there is none (Keep). Usable as a step and as an action (Keep's ``_notify`` runs the same query).
"""

from __future__ import annotations

import json
from typing import Any

from keepwf.engine.providers.base import Provider, ProviderCall, ProviderError, register
from keepwf.engine.providers.httpquery import basic_auth, send, server_error
from keepwf.engine.providers.settings import auth_of, port_of, timeout_of, truthy
from keepwf.engine.providers.sql import format_like_keep

WHO = "clickhouse"
OWN_KEYS = frozenset({"query", "single_row", "timeout"})


def _rows(body: Any) -> list:
    if isinstance(body, dict):  # one JSONEachRow line parses as one JSON object
        return [body]
    if isinstance(body, list):
        return body
    rows = []
    for line in str(body or "").strip().splitlines():
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError:
                raise ProviderError(f"{WHO}: the server's answer is not JSONEachRow: {line[:200]!r}") from None
    return rows


@register
class ClickhouseProvider(Provider):
    type = WHO

    def query(self, call: ProviderCall) -> Any:
        auth = auth_of(call, WHO, ("host", "username"))
        protocol = str(auth.get("protocol") or "clickhouse")
        if protocol not in ("http", "https"):
            raise ProviderError(f"{WHO}: keepwf speaks ClickHouse's HTTP interface; set authentication.protocol to "
                                f"http (port 8123) or https (8443), not {protocol!r}")
        host = str(auth["host"]).strip().rstrip("/")
        if "://" in host:
            raise ProviderError(f"{WHO}: authentication.host is a host name without a scheme (Keep), got {host[:80]!r}")
        port = port_of(auth, 8123 if protocol == "http" else 8443, WHO)
        p = call.params
        query = p.get("query")
        if not isinstance(query, str) or not query.strip():
            raise ProviderError(f"{WHO}: with.query is empty")
        extra = {k: v for k, v in p.items() if k not in OWN_KEYS}
        if extra:
            query = format_like_keep(query, extra, WHO)
        params = {"query": query, "default_format": "JSONEachRow"}
        if auth.get("database"):
            params["database"] = auth["database"]
        code, body = send(WHO, "POST", options=call.options,
                          url=f"{protocol}://{host}:{port}", params=params, timeout=timeout_of(call, WHO),
                          headers=basic_auth(auth["username"], auth.get("password")), verify=auth.get("verify", True))
        if not 200 <= code < 300:
            raise ProviderError(f"{WHO}: HTTP query failed: HTTP {code}: {server_error(body)}")
        rows = _rows(body)
        if truthy(p.get("single_row", False)) and rows:
            return rows[0]
        return rows
