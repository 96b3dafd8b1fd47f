"""What the SQL providers (``postgres``, ``mysql``) share: Keep's ``with:`` parameters and result shape.

``query`` (required), ``single_row`` (the first row; no row is an error, as Keep's mysql), ``as_dict`` (rows as
``{column: value}`` instead of tuples). keepwf adds ``parameters`` (a mapping for ``%(name)s`` or a list for ``%s``
placeholders, bound by the driver: values never become SQL text), ``timeout`` (seconds) and ``read_only`` (true
unless the step says ``read_only: false``: the server refuses writes in a read-only transaction). Other keys are
Keep's ``query.format(**kwargs)`` values where the Keep provider formats (mysql), and ignored with a warning where it
does not (postgres).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from keepwf.engine.providers.base import ProviderCall, ProviderError
from keepwf.engine.providers.settings import timeout_of, truthy

OWN_KEYS = frozenset({"query", "single_row", "as_dict", "parameters", "timeout", "read_only"})
WRITE_HINT = "a step that writes says so: `read_only: false` under its with: (docs/providers.md, read-only by default)"


@dataclass
class SqlRequest:
    query: str
    parameters: dict | list | None
    single_row: bool
    as_dict: bool
    read_only: bool
    timeout: float
    extra: dict[str, Any] = field(default_factory=dict)


def sql_request(call: ProviderCall, who: str, formats_extra: bool) -> SqlRequest:
    p = call.params
    query = p.get("query")
    if not isinstance(query, str) or not query.strip():
        raise ProviderError(f"{who}: with.query is empty (Keep: 'Query is required')")
    params = p.get("parameters")
    if params is not None and not isinstance(params, (dict, list)):
        raise ProviderError(f"{who}: with.parameters must be a mapping (for %(name)s) or a list (for %s), "
                            f"not {type(params).__name__}")
    extra = {k: v for k, v in p.items() if k not in OWN_KEYS}
    if extra and formats_extra:
        query = format_like_keep(query, extra, who)
    elif extra:
        call.log("warning", f"{who}: ignored with: keys {', '.join(sorted(extra))} (not parameters of {who}; bind "
                            f"values with `parameters:`)")
    return SqlRequest(query=query, parameters=params or None, single_row=truthy(p.get("single_row", False)),
                      as_dict=truthy(p.get("as_dict", False)), read_only=truthy(p.get("read_only", True)),
                      timeout=timeout_of(call, who), extra=extra)


def format_like_keep(query: str, extra: dict[str, Any], who: str) -> str:
    """Keep's ``query.format(**kwargs)`` with the step's other ``with:`` keys (mysql, clickhouse)."""
    try:
        return query.format(**extra)
    except (KeyError, IndexError, ValueError) as e:
        raise ProviderError(f"{who}: cannot fill the query from the other with: keys ({', '.join(extra)}) as "
                            f"Keep does (query.format): {type(e).__name__}: {e}") from None


def shape(rows: Sequence[Sequence[Any]], columns: Sequence[str], req: SqlRequest, who: str) -> Any:
    """Keep's result: a list of row tuples (or dicts with ``as_dict``); with ``single_row`` the first row."""
    out: list[Any] = [dict(zip(columns, row)) for row in rows] if req.as_dict else [tuple(row) for row in rows]
    if req.single_row:
        if not out:
            raise ProviderError(f"{who}: single_row: the query returned no rows")
        return out[0]
    return out


def first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
