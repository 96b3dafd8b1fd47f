"""``opsgenie``: Opsgenie's REST API v2 with ``Authorization: GenieKey <api_key>`` (Keep uses the SDK; same wire).

``type: create_alert`` (the default): ``POST /v2/alerts`` with the given fields (``visible_to`` sent as
``visibleTo``, ``tags`` may be JSON text), then the SDK's poll of ``GET /v2/alerts/requests/<requestId>`` (404
while Opsgenie is still processing; up to 3 more tries, a second apart). Result: Opsgenie's request status ``data``,
``{success, action, processedAt, integrationId, isSuccess, status, alertId, alias}`` (Keep's examples read
``results.alertId``; Keep's SDK version returned the same fields in snake_case); ``isSuccess: false`` is an error. ``type: close_alert`` (``alert_id``): ``POST /v2/alerts/<id>/close``;
``type: comment_alert`` (``alert_id``, ``note``): ``POST /v2/alerts/<id>/notes``; both return null, as Keep.
A step with ``query_type: alerts`` and ``query`` lists alerts (``GET /v2/alerts?query=…``):
``{"alerts": [...], "alerts_count": N}``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from keepwf.engine.providers.api import Api, ApiProvider
from keepwf.engine.providers.base import ProviderError, register

API_URL = "https://api.opsgenie.com"
FIELDS = {"user": "user", "note": "note", "source": "source", "message": "message", "alias": "alias",
          "description": "description", "responders": "responders", "visible_to": "visibleTo", "actions": "actions",
          "tags": "tags", "details": "details", "entity": "entity", "priority": "priority"}
POLLS = 3


def build_alert(api: Api) -> dict:
    if not api.p("message"):
        raise ProviderError("opsgenie: message is required to create an alert")
    tags = api.p("tags")
    if isinstance(tags, str):
        try:
            tags = json.loads(tags.replace("'", '"'))
        except ValueError:
            api.call.log("warning", "opsgenie: tags is not a JSON list; sent as given")
    body = {wire: api.p(name) for name, wire in FIELDS.items() if api.p(name) is not None}
    if tags is not None:
        body["tags"] = tags
    return body


@register
class OpsgenieProvider(ApiProvider):
    type = "opsgenie"
    known = frozenset(FIELDS) | {"type", "alert_id"}
    step_known = frozenset({"query_type", "query"})

    def query(self, call) -> Any:
        api = Api(call, self.type)
        api.need("api_key")
        if api.p("query_type", "") != "alerts":
            raise ProviderError(f"opsgenie: query type {api.p('query_type', '')!r} not implemented (Keep's only one: "
                                f"query_type: alerts)")
        from urllib.parse import urlencode

        url = f"{api.base(API_URL)}/v2/alerts?{urlencode({'query': api.p('query', '')})}"
        req, resp = api.request("GET", url, headers={"Authorization": f"GenieKey {api.auth['api_key']}"})
        api.ok(req, resp)
        alerts = (resp.json() or {}).get("data") or []
        return {"alerts": alerts, "alerts_count": len(alerts)}

    def send(self, call, api: Api) -> Any:
        api.need("api_key")
        headers = {"Authorization": f"GenieKey {api.auth['api_key']}"}
        base = f"{api.base(API_URL)}/v2/alerts"
        kind = api.p("type", "create_alert")
        if kind in ("close_alert", "comment_alert"):
            alert_id = api.p("alert_id")
            if not alert_id:
                raise ProviderError(f"opsgenie: alert_id is required for {kind}")
            url = f"{base}/{quote(str(alert_id), safe='')}"
            if kind == "close_alert":
                req, resp = api.request("POST", f"{url}/close?identifierType=id", json_data={}, headers=headers)
            else:
                req, resp = api.request("POST", f"{url}/notes?identifierType=id",
                                        json_data={"note": api.p("note", "")}, headers=headers)
            api.ok(req, resp)
            return None
        if kind != "create_alert":
            raise ProviderError(f"opsgenie: unknown type {kind!r} (create_alert, close_alert or comment_alert)")
        req, resp = api.request("POST", base, json_data=build_alert(api), headers=headers)
        api.ok(req, resp)
        request_id = (resp.json() or {}).get("requestId")
        if not request_id:
            raise ProviderError(f"opsgenie: the answer to POST {base} has no requestId: {resp.excerpt()}")
        return self._status(api, f"{base}/requests/{quote(str(request_id), safe='')}", headers)

    def _status(self, api: Api, url: str, headers: dict) -> dict:
        for attempt in range(POLLS + 1):
            req, resp = api.request("GET", url, headers=headers)
            if resp.status != 404 or attempt == POLLS:
                break
            api.call.options.sleep(1.0)
        api.ok(req, resp)
        data = (resp.json() or {}).get("data") or {}
        if not data.get("isSuccess"):
            raise ProviderError(f"opsgenie: failed to create the alert: {data.get('status')}")
        return data
