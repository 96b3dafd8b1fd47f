"""The alert as Keep's ``AlertDto`` (keep/api/models/alert.py, Keep 0.54.2) presents it to a workflow.

Every AlertDto field is present, in AlertDto's field order (``{{ alert }}`` renders that order), with Keep's
defaults; the fields Keep's validators normalise are normalised the same way (``lastReceived`` to UTC with
milliseconds and ``Z``, ``url`` given a scheme and percent-quoted). Deliberate differences (docs/engine.md,
"The alert"): ``severity``/``status`` are case-insensitive (Keep turns ``CRITICAL`` into ``info`` and ``Resolved``
into ``firing``), ``id`` is the fingerprint (Keep draws a random UUID), a value Keep would reject (an unparsable
``lastReceived``, a non-http ``imageUrl``) is passed through instead of refusing the alert, and fields that are not
AlertDto's follow in the order they were given (Keep: in no fixed order).
"""

from __future__ import annotations

import hashlib
import urllib.parse
from datetime import datetime, timezone
from typing import Any

SEVERITY_ORDER = {"low": 1, "info": 2, "warning": 3, "high": 4, "critical": 5}
STATUSES = ("firing", "resolved", "acknowledged", "suppressed", "pending")
_SEVERITY_NAMES = {n: name for name, n in SEVERITY_ORDER.items()}

# AlertDto's fields in declaration order, with their defaults (None where the field is required or optional).
ALERT_FIELDS: tuple[tuple[str, Any], ...] = (
    ("id", None), ("name", None), ("status", None), ("severity", None), ("lastReceived", None),
    ("firingStartTime", None), ("firingStartTimeSinceLastResolved", None), ("firingCounter", 0),
    ("unresolvedCounter", 0), ("environment", None), ("isFullDuplicate", False), ("isPartialDuplicate", False),
    ("duplicateReason", None), ("service", None), ("source", []), ("apiKeyRef", None), ("message", None),
    ("description", None), ("description_format", None), ("pushed", False), ("event_id", None), ("url", None),
    ("imageUrl", None), ("labels", {}), ("fingerprint", None), ("deleted", False), ("dismissUntil", None),
    ("dismissed", False), ("assignee", None), ("providerId", None), ("providerType", None), ("note", None),
    ("startedAt", None), ("isNoisy", False), ("enriched_fields", []), ("incident", None),
)


def keep_time(value: Any) -> str | None:
    """AlertDto's ``lastReceived`` validator: an ISO time (naive = UTC) or a UNIX timestamp (``Z`` allowed) →
    ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC; None when it is neither."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, float)):
            dt = datetime.fromtimestamp(value, tz=timezone.utc)
        else:
            text = str(value)
            try:
                dt = datetime.fromisoformat(text)
            except ValueError:
                dt = datetime.fromtimestamp(float(text.rstrip("Z")), tz=timezone.utc)
        if dt.tzinfo is None:  # Keep converts with the server's zone; Keep's servers run in UTC
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    except (ValueError, OverflowError, OSError):
        return None


def keep_url(url: Any) -> Any:
    """AlertDto's ``url`` validator: stripped, ``https://`` prepended when it does not start with ``http``,
    percent-quoted except ``/:?=&``; an empty string is None."""
    if not isinstance(url, str):
        return url
    url = url.strip()
    if not url:
        return None
    if not url.startswith("http"):
        url = f"https://{url}"
    return urllib.parse.quote(url, safe="/:?=&")


def _severity(sev: Any) -> str:
    if isinstance(sev, int) and not isinstance(sev, bool):
        return _SEVERITY_NAMES.get(sev, "info")
    sev = sev.lower() if isinstance(sev, str) else None  # keepwf decision: case-insensitive
    return sev if sev in SEVERITY_ORDER else "info"


def normalize_alert(event: dict[str, Any] | None, now: str | None = None) -> dict[str, Any]:
    """The alert as a workflow sees it: AlertDto's fields in AlertDto's order (then the other fields as given),
    ``source`` a list, ``severity`` one of Keep's five (a number 1–5 maps to its name, anything unknown is
    ``info``), ``status`` one of Keep's (else ``firing``), ``name`` ``manual-run`` when absent (Keep's manual run),
    a ``fingerprint`` (Keep: the SHA-256 of the name), an ``id`` (the fingerprint: stable across runs) and
    ``lastReceived`` (``now``, an ISO time, when absent) in Keep's UTC form."""
    a = dict(event or {})
    a.pop("deletedAt", None)  # Keep drops it
    src = a.get("source")
    a["source"] = [] if src is None else (list(src) if isinstance(src, (list, tuple)) else [src])
    if not a.get("name"):
        a["name"] = "manual-run"
    if not a.get("fingerprint"):
        a["fingerprint"] = hashlib.sha256(str(a["name"]).encode()).hexdigest()
    elif isinstance(a["fingerprint"], str):
        a["fingerprint"] = a["fingerprint"][:255]
    if not a.get("id"):
        a["id"] = a["fingerprint"]
    a["severity"] = _severity(a.get("severity"))
    status = a.get("status")
    a["status"] = status.lower() if isinstance(status, str) and status.lower() in STATUSES else "firing"
    received = a.get("lastReceived") or now
    if received:
        a["lastReceived"] = keep_time(received) or received
    if "url" in a:
        a["url"] = keep_url(a["url"])
    if isinstance(a.get("dismissed"), str):
        a["dismissed"] = a["dismissed"].lower() == "true"
    for key in ("firingCounter", "unresolvedCounter"):
        if isinstance(a.get(key), str) and a[key].strip().lstrip("+-").isdigit():
            a[key] = int(a[key])
    out: dict[str, Any] = {}
    for key, default in ALERT_FIELDS:
        if key in a:
            out[key] = a.pop(key)
        elif key != "lastReceived":
            out[key] = default.copy() if isinstance(default, (dict, list)) else default
    out.update(a)
    return out
