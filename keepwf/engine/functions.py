"""The ``keep.*`` functions (keep-format.md §2.4): an explicit whitelist ``FUNCTIONS`` name → callable.

Keep's argument conventions hold: numeric literals arrive as strings (arithmetic casts with ``int()``), nested
calls pass real objects. Functions that need the clock, the event or the run history take a ``FnContext`` as a
keyword-only ``_ctx`` argument (listed in ``NEEDS_CTX``); nothing else in here touches time or I/O.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import re
import urllib.parse
from itertools import groupby
from typing import Any

_len = len
_all = all
UTC = _dt.timezone.utc
MAX_EXPONENT = 10_000


class FnContext:
    """What stateful functions may see: ``now()`` (aware UTC), the run history, and whether we are inside ``if:``."""

    __slots__ = ("now", "history", "in_if")

    def __init__(self, now=None, history=None, in_if: bool = False):
        self.now = now or (lambda: _dt.datetime.now(UTC))
        self.history = history
        self.in_if = in_if


# --- arithmetic --------------------------------------------------------------------------------------------------

def add(*args):
    return sum(int(a) for a in args)


def sub(*args):
    first, *rest = [int(a) for a in args]
    for r in rest:
        first -= r
    return first


def mul(*args):
    out = 1
    for a in args:
        out *= int(a)
    return out


def div(*args):
    first, *rest = [int(a) for a in args]
    out: float | int = first
    for r in rest:
        out = out / r
    return int(out) if isinstance(out, float) and out.is_integer() else out


def mod(*args):
    first, *rest = [int(a) for a in args]
    for r in rest:
        first %= r
    return first


def exp(*args):
    vals = [int(a) for a in args]
    out = vals[0]
    for r in vals[1:]:
        if abs(r) > MAX_EXPONENT or (abs(out) > 1 and abs(r) * _len(str(abs(out))) > MAX_EXPONENT):
            raise ValueError(f"exponent too large (keepwf limits results to about {MAX_EXPONENT} digits)")
        out = out**r
        if isinstance(out, int) and out.bit_length() > 13_000:
            raise ValueError("result too large (keepwf limits results to about 4000 digits)")
    return out


def fdiv(*args):
    first, *rest = [int(a) for a in args]
    for r in rest:
        first //= r
    return first


def eq(a, b):
    return a == b


# --- collections -------------------------------------------------------------------------------------------------

def all(iterable) -> bool:  # noqa: A001 - Keep's name
    g = groupby(iterable)
    return bool(next(g, True) and not next(g, False))


def diff(iterable) -> bool:
    return not all(iterable)


def len(iterable=None, _ctx: FnContext | None = None, **kwargs) -> int:  # noqa: A001
    if iterable is None:
        return 0
    if _ctx is not None and _ctx.in_if and isinstance(iterable, str):
        # keepwf decision 8: `keep.len({{ list }})` in if: counts the list's elements, not the characters of its text
        parsed = _parse_literal(iterable)
        if isinstance(parsed, (list, tuple, dict, set)):
            return _len(parsed)
    return _len(iterable)


def _parse_literal(s: str) -> Any:
    import ast

    t = s.strip()
    if not t or t[0] not in "[({" or t[-1] not in "])}":
        return None
    try:
        return json.loads(t)
    except ValueError:
        pass
    try:
        return ast.literal_eval(t)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def first(iterable):
    return iterable[0]


def last(iterable):
    return iterable[-1]


def index(iterable, i):
    if isinstance(i, str) and i.lstrip("-").isdigit():
        i = int(i)
    return iterable[i]


def join(iterable, delimiter=",", prefix=None):
    if isinstance(iterable, str):
        try:
            iterable = json.loads(iterable)
        except ValueError:
            parsed = _parse_literal(iterable)
            iterable = parsed if parsed is not None else iterable
    if isinstance(iterable, dict):
        items = [f"{k}={v}" for k, v in iterable.items()]
        if prefix:
            items = [f"{prefix}{x}" for x in items]
        return delimiter.join(items)
    return delimiter.join(str(x) for x in iterable)


def _as_dict(d) -> dict:
    if isinstance(d, str):
        return json.loads(d)
    return d


def dict_to_key_value_list(d) -> list:
    return [f"{k}:{v}" for k, v in _as_dict(d).items()]


def dict_pop(d, *keys) -> dict:
    out = copy.deepcopy(_as_dict(d))
    for k in keys:
        out.pop(k, None)
    return out


def dict_pop_prefix(d, prefix) -> dict:
    return {k: v for k, v in _as_dict(d).items() if not str(k).startswith(prefix)}


def dict_filter_by_prefix(d, prefix) -> dict:
    return {k: v for k, v in _as_dict(d).items() if str(k).startswith(prefix)}


def dictget(d, key, default=None):
    if isinstance(d, str):
        d = json_loads(d)
    if not isinstance(d, dict):
        return default
    return d.get(key, default)


def dict_set(d, key, value) -> dict:
    if isinstance(d, str):
        try:
            d = json.loads(d)
        except ValueError:
            d = {}
    out = dict(d) if isinstance(d, dict) else {}
    out[key] = value
    return out


def dict_merge(*dicts) -> dict:
    out: dict = {}
    for d in dicts:
        if isinstance(d, str):
            try:
                d = json.loads(d)
            except ValueError:
                continue
        if isinstance(d, dict):
            out.update(d)
    return out


# --- strings -----------------------------------------------------------------------------------------------------

def uppercase(s) -> str:
    return s.upper()


def lowercase(s) -> str:
    return s.lower()


def capitalize(s) -> str:
    return s.capitalize()


def title(s) -> str:
    return s.title()


def strip(s) -> str:
    return s.strip()


def split(s, delimiter) -> list:
    return s.strip().split(delimiter)


def remove_newlines(s: str = "") -> str:
    return s.replace("\r\n", "").replace("\n", "").replace("\t", "")


def replace(s, old, new) -> str:
    return s.replace(old, new)


def encode(s) -> str:
    return urllib.parse.quote(s)


def slice(s, start=0, end=0):  # noqa: A001
    if end == 0 or end == "0":
        return s[int(start):]
    return s[int(start):int(end)]


# --- JSON --------------------------------------------------------------------------------------------------------

def json_dumps(data) -> str:
    if isinstance(data, str):
        data = json.loads(data)
    return json.dumps(data, indent=4, default=str)


def json_loads(data):
    if not isinstance(data, str):
        return data
    try:
        return json.loads(data)
    except ValueError:
        try:
            return json.loads(data, strict=False)
        except ValueError:
            return {}


# --- date / time -------------------------------------------------------------------------------------------------

def _parse_dt(v):
    if isinstance(v, _dt.datetime):
        return v
    if isinstance(v, str):
        from dateutil import parser

        return parser.parse(v.strip())
    raise ValueError(f"not a date/time: {v!r}")


def utcnow(*, _ctx: FnContext | None = None):
    return (_ctx or FnContext()).now()


def utcnowtimestamp(*, _ctx: FnContext | None = None) -> int:
    return int(utcnow(_ctx=_ctx).timestamp())


def utcnowiso(*, _ctx: FnContext | None = None) -> str:
    return utcnow(_ctx=_ctx).isoformat()


def substract_minutes(dt, minutes):
    return _parse_dt(dt) - _dt.timedelta(minutes=int(minutes))


_UNITS = {"seconds", "minutes", "hours", "days", "weeks"}


def timestamp_delta(dt, amount, unit):
    if unit not in _UNITS:
        raise ValueError(f"invalid unit {unit!r} (use one of {', '.join(sorted(_UNITS))})")
    return _parse_dt(dt) + _dt.timedelta(**{unit: float(amount)})


def to_utc(dt=""):
    if isinstance(dt, str):
        try:
            dt = _parse_dt(dt)
        except (ValueError, OverflowError):
            return ""
    return dt.astimezone(UTC)


def _zone(name: str):
    if name in ("UTC", "utc", ""):
        return UTC
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def from_timestamp(ts, tz="UTC"):
    try:
        return _dt.datetime.fromtimestamp(float(ts), tz=_zone(tz))
    except Exception:  # noqa: BLE001 - Keep returns "" on any error
        return ""


def to_timestamp(dt="") -> int:
    if isinstance(dt, str):
        try:
            dt = _parse_dt(dt)
        except (ValueError, OverflowError):
            return 0
    return int(dt.timestamp())


def datetime_compare(t1=None, t2=None) -> float:
    if t1 is None or t2 is None:
        return 0
    return (_parse_dt(t1) - _parse_dt(t2)).total_seconds() / 3600


def add_time_to_date(date, date_format, time_str):
    if isinstance(date, str):
        date = _dt.datetime.strptime(date, date_format)
    units = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    delta = {u: 0 for u in units.values()}
    for value, unit in re.findall(r"(\d+)([wdhms])", time_str):
        delta[units[unit]] += int(value)
    return date + _dt.timedelta(**delta)


def is_business_hours(time_to_check=None, start_hour=8, end_hour=20, business_days=(0, 1, 2, 3, 4), timezone="UTC",
                      *, _ctx: FnContext | None = None) -> bool:
    start_hour, end_hour = int(start_hour), int(end_hour)
    if not (0 <= start_hour <= 23 and 0 <= end_hour <= 24):
        raise ValueError("start_hour/end_hour must be between 0 and 24")
    if isinstance(business_days, str):
        business_days = tuple(int(x) for x in re.findall(r"\d+", business_days))
    days = tuple(int(d) for d in business_days)
    if any(d < 0 or d > 6 for d in days):
        raise ValueError("business_days must be weekday numbers 0 (Monday) … 6 (Sunday)")
    zone = _zone(timezone)
    if time_to_check is None:
        t = utcnow(_ctx=_ctx)
    else:
        try:
            t = _parse_dt(time_to_check)
        except (ValueError, OverflowError):
            return False
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    local = t.astimezone(zone)
    return local.weekday() in days and start_hour <= local.hour < end_hour


# --- Keep-database features, answered from the alert payload and keepwf's run log ---------------------------------

def _alert_dict(alert) -> dict:
    if isinstance(alert, str):
        try:
            alert = json.loads(alert, strict=False)
        except ValueError as e:
            raise ValueError("alert is not a valid JSON") from e
    if not isinstance(alert, dict):
        raise ValueError("alert is not a valid JSON object")
    return alert


def get_firing_time(alert, time_unit, *, _ctx: FnContext | None = None, **kwargs) -> str:
    ctx = _ctx or FnContext()
    a = _alert_dict(alert)
    fp = a.get("fingerprint")
    if not fp:
        raise ValueError("fingerprint is required")
    if str(a.get("status", "firing")).lower() != "firing":
        return "0.00"
    start = None
    if a.get("firingStartTime"):
        start = _parse_dt(str(a["firingStartTime"]))
    elif ctx.history is not None and getattr(ctx.history, "first_seen", None):
        start = ctx.history.first_seen(str(fp))
    if start is None and a.get("lastReceived"):
        start = _parse_dt(str(a["lastReceived"]))
    if start is None:
        return "0.00"
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    seconds = (ctx.now() - start).total_seconds()
    if time_unit in ("m", "minutes"):
        value = seconds / 60
    elif time_unit in ("h", "hours"):
        value = seconds / 3600
    elif time_unit in ("s", "seconds"):
        value = seconds
    else:
        raise ValueError("Invalid time_unit. Use 'minutes', 'hours', 'seconds', 'm', 'h', or 's'.")
    return f"{value:.2f}"


def is_first_time(fingerprint, since=None, *, _ctx: FnContext | None = None, **kwargs) -> bool:
    ctx = _ctx or FnContext()
    if not fingerprint:
        raise ValueError("fingerprint is required")
    last = None
    if ctx.history is not None and getattr(ctx.history, "last_seen", None):
        last = ctx.history.last_seen(str(fingerprint))
    if last is None:
        return True
    if not since:
        return False
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    if since[-1] not in units or not since[:-1].isdigit():
        raise ValueError("Invalid time unit. Use 'm', 'h', 'd', or 'w'.")
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return ctx.now() - last > _dt.timedelta(**{units[since[-1]]: int(since[:-1])})


def run_mapping(*args, **kwargs):
    raise ValueError("keep.run_mapping needs Keep's mapping-rules database and cannot run offline")


FUNCTIONS: dict[str, Any] = {
    f.__name__: f
    for f in (
        add, sub, mul, div, mod, exp, fdiv, eq,
        all, diff, len, first, last, index, join, dict_to_key_value_list, dict_pop, dict_pop_prefix,
        dict_filter_by_prefix, dictget, dict_set, dict_merge,
        uppercase, lowercase, capitalize, title, strip, split, remove_newlines, replace, encode, slice,
        json_dumps, json_loads,
        utcnow, utcnowtimestamp, utcnowiso, substract_minutes, timestamp_delta, to_utc, from_timestamp,
        to_timestamp, datetime_compare, add_time_to_date, is_business_hours,
        get_firing_time, is_first_time, run_mapping,
    )
}
NEEDS_CTX = frozenset({"len", "utcnow", "utcnowtimestamp", "utcnowiso", "is_business_hours", "get_firing_time", "is_first_time"})
FUNCTION_NAMES: tuple[str, ...] = tuple(sorted(FUNCTIONS))
