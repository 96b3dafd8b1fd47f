"""The ``keep.*`` function names keepwf accepts (keep-format.md §2.4): one whitelist shared by validator and engine.

Keep looks the name up with ``getattr(keep.functions, name)``, so any attribute of that module is callable there
(``keep.json``, ``keep.re``…). keepwf accepts exactly these names and nothing else (keepwf decision 2).
"""

from __future__ import annotations

ARITHMETIC = ("add", "sub", "mul", "div", "mod", "exp", "fdiv", "eq")
COLLECTIONS = (
    "all", "diff", "len", "first", "last", "index", "join", "dict_to_key_value_list", "dict_pop", "dict_pop_prefix",
    "dict_filter_by_prefix", "dictget", "dict_set", "dict_merge",
)  # fmt: skip
STRINGS = ("uppercase", "lowercase", "capitalize", "title", "strip", "split", "remove_newlines", "replace", "encode", "slice")
JSON = ("json_dumps", "json_loads")
DATETIME = (
    "utcnow", "utcnowtimestamp", "utcnowiso", "substract_minutes", "timestamp_delta", "to_utc", "from_timestamp",
    "to_timestamp", "datetime_compare", "add_time_to_date", "is_business_hours",
)  # fmt: skip
# Backed by Keep's alert database. keepwf computes the first two from its own run log (keepwf decision 4);
# ``run_mapping`` reads Keep's mapping rules and needs a Keep server.
DATABASE = ("get_firing_time", "is_first_time", "run_mapping")

KEEP_FUNCTIONS: tuple[str, ...] = ARITHMETIC + COLLECTIONS + STRINGS + JSON + DATETIME + DATABASE
NEEDS_KEEP_SERVER: tuple[str, ...] = ("run_mapping",)

assert len(KEEP_FUNCTIONS) == 48 and len(set(KEEP_FUNCTIONS)) == 48
