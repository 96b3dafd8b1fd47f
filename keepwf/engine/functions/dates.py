"""``keep.*`` date/time functions and Keep's database-backed ones, answered from the alert and the run history."""

from __future__ import annotations

import datetime as _dt
import json
import re

from keepwf.engine.functions.base import UTC, FnContext


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
    if not t1 or not t2:  # as Keep: any falsy side (None, "" from keep.to_utc('garbage')) compares as 0
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
