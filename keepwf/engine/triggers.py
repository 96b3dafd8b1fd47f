"""Which triggers of a workflow fire for an event, and why (pure: no git, no terminal).

Keep's semantics (keep-format.md §1.4):

- ``alert`` trigger: no ``filters`` and no ``cel`` → every alert. ``filters`` (``{key, value, exclude?}``) are
  converted to CEL, AND-joined, and override ``cel``; key ``source`` uses ``.contains()`` (source is a list);
  ``r"…"`` values support only: an alternation of literals (``a|b``: equality with one of them; membership for
  ``source``), ``.*`` (has the field), ``^$`` (empty), ``.*x.*`` and ``x.*`` (both: contains ``x``, as Keep converts
  them) — anything else fails closed (the trigger never fires). The converted filters get the CEL rewrites below. In CEL, ``source == "x"`` becomes ``source.contains("x")`` and
  severity literals become their order (low=1, info=2, warning=3, high=4, critical=5; the event's severity too), so
  ``severity > 'info'`` works. A CEL error → not run. ``only_on_change`` / ``severity_changed`` compare with the
  previous alert of the same fingerprint (none → run).
- ``incident`` trigger: fires when the incident event (``created``/``updated``/``deleted``) is in ``events``.
- ``manual`` / ``interval``: never fired by an event (``keepwf serve`` runs ``interval`` on its schedule).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from keepwf.engine.alert import SEVERITY_ORDER, normalize_alert  # noqa: F401 - normalize_alert re-exported

INCIDENT_EVENTS = ("created", "updated", "deleted")


@dataclass(frozen=True)
class TriggerMatch:
    index: int  # position in workflow.triggers
    type: str
    matched: bool
    reason: str
    cel: str | None = None
    alert_updates: dict[str, Any] = field(default_factory=dict)  # severity_changed fields to set on the alert

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FilterNotSupported(ValueError):
    """A filter value Keep cannot turn into CEL: the trigger fails closed."""


def _lit(value: Any) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def filters_to_cel(filters: list[dict[str, Any]]) -> str:
    """Keep's ``_convert_filters_to_cel``: AND-joined conditions. Raises FilterNotSupported for unsupported regexes."""
    parts = []
    for f in filters:
        if not isinstance(f, dict) or "key" not in f:
            raise FilterNotSupported(f"filter {f!r} has no key")
        key = str(f["key"])
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", key):
            raise FilterNotSupported(f"filter key {key!r} is not a field name")
        value = "" if f.get("value") is None else str(f.get("value"))
        exclude = bool(f.get("exclude", False))
        if value.startswith('r"') and value.endswith('"') and len(value) >= 3:
            cond = _regex_to_cel(key, value[2:-1])
        elif key == "source":
            cond = f"{key}.contains({_lit(value)})"
        else:
            cond = f"{key} == {_lit(value)}"
        parts.append(f"!({cond})" if exclude else f"({cond})")
    return " && ".join(parts) if parts else "true"


def _regex_to_cel(key: str, rx: str) -> str:
    if rx == ".*":
        return f"has({key})"
    if rx == "^$":
        return f'{key} == ""'
    if "|" in rx:
        alts = [a.strip().lstrip("(").rstrip(")") for a in rx.split("|")]
        if any(not a or re.search(r"[\\^$.*+?\[\]{}()]", a) for a in alts):
            raise FilterNotSupported(f'regex r"{rx}": only an alternation of plain literals is supported')
        # as Keep: each literal is compared whole (`==`), except for `source`, a list (membership)
        if key == "source":
            return " || ".join(f"{key}.contains({_lit(a)})" for a in alts)
        return " || ".join(f"{key} == {_lit(a)}" for a in alts)
    if rx.startswith(".*") and rx.endswith(".*") and len(rx) > 4 and _plain(rx[2:-2]):
        return f"{key}.contains({_lit(rx[2:-2])})"
    if rx.endswith(".*") and _plain(rx[:-2]) and rx[:-2]:
        return f"{key}.contains({_lit(rx[:-2])})"  # as Keep: `x.*` is "contains x", not "starts with x"
    raise FilterNotSupported(f'regex r"{rx}" is not one of the shapes Keep supports (a|b, .*, ^$, .*x.*, x.*)')


def _plain(s: str) -> bool:
    return not re.search(r"[\\^$.*+?\[\]{}()|]", s)


