"""The run record as it is written to git: one JSON object per line, ``started`` first, schema ``v: 1``.

Pure codec (no I/O): writers are strict (``encode_line`` refuses a record that breaks the contract), readers are
lenient (``decode_line`` returns None for a line it does not understand, so a newer keepwf's lines or a stray blank
line never break an older reader). ``union_lines`` is the merge used for notes and imports: every run once, ordered
by start time, whatever the order or overlap of the inputs.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

SCHEMA_VERSION = 1
STATUSES = ("success", "error", "skipped", "timeout", "cancelled")
# Which runs count (success rates, promotion gates, rollback's default target, `keepwf stats`; docs/runs.md "Which
# runs count"): those that ran to a verdict — success vs error/timeout. Skipped runs (nothing ran), cancelled runs
# (Ctrl-C, SIGTERM, SIGHUP) and trial runs (``"trial": true``: provider calls answered by --mock) are left out.
FAILED_STATUSES = ("error", "timeout")
COUNTED_STATUSES = ("success",) + FAILED_STATUSES


def counts(rec: dict) -> bool:
    """Whether a run record counts towards its version's success rate (see above)."""
    return rec.get("status") in COUNTED_STATUSES and not rec.get("trial")
TRIGGERS = ("manual", "alert", "incident", "interval")
# started: UTC ISO-8601 with microseconds, e.g. 2026-11-29T15:20:01.123456+00:00 (fixed width, sorts as text)
STARTED_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RUN_ID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


class RecordError(ValueError):
    """A record that a strict writer refuses to write."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def format_started(t: datetime) -> str:
    """The fixed-width, sortable text form of a start time (always UTC, always microseconds)."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone(timezone.utc).isoformat(timespec="microseconds")


def parse_started(s: str) -> datetime:
    return datetime.fromisoformat(s)


def new_run_id(started: datetime | None = None, rand: bytes | None = None) -> str:
    """A ULID: 48 bits of milliseconds since the epoch + 80 random bits, Crockford base32 (26 characters).

    Sorts as text by time, unique across clones and processes without coordination.
    """
    started = started or utcnow()
    ms = int(started.timestamp() * 1000)
    rand = rand if rand is not None else os.urandom(10)
    n = (ms << 80) | int.from_bytes(rand[:10], "big")
    out = []
    for _ in range(26):
        out.append(_CROCKFORD[n & 31])
        n >>= 5
    return "".join(reversed(out))


def run_id_time_ms(prefix: str) -> tuple[int, int] | None:
    """The range of milliseconds a run id starting with ``prefix`` can have (None if not a run id prefix)."""
    p = prefix.upper()
    if not p or any(c not in _CROCKFORD for c in p) or len(p) > 26:
        return None
    head = p[:10]
    lo = hi = 0
    for i in range(10):
        c = _CROCKFORD.index(head[i]) if i < len(head) else None
        lo = (lo << 5) | (c if c is not None else 0)
        hi = (hi << 5) | (c if c is not None else 31)
    return lo, hi


HEAD_KEYS = ("started", "v", "run_id", "workflow", "env")  # written first, in this order (see line_head)
_HEAD_RE = re.compile(r'^\{"started": "([^"\\]+)", "v": 1, "run_id": "([0-9A-Z]{26})", '
                      r'"workflow": "((?:[^"\\]|\\.)*)", "env": "((?:[^"\\]|\\.)*)"')


_T0, _T1, _ID0, _ID1 = 13, 45, 67, 93  # fixed positions in a line encode_line wrote (started is fixed-width)


def line_time_id(line: str) -> tuple[str, str] | None:
    """(started, run_id) of a line keepwf wrote, by position (no regex, no JSON); None for any other line."""
    if line.startswith('{"started": "') and line[_T1:_ID0] == '", "v": 1, "run_id": "' and line[_ID1:_ID1 + 1] == '"':
        return line[_T0:_T1], line[_ID0:_ID1]
    return None


def line_head(line: str) -> tuple[str, str, str, str] | None:
    """(started, run_id, workflow, env) of a line keepwf wrote, read without parsing the whole JSON (None if the
    line does not start the way ``encode_line`` writes; callers then fall back to ``decode_line``)."""
    m = _HEAD_RE.match(line)
    if not m:
        return None
    wf, env = m.group(3), m.group(4)
    if "\\" in wf or "\\" in env:
        return None
    return m.group(1), m.group(2), wf, env


