"""Webhook bodies → alerts, the way Keep's providers format them (``_format_alert`` of the Prometheus and Grafana
providers; the generic ``POST /alerts/event`` takes Keep AlertDtos as they are).

Pure functions: ``now`` (an ISO time for ``lastReceived``) and ``new_id`` come in as arguments. Every function returns
a list of alert dicts (one per item of ``alerts[]``); ``FormatError`` says why a body cannot be read (HTTP 400).
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Callable

PROVIDERS = ("prometheus", "grafana")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")

PROMETHEUS_STATUS = {"firing": "firing", "resolved": "resolved"}
PROMETHEUS_SEVERITY = {"critical": "critical", "error": "high", "high": "high", "warning": "warning",
                       "medium": "warning", "info": "info", "low": "low"}
GRAFANA_STATUS = {"ok": "resolved", "resolved": "resolved", "normal": "resolved", "alerting": "firing",
                  "pending": "pending", "no_data": "pending", "paused": "suppressed"}
GRAFANA_SEVERITY = {"critical": "critical", "high": "high", "warning": "warning", "info": "info"}


class FormatError(ValueError):
    """A body that is not what the route expects (HTTP 400 with this message)."""


def _items(body: Any, what: str) -> list[dict]:
    if not isinstance(body, dict):
        raise FormatError(f"Malformed event: a {what} webhook body is a JSON object, not {type(body).__name__}")
    items = body.get("alerts", [body])
    if not isinstance(items, list) or not all(isinstance(a, dict) for a in items):
        raise FormatError(f"Malformed event: 'alerts' must be a list of objects in a {what} webhook body")
    return items


def _mapping(value: Any) -> dict:
    return dict(value) if isinstance(value, dict) else {}


def _labels_on_top(alert: dict, labels: dict) -> None:
    """Every label also a top-level field, unless the alert already has a value there (Keep: setattr when None)."""
    for k, v in labels.items():
        if alert.get(k) is None:
            alert[k] = v


def prometheus(body: Any, *, now: str, new_id: Callable[[], str] = lambda: str(uuid.uuid4())) -> list[dict]:
    """Alertmanager webhook (v4) or one Prometheus alert → alerts (PrometheusProvider._format_alert)."""
    out = []
    for raw in _items(body, "prometheus"):
        a = dict(raw)
        labels = {str(k).lower(): v for k, v in _mapping(a.pop("labels", None)).items()}
        annotations = {str(k).lower(): v for k, v in _mapping(a.pop("annotations", None)).items()}
        given_id = a.get("id")
        alert_id = str(given_id) if isinstance(given_id, str) and _UUID.match(given_id) else (
            labels.get("alertname") or new_id())
        description = annotations.pop("description", None) or annotations.get("summary") or alert_id
        status = a.pop("state", None) or a.pop("status", None)
        fingerprint = a.pop("fingerprint", None)
        a.pop("id", None)
        alert = {
            **a, "id": alert_id, "name": alert_id, "description": description,
            "status": PROMETHEUS_STATUS.get(status, "firing") if isinstance(status, str) else "firing",
            "lastReceived": now, "environment": labels.pop("environment", "unknown"),
            "severity": PROMETHEUS_SEVERITY.get(labels.get("severity"), "info"), "source": ["prometheus"],
            "labels": labels, "annotations": annotations, "payload": dict(a), "fingerprint": fingerprint,
        }
        _labels_on_top(alert, labels)
        for k in ("value", "instance", "job"):
            alert.setdefault(k, "")
        out.append(alert)
    return out


def grafana(body: Any, *, now: str) -> list[dict]:
    """Grafana unified-alerting webhook → alerts (GrafanaProvider._format_alert): one per item of ``alerts[]``,
    ``name`` the group title, ``status`` from the group status."""
    if not isinstance(body, dict):
        raise FormatError(f"Malformed event: a grafana webhook body is a JSON object, not {type(body).__name__}")
    items = body.get("alerts")
    if not isinstance(items, list) or not all(isinstance(a, dict) for a in items):
        raise FormatError("Malformed event: a grafana webhook body has a list 'alerts' of objects")
    group_status = body.get("status")
    status = GRAFANA_STATUS.get(str(group_status).lower(), "firing") if group_status is not None else "firing"
    out = []
    for raw in items:
        labels = _mapping(raw.get("labels"))
        annotations = _mapping(raw.get("annotations"))
        fingerprint = raw.get("fingerprint") or labels.get("fingerprint") or (
            str(labels.get("alertname", "")) + str(raw.get("service", "unknown")))
        alert = {
            "id": raw.get("fingerprint") or fingerprint, "fingerprint": fingerprint, "name": body.get("title"),
            "status": status, "severity": GRAFANA_SEVERITY.get(labels.get("severity"), "info"),
            "environment": labels.get("deployment_environment", labels.get("environment", "unknown")),
            "lastReceived": now, "description": annotations.get("description") or annotations.get("summary", ""),
            "source": ["grafana"], "labels": labels, "annotations": annotations,
        }
        for k in ("generatorURL", "silenceURL", "dashboardURL", "panelURL", "values", "valueString", "startsAt",
                  "endsAt", "imageURL"):
            if raw.get(k) is not None:
                alert[k] = raw[k]
        if raw.get("generatorURL"):
            alert["url"] = raw["generatorURL"]
        if raw.get("imageURL"):
            alert["imageUrl"] = raw["imageURL"]
        _labels_on_top(alert, labels)
        out.append(alert)
    return out


def generic(body: Any, *, now: str) -> list[dict]:
    """``POST /alerts/event``: one Keep AlertDto or a list of them."""
    items = body if isinstance(body, list) else [body]
    if not items or not all(isinstance(a, dict) for a in items):
        raise FormatError("Malformed event: the body must be an alert object or a list of alert objects")
    out = []
    for a in items:
        a = dict(a)
        if not a.get("lastReceived"):
            a["lastReceived"] = now
        out.append(a)
    return out


def format_alerts(provider: str | None, body: Any, *, now: str) -> list[dict]:
    """The alerts in a webhook body of ``provider`` (None: Keep's generic AlertDto route)."""
    if provider is None:
        return generic(body, now=now)
    if provider == "prometheus":
        return prometheus(body, now=now)
    if provider == "grafana":
        return grafana(body, now=now)
    raise FormatError(f"Provider {provider} not found: keepwf formats {', '.join(PROVIDERS)} "
                      "(or POST Keep alerts to /alerts/event)")
