"""``pagerduty``: Events API v2 with a ``routing_key``, or the REST API's incidents with an ``api_key``, as Keep does.

Events (``routing_key`` in the config, or in ``with:``): ``POST /v2/enqueue`` with ``{routing_key, event_action,
dedup_key, payload: {summary, source, severity, custom_details, timestamp, component, group, class, images,
links}}``; severity, event action, dedup key and source default from the alert that triggered the run (as Keep's
``event_context``). Keep passes the alert's ``high``/``low`` severities through, which PagerDuty rejects: keepwf
sends ``error``/``info`` for them. Result: PagerDuty's answer ``{status, message, dedup_key}``.
Incidents (``api_key``): ``POST /incidents`` (``PUT /incidents/<incident_id>`` to update) with
``Authorization: Token token=…`` and ``From: <requester>``; result: PagerDuty's answer ``{incident: {...}}``.
A step with ``incident_id`` reads one incident (``GET /incidents/<id>``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from keepwf.engine.providers.api import Api, ApiProvider, json_param
from keepwf.engine.providers.base import ProviderError, register

EVENTS_URL = "https://events.pagerduty.com"
API_URL = "https://api.pagerduty.com"
STATUS_TO_ACTION = {"firing": "trigger", "resolved": "resolve", "acknowledged": "acknowledge"}
SEVERITY_FIX = {"high": "error", "low": "info"}  # Keep's AlertSeverity names PagerDuty does not accept
INCLUDES = ("acknowledgers", "agents", "assignees", "conference_bridge", "custom_fields", "escalation_policies",
            "first_trigger_log_entries", "priorities", "services", "teams", "users")


def build_event(api: Api, routing_key: str) -> dict:
    ev = api.event() or {}
    severity = api.p("severity") or ev.get("severity") or "critical"
    severity = SEVERITY_FIX.get(str(severity).lower(), severity)
    action = api.p("event_type") or STATUS_TO_ACTION.get(str(ev.get("status")), "trigger")
    dedup = api.p("dedup") or ev.get("fingerprint") or str(api.now().timestamp())
    source = api.p("source", "custom_event") or ev.get("service") or "custom_event"
    body: dict[str, Any] = {"summary": api.p("title", ""), "source": source, "severity": severity}
    details = json_param(api.p("custom_details"), "pagerduty", "custom_details") or {}
    if not details and api.p("alert_body"):
        details = {"alert_body": api.p("alert_body")}
    if details:
        body["custom_details"] = details
    for key in ("timestamp", "component", "group", "class"):
        if api.p(key):
            body[key] = api.p(key)
    for key in ("images", "links"):
        if api.p(key):
            body[key] = json_param(api.p(key), "pagerduty", key)
    return {"routing_key": routing_key, "event_action": action, "dedup_key": dedup, "payload": body}


def build_incident(api: Api) -> tuple[str, str, dict, dict]:
    import uuid

    incident_key = api.p("incident_id") or uuid.uuid4().hex
    update = bool(api.p("incident_id"))
    body = api.p("alert_body")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError as e:
            raise ProviderError(f"pagerduty: alert_body is not valid JSON ({e.msg})") from None
        if isinstance(body, dict) and "details" in body and "type" not in body:
            body["type"] = "incident_body"
    incident: dict[str, Any] = {"type": "incident", "title": api.p("title", ""),
                                "service": {"id": api.p("service_id", ""), "type": "service_reference"},
                                "incident_key": incident_key, "body": body}
    if api.p("status"):
        incident["status"] = api.p("status")
        if api.p("status") == "resolved" and api.p("resolution"):
            incident["resolution"] = api.p("resolution")
    if api.p("priority"):
        incident["priority"] = {"id": api.p("priority"), "type": "priority_reference"}
    base = api.base(API_URL)
    url = f"{base}/incidents/{incident_key}" if update else f"{base}/incidents"
    return ("PUT" if update else "POST"), url, {"incident": incident}, rest_headers(api, From=api.p("requester", ""))


def rest_headers(api: Api, **extra: str) -> dict:
    return {"Accept": "application/vnd.pagerduty+json;version=2", "Content-Type": "application/json",
            "Authorization": f"Token token={api.auth.get('api_key')}", **extra}


@register
class PagerdutyProvider(ApiProvider):
    type = "pagerduty"
    known = frozenset({"title", "dedup", "service_id", "requester", "incident_id", "event_type", "severity", "source",
                       "priority", "status", "resolution", "alert_body", "custom_details", "timestamp", "component",
                       "group", "class", "images", "links", "routing_key", "incident_key"})

    def _check(self, api: Api) -> str | None:
        routing_key = api.p("routing_key") or api.auth.get("routing_key")
        if not routing_key and not api.auth.get("api_key"):
            raise ProviderError("pagerduty: the provider config needs authentication.routing_key (Events API) or "
                                "authentication.api_key (REST API) (docs/providers.md#pagerduty)")
        return routing_key

    def send(self, call, api: Api) -> Any:
        routing_key = self._check(api)
        if routing_key:
            url = f"{str(api.auth.get('events_base_url') or EVENTS_URL).rstrip('/')}/v2/enqueue"
            req, resp = api.request("POST", url, json_data=build_event(api, str(routing_key)))
        else:
            method, url, payload, headers = build_incident(api)
            req, resp = api.request(method, url, json_data=payload, headers=headers)
        api.ok(req, resp)
        return resp.json()

    def query(self, call) -> Any:
        api = Api(call, self.type)
        incident_id = api.p("incident_id")
        if not incident_id:
            raise ProviderError("pagerduty: keepwf runs a pagerduty step with incident_id only (Keep's listing of all "
                                "incidents and alerts is not supported); give with.incident_id or use --mock")
        api.need("api_key")
        qs = urlencode([("include[]", i) for i in INCLUDES])
        req, resp = api.request("GET", f"{api.base(API_URL)}/incidents/{quote(str(incident_id), safe='')}?{qs}",
                                headers=rest_headers(api))
        api.ok(req, resp)
        return resp.json()