REQUIRED = {
    "started": str,
    "v": int,
    "run_id": str,
    "workflow": str,
    "env": str,
    "status": str,
    "draft": bool,
}


def check_record(rec: dict[str, Any]) -> None:
    """Raise RecordError unless ``rec`` is a record keepwf may write (schema v1)."""
    if not isinstance(rec, dict):
        raise RecordError("a run record must be a JSON object")
    for key, typ in REQUIRED.items():
        if key not in rec:
            raise RecordError(f"run record lacks {key!r}")
        if not isinstance(rec[key], typ) or (typ is int and isinstance(rec[key], bool)):
            raise RecordError(f"run record field {key!r} must be {typ.__name__}")
    if rec["v"] != SCHEMA_VERSION:
        raise RecordError(f"this keepwf writes schema v{SCHEMA_VERSION}, not v{rec['v']}")
    if not STARTED_RE.match(rec["started"]):
        raise RecordError(f"started {rec['started']!r} is not UTC ISO-8601 with microseconds")
    if not RUN_ID_RE.match(rec["run_id"]):
        raise RecordError(f"run_id {rec['run_id']!r} is not a 26-character ULID")
    if rec["status"] not in STATUSES:
        raise RecordError(f"status {rec['status']!r} is not one of {', '.join(STATUSES)}")


def encode_line(rec: dict[str, Any]) -> str:
    """One JSON line (no newline), ``started`` then ``v`` first so lines sort by time. Strict."""
    check_record(rec)
    ordered = {k: rec[k] for k in HEAD_KEYS}
    ordered.update((k, v) for k, v in rec.items() if k not in ordered)
    try:
        return _one_line(json.dumps(ordered, ensure_ascii=False, allow_nan=False, default=str))
    except ValueError as e:
        raise RecordError(f"run record is not valid JSON: {e}") from e


def decode_line(line: str | bytes) -> dict[str, Any] | None:
    """The record on one line, or None for a line this reader does not understand (blank, garbage, other schema)."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", "replace")
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        rec = json.loads(line)
    except (ValueError, RecursionError):  # garbage, or nested deeper than any record keepwf writes
        return None
    if not isinstance(rec, dict) or rec.get("v") != SCHEMA_VERSION:
        return None
    if not isinstance(rec.get("run_id"), str) or not isinstance(rec.get("started"), str):
        return None
    return rec


def decode_lines(text: str | bytes) -> list[dict[str, Any]]:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return [r for r in map(decode_line, text.split("\n")) if r is not None]


def union_records(*sides: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every run of every side once (first occurrence of a run_id wins), oldest first."""
    seen: dict[str, dict[str, Any]] = {}
    for side in sides:
        for rec in side:
            seen.setdefault(rec["run_id"], rec)
    return sorted(seen.values(), key=lambda r: (r["started"], r["run_id"]))


def union_lines(*texts: str) -> str:
    """Merge JSON Lines texts by run: no loss, no duplicate, sorted by start time; unknown lines are kept once."""
    recs = union_records(*(decode_lines(t) for t in texts))
    extra: list[str] = []
    for t in texts:
        for ln in t.split("\n"):
            s = ln.strip()
            if s and decode_line(s) is None and s not in extra:
                extra.append(s)
    lines = [encode_known(r) for r in recs] + extra
    return "".join(ln + "\n" for ln in lines)


def encode_known(rec: dict[str, Any]) -> str:
    """Re-encode a record read back (lenient: no strict check, key order kept)."""
    return _one_line(json.dumps(rec, ensure_ascii=False, default=str))


_LINE_BREAKERS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def _one_line(text: str) -> str:
    """Escape the characters some line splitters (str.splitlines, editors) treat as line breaks."""
    return text.translate(_LINE_BREAKERS)


@dataclass(frozen=True)
class RunRecord:
    """A read-only view of one record (the dict is the JSON shape: ``to_dict`` returns it unchanged)."""

    data: dict[str, Any]

    @property
    def run_id(self) -> str:
        return self.data["run_id"]

    @property
    def started(self) -> str:
        return self.data["started"]

    @property
    def status(self) -> str:
        return str(self.data.get("status", "?"))

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def to_dict(self) -> dict[str, Any]:
        return self.data
