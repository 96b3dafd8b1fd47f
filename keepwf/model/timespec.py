"""Ages and points in time on the command line: ``30d``, ``12h``, ``2w``, ``90m``, ``45s`` or an ISO date. Pure."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from keepwf.errors import UsageError

_AGE = re.compile(r"^\s*(\d+)\s*(s|sec|m|min|h|hr|d|day|days|w|wk|weeks?|y|years?)?\s*$", re.I)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


def parse_age(text: str, flag: str = "--older-than") -> int:
    """``30d`` → seconds. A bare number means days."""
    m = _AGE.match(text or "")
    if not m:
        raise UsageError(f"{flag} {text!r}: not an age", hint=f"use e.g. {flag} 30d (s, m, h, d, w, y)")
    unit = (m.group(2) or "d").lower()[0]
    return int(m.group(1)) * _UNIT[unit]


def parse_since(text: str, now: float, flag: str = "--since") -> float:
    """An age (``7d`` = 7 days ago) or an ISO-8601 date/time (UTC when no offset) → epoch seconds."""
    if _AGE.match(text or ""):
        return now - parse_age(text, flag)
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as e:
        raise UsageError(f"{flag} {text!r}: not a date or an age", hint=f"use e.g. {flag} 7d or {flag} 2026-11-01") from e
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()
