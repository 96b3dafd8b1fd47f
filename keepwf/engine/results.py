"""Provider return values → JSON-safe, size-bounded values for the run record."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from keepwf.workflow.datafile import escape_surrogates


def iso(dt: _dt.datetime) -> str:
    """UTC ISO-8601 with microseconds and a ``Z`` (naive datetimes are taken as UTC)."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return dt.isoformat(timespec="microseconds") + "Z"


def jsonable(v: Any, depth: int = 0) -> Any:
    if depth > 100:
        return "…"
    if isinstance(v, str):
        return v if v.isascii() else escape_surrogates(v)  # a lone surrogate cannot be stored as UTF-8
    if v is None or isinstance(v, (bool, int)):
        return v
    if isinstance(v, float):
        return v if v == v and v not in (float("inf"), float("-inf")) else str(v)
    if isinstance(v, dict):
        return {str(k): jsonable(x, depth + 1) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [jsonable(x, depth + 1) for x in v]
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v)


def truncate(v: Any, limit: int) -> Any:
    """``v`` (already JSON-safe) if its JSON fits ``limit`` bytes, else a marker with a preview."""
    if isinstance(v, (bool, int, float)) or v is None:
        return v
    if isinstance(v, str) and len(v) <= limit // 4:
        return v
    try:
        text = json.dumps(v, ensure_ascii=False)
    except (TypeError, ValueError):
        text = str(v)
    size = len(text.encode("utf-8"))
    if size <= limit:
        return v
    return {"truncated": True, "bytes": size, "preview": text.encode("utf-8")[: max(limit - 200, 64)].decode("utf-8", "ignore")}
