"""The ``keep.*`` functions (keep-format.md §2.4): an explicit whitelist ``FUNCTIONS`` name → callable.

Keep's argument conventions hold: numeric literals arrive as strings (arithmetic casts with ``int()``), nested
calls pass real objects. Functions that need the clock, the event or the run history take a ``FnContext`` as a
keyword-only ``_ctx`` argument (listed in ``NEEDS_CTX``); nothing else in here touches time or I/O.
"""

from __future__ import annotations

from typing import Any

from keepwf.engine.functions.base import FnContext
from keepwf.engine.functions.core import (
    add, all, capitalize, dict_filter_by_prefix, dict_merge, dict_pop, dict_pop_prefix, dict_set,
    dict_to_key_value_list, dictget, diff, div, encode, eq, exp, fdiv, first, index, join, json_dumps, json_loads,
    last, len, lowercase, mod, mul, remove_newlines, replace, slice, split, strip, sub, title, uppercase,
)
from keepwf.engine.functions.dates import (
    add_time_to_date, datetime_compare, from_timestamp, get_firing_time, is_business_hours, is_first_time,
    substract_minutes, timestamp_delta, to_timestamp, to_utc, utcnow, utcnowiso, utcnowtimestamp,
)

__all__ = ["FUNCTIONS", "FUNCTION_NAMES", "NEEDS_CTX", "FnContext"]


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
