"""The template context of one run (keep-format.md §2.5) and the checks on declared ``inputs``."""

from __future__ import annotations

import json
from typing import Any

from keepwf.errors import UsageError


class EventDict(dict):
    """An alert or incident: a dict whose ``str()`` is JSON (indent=4), as Keep's ``AlertDto.__str__``."""

    def __str__(self) -> str:  # noqa: D105
        return json.dumps(self, indent=4, default=str)

    __repr__ = __str__


def fn_helpers() -> dict[str, Any]:
    """``{{#fn.default}}…{{/fn.default}}`` and friends: lambdas that render their section body."""
    return {
        "default": lambda text, render: render(text),
        "na": lambda text, render: render(text) or "N/A",
        "upper": lambda text, render: render(text).upper(),
        "lower": lambda text, render: render(text).lower(),
        "strip": lambda text, render: render(text).strip(),
    }


_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off", ""}


def apply_inputs(declared: Any, given: dict[str, Any]) -> dict[str, Any]:
    """Declared defaults applied, types checked (string/number/boolean/choice), required inputs enforced."""
    out = dict(given or {})
    if not isinstance(declared, list):
        return out
    for spec in declared:
        if not isinstance(spec, dict) or not spec.get("name"):
            continue
        name = str(spec["name"])
        typ = str(spec.get("type", "string"))
        if name not in out or out[name] is None:
            if "default" in spec and spec["default"] is not None:
                out[name] = spec["default"]
            elif spec.get("required"):
                raise UsageError(
                    f"input {name!r} is required by this workflow ({spec.get('description') or typ})",
                    hint=f"pass it: keepwf run WF --input {name}=VALUE",
                )
            else:
                continue
        v = out[name]
        if typ == "number":
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                try:
                    f = float(str(v).strip())
                except ValueError:
                    raise UsageError(f"input {name!r} must be a number, got {v!r}",
                                     hint=f"keepwf run WF --input {name}=42") from None
                v = int(f) if f.is_integer() and "." not in str(v) else f
        elif typ == "boolean":
            if not isinstance(v, bool):
                s = str(v).strip().lower()
                if s not in _TRUE | _FALSE:
                    raise UsageError(f"input {name!r} must be true or false, got {v!r}",
                                     hint=f"keepwf run WF --input {name}=true")
                v = s in _TRUE
        elif typ == "choice":
            options = spec.get("options") or []
            if options and v not in options:
                same = [o for o in options if str(o) == str(v)]
                if not same:
                    raise UsageError(f"input {name!r} must be one of {', '.join(map(str, options))}; got {v!r}",
                                     hint=f"keepwf run WF --input {name}={options[0]}")
                v = same[0]  # --input level=2 for options [1, 2, 3] is the option 2, not the text "2"
        out[name] = v
    return out


def build_context(*, event: dict | None, event_kind: str | None, consts: Any, inputs: dict,
                  last_results: dict | None, last_run_time: Any) -> dict[str, Any]:
    alert = EventDict(event) if event is not None and event_kind != "incident" else EventDict()
    incident = EventDict(event) if event is not None and event_kind == "incident" else None
    steps: dict[str, Any] = {}
    ctx: dict[str, Any] = {
        "alert": alert,
        "event": incident if incident is not None else alert,
        "incident": incident,
        "steps": steps,
        "actions": steps,
        "foreach": {},
        "consts": consts if isinstance(consts, dict) else {},
        "vars": {},
        "aliases": {},
        "secrets": {},
        "inputs": inputs,
        "fn": fn_helpers(),
    }
    ctx["last_workflow_results"] = last_results if last_results is not None else {}
    ctx["last_workflow_run_time"] = last_run_time
    return ctx


def foreach_items(expr: Any, ctx: dict) -> list:
    """§2.9: ``foreach`` is a path lookup (braces stripped, ``&&`` zips), not a template.

    keepwf decision: a missing path or a string value is a step error (Keep iterates zero times / per character).
    """
    if isinstance(expr, list):
        return expr
    text = str(expr)
    paths = [p.strip().replace("{{", "").replace("}}", "").strip() for p in text.split("&&")]
    seqs = []
    for path in paths:
        cur: Any = ctx
        for part in path.split("."):
            if isinstance(cur, dict) and part in cur:
                cur = cur[part]
            elif isinstance(cur, (list, tuple)) and part.lstrip("-").isdigit() and -len(cur) <= int(part) < len(cur):
                cur = cur[int(part)]
            else:
                raise ValueError(f"foreach path {path!r} not found in the context")
        if cur is None:
            cur = []
        if isinstance(cur, str):
            raise ValueError(f"foreach path {path!r} is a string, not a list (Keep would loop over its characters)")
        if isinstance(cur, dict):
            cur = list(cur)
        if not isinstance(cur, (list, tuple)):
            raise ValueError(f"foreach path {path!r} is a {type(cur).__name__}, not a list")
        seqs.append(list(cur))
    if len(seqs) == 1:
        return seqs[0]
    return [tuple(t) for t in zip(*seqs)]
