"""``grafana`` (step only): query any data source Grafana knows through ``POST /api/ds/query``, as Keep's provider.

Config (Keep's): ``host`` (an http(s) URL) and ``token`` (a service account token, sent as ``Bearer``). Parameters:
``datasource_uid`` (required), ``expr`` (PromQL-style data sources), ``raw_sql`` (SQL data sources), ``start``
(``now-1h``) and ``end`` (``now``), ``instant``, ``max_data_points``, and ``query`` (a data-source-specific object
merged last). The result is Keep's: the answer's frames flattened into rows ``{field name: value}``.
"""

from __future__ import annotations

from typing import Any

from keepwf.engine.providers.base import Provider, ProviderCall, ProviderError, register
from keepwf.engine.providers.httpquery import base_url, send, server_error
from keepwf.engine.providers.settings import auth_of, timeout_of, truthy

WHO = "grafana"


def frames_to_rows(frames: Any) -> list[dict]:
    """Grafana's columnar frames (``schema.fields`` names, ``data.values`` one array per field) → rows."""
    rows: list[dict] = []
    for frame in frames if isinstance(frames, list) else []:
        names = [f.get("name") for f in (frame.get("schema") or {}).get("fields") or []]
        columns = (frame.get("data") or {}).get("values") or []
        if not names or not columns:
            continue
        for i in range(len(columns[0])):
            rows.append({name: columns[c][i] for c, name in enumerate(names) if c < len(columns)})
    return rows


@register
class GrafanaProvider(Provider):
    type = WHO
    step_only = True

    def query(self, call: ProviderCall) -> Any:
        auth = auth_of(call, WHO, ("host", "token"))
        url = base_url(auth["host"], WHO, "host")
        p = call.params
        uid = p.get("datasource_uid")
        if not uid:
            raise ProviderError(f"{WHO}: with.datasource_uid is required (Keep: 'datasource_uid is required')")
        target: dict[str, Any] = {"refId": "A", "datasource": {"uid": uid}}
        if p.get("expr"):
            target["expr"] = p["expr"]
        if p.get("raw_sql"):
            target["rawSql"] = p["raw_sql"]
        if truthy(p.get("instant", False)):
            target["instant"] = True
        if p.get("max_data_points"):
            target["maxDataPoints"] = p["max_data_points"]
        if p.get("query"):
            if not isinstance(p["query"], dict):
                raise ProviderError(f"{WHO}: with.query must be a mapping (fields of the data source's query)")
            target.update(p["query"])
        body = {"queries": [target], "from": p.get("start", "now-1h"), "to": p.get("end", "now")}
        code, answer = send(WHO, "POST", options=call.options,
                            url=url + "/api/ds/query", body=body, timeout=timeout_of(call, WHO),
                            headers={"Authorization": f"Bearer {auth['token']}"})
        if not 200 <= code < 300:
            raise ProviderError(f"{WHO}: Failed to query datasource {uid}: HTTP {code}: {server_error(answer)}")
        result = ((answer if isinstance(answer, dict) else {}).get("results") or {}).get(target["refId"]) or {}
        if result.get("error"):
            raise ProviderError(f"{WHO}: Datasource {uid} returned an error: {result['error']}")
        return frames_to_rows(result.get("frames"))