_SEV_CMP = re.compile(r"""\bseverity\s*(==|!=|>=|<=|>|<)\s*(['"])(\w+)\2""", re.I)
_SEV_CMP_REV = re.compile(r"""(['"])(\w+)\1\s*(==|!=|>=|<=|>|<)\s*severity\b""", re.I)
_SOURCE_EQ = re.compile(r"""\bsource\s*(==|!=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")


def preprocess_cel(expr: str, severities: bool = True) -> str:
    """Keep's CEL rewrites: ``source == "x"`` → contains; severity literals → their numeric order (unless
    ``severities`` is false: the form shown to users, where ``severity == 'critical'`` reads better than ``== 5``)."""

    def sev(m):
        n = SEVERITY_ORDER.get(m.group(3).lower())
        return m.group(0) if n is None else f"severity {m.group(1)} {n}"

    def sev_rev(m):
        n = SEVERITY_ORDER.get(m.group(2).lower())
        return m.group(0) if n is None else f"{n} {m.group(3)} severity"

    def src(m):
        call = f"source.contains({m.group(2)})"
        return call if m.group(1) == "==" else f"!{call}"

    if severities:
        expr = _SEV_CMP.sub(sev, expr)
        expr = _SEV_CMP_REV.sub(sev_rev, expr)
    return _SOURCE_EQ.sub(src, expr)


def _activation(alert: dict[str, Any]) -> dict[str, Any]:
    act = dict(alert)
    sev = act.get("severity")
    if isinstance(sev, str) and sev.lower() in SEVERITY_ORDER:
        act["severity"] = SEVERITY_ORDER[sev.lower()]
    return act


_CACHE: dict[str, Any] = {}


def eval_cel(expr: str, alert: dict[str, Any]) -> bool:
    """Evaluate a (preprocessed) CEL expression against the alert. Raises ValueError on a parse/eval error."""
    import celpy  # lazily: ~100 ms to import

    prog = _CACHE.get(expr)
    if prog is None:
        env = celpy.Environment()
        try:
            prog = env.program(env.compile(expr))
        except Exception as e:  # celpy raises its own parse error classes
            raise ValueError(f"CEL does not parse: {e}") from e
        _CACHE[expr] = prog
    try:
        result = prog.evaluate(celpy.json_to_cel(_activation(alert)))
    except Exception as e:
        raise ValueError(f"CEL evaluation failed: {_cel_message(e)}") from e
    if isinstance(result, Exception):
        raise ValueError(f"CEL evaluation failed: {_cel_message(result)}")
    return bool(result)


def _cel_message(e: BaseException) -> str:
    """celpy's error text without the dump of its whole activation (kilobytes of internals)."""
    msg = e.args[0] if e.args and isinstance(e.args[0], str) else str(e)
    msg = msg.split(" (in activation ", 1)[0]
    return msg if len(msg) <= 200 else msg[:200] + "…"


def match_alert_trigger(index: int, trig: dict[str, Any], alert: dict[str, Any],
                        previous: dict[str, Any] | None = None) -> TriggerMatch:
    filters, cel = trig.get("filters"), trig.get("cel")
    raw = expr = None
    if filters:
        try:
            raw = filters_to_cel(filters)  # Keep rewrites the converted filters like any CEL
        except FilterNotSupported as e:
            return TriggerMatch(index, "alert", False, f"fails closed: {e}")
    elif cel:
        raw = str(cel)
    if raw is not None:
        expr, shown = preprocess_cel(raw), preprocess_cel(raw, severities=False)
        try:
            ok = eval_cel(expr, alert)
        except ValueError as e:
            return TriggerMatch(index, "alert", False, str(e), expr)
        if not ok:
            return TriggerMatch(index, "alert", False, f"filter is false: {shown}", expr)
        why = f"filter is true: {shown}"
    else:
        why = "no filters: every alert"
    updates: dict[str, Any] = {}
    if trig.get("severity_changed"):
        if previous is not None:
            before, now = previous.get("severity"), alert.get("severity")
            if before == now:
                return TriggerMatch(index, "alert", False, f"severity_changed: still {now!r} (as in the previous alert)", expr)
            o_b, o_n = SEVERITY_ORDER.get(str(before).lower(), 0), SEVERITY_ORDER.get(str(now).lower(), 0)
            updates = {"severity_changed": True, "previous_severity": before,
                       "severity_change": "increased" if o_n > o_b else "decreased"}
            why += f"; severity changed {before!r} → {now!r}"
    fields = trig.get("only_on_change") or []
    if fields and previous is not None:
        changed = [f for f in fields if _dig(alert, f) != _dig(previous, f)]
        if not changed:
            return TriggerMatch(index, "alert", False, f"only_on_change: {', '.join(map(str, fields))} unchanged since the previous alert", expr)
        why += f"; changed: {', '.join(map(str, changed))}"
    elif fields:
        why += "; first alert of this fingerprint"
    return TriggerMatch(index, "alert", True, why, expr, updates)


def _dig(d: dict, path: str) -> Any:
    cur: Any = d
    for part in str(path).split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def match_triggers(triggers: list[Any], *, alert: dict[str, Any] | None = None, incident_event: str | None = None,
                   previous_alert: dict[str, Any] | None = None) -> list[TriggerMatch]:
    """Every trigger's verdict for one event (an alert, or an incident event name)."""
    out = []
    for i, trig in enumerate(triggers or []):
        if not isinstance(trig, dict):
            out.append(TriggerMatch(i, "?", False, "not a mapping"))
            continue
        typ = str(trig.get("type", "?"))
        if typ == "alert":
            if alert is None:
                out.append(TriggerMatch(i, typ, False, "the event is not an alert"))
            else:
                out.append(match_alert_trigger(i, trig, alert, previous_alert))
        elif typ == "incident":
            events = trig.get("events") or []
            if incident_event is None:
                out.append(TriggerMatch(i, typ, False, "the event is not an incident"))
            elif incident_event in events:
                out.append(TriggerMatch(i, typ, True, f"incident {incident_event} is in events {events}"))
            else:
                out.append(TriggerMatch(i, typ, False, f"incident {incident_event} is not in events {events}"))
        elif typ == "interval":
            out.append(TriggerMatch(i, typ, False, f"interval trigger: `keepwf serve` runs it every {trig.get('value')}, not on events"))
        elif typ == "manual":
            out.append(TriggerMatch(i, typ, False, "manual trigger: runs with `keepwf run`"))
        else:
            out.append(TriggerMatch(i, typ, False, f"unknown trigger type {typ!r}"))
    return out


def explain(matches: list[TriggerMatch]) -> str:
    """One line per trigger: fired or not, and why."""
    return "\n".join(f"triggers[{m.index}] {m.type}: {'fires' if m.matched else 'no'} — {m.reason}" for m in matches)
