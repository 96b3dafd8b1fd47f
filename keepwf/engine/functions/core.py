"""``keep.*`` arithmetic, collection, string and JSON functions (keep-format.md §2.4)."""

from __future__ import annotations

import copy
import json
import urllib.parse
from itertools import groupby
from typing import Any

from keepwf.engine.functions.base import FnContext

_len = len
MAX_EXPONENT = 10_000


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
    return delimiter.join(f"{prefix or ''}{x}" for x in iterable)  # Keep prefixes list items too


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
