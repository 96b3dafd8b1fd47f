"""``enrich_alert`` / ``enrich_incident`` (§2.10) on the in-memory event, recorded in the run (decision 4)."""

from __future__ import annotations

import re
from typing import Any


def _from_results(value: Any, result: Any) -> Any:
    """Keep resolves values starting with ``results.`` as a path into the provider result (no eval here)."""
    if not (isinstance(value, str) and (value.startswith("results.") or value.startswith("results["))):
        return value
    path = re.sub(r"\[(\d+)\]", r".\1", value[len("results"):]).strip(".")
    cur = result
    for part in path.split(".") if path else []:
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, (list, tuple)) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            raise ValueError(f"enrichment value {value!r}: path not found in the step's results")
    return cur


_FAILED = object()


def _resolve(run, step: str, target: str, ident: Any, entry: dict, result: Any) -> Any:
    """The entry's value, or _FAILED after a warning: as in Keep (base_provider ``_enrich``), one enrichment that
    cannot be resolved (no ``value``, a ``results.`` path not in the results) is logged and skipped, and the step
    and the other enrichments go on."""
    try:
        if "value" not in entry:
            raise ValueError("it has no value")
        return _from_results(entry["value"], result)
    except ValueError as e:
        run.log(step, "warning", f"Failed to enrich {target} {ident} with {entry.get('key')!s}: {e}; skipped, as in Keep")
        return _FAILED


def _entries(spec: Any, what: str) -> list[dict]:
    if spec is None:
        return []
    if not isinstance(spec, list) or not all(isinstance(e, dict) and "key" in e for e in spec):
        raise ValueError(f"{what} must be a list of {{key, value}} mappings")
    return spec


def apply_enrichments(run, step: str, result: Any, item: Any, enrich_alert: Any, enrich_incident: Any) -> None:
    ctx = run.context
    alerts = _entries(enrich_alert, "enrich_alert")
    if alerts:
        target = None
        fp = None
        if isinstance(result, dict) and result.get("fingerprint"):
            fp = result["fingerprint"]
        elif isinstance(item, dict) and item.get("fingerprint"):
            fp, target = item["fingerprint"], item
        event = ctx["alert"]
        if fp is None:
            fp = event.get("fingerprint") if isinstance(event, dict) else None
        if fp is None and ctx.get("incident"):
            fp = ctx["incident"].get("id")
        if fp is None:
            raise ValueError("enrich_alert: no fingerprint to enrich (no alert, no fingerprint in the results or the "
                             "foreach item); run with --alert FILE")
        for e in alerts:
            key = str(e["key"])
            value = _resolve(run, step, "alert", fp, e, result)
            if value is _FAILED:
                continue
            if isinstance(event, dict) and (event.get("fingerprint") == fp or target is None):
                event[key] = value
            if target is not None and target is not event:
                target[key] = value
            rec = {"target": "alert", "fingerprint": fp, "key": key, "value": run.record(value), "step": step}
            if e.get("disposable"):
                rec["disposable"] = True
            run.enrichments.append(rec)
            run.log(step, "info", f"enriched alert {fp}: {key}")
    incidents = _entries(enrich_incident, "enrich_incident")
    if incidents:
        inc = ctx.get("incident")
        if not isinstance(inc, dict):
            raise ValueError("enrich_incident: this run has no incident (run with --incident FILE)")
        for e in incidents:
            key = str(e["key"])
            value = _resolve(run, step, "incident", inc.get("id"), e, result)
            if value is _FAILED:
                continue
            inc[key] = value
            run.enrichments.append({"target": "incident", "incident": inc.get("id"), "key": key,
                                    "value": run.record(value), "step": step})
            run.log(step, "info", f"enriched incident {inc.get('id')}: {key}")
