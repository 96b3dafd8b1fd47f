"""Validation rules for triggers (keep-format.md §1.4) and intervals."""

from __future__ import annotations

import re

from keepwf.workflow import keys as K
from keepwf.workflow import yamlnodes as yn
from keepwf.workflow.checker import Checker, did_you_mean, join


def check_interval(c: Checker, node, ypath: str) -> None:
    val = yn.scalar(node)
    ok = (isinstance(val, int) and not isinstance(val, bool) and val > 0) or (
        isinstance(val, str) and K.INTERVAL_RE.match(val) and int(re.sub(r"\D", "", val)) > 0
    )
    if not ok:
        shown = node.value if isinstance(node, yn.ScalarNode) else yn.kind(node)
        c.error(node, ypath, f"bad interval {shown!r}", "give seconds (e.g. 300) or a number with m, h or d (e.g. \"5m\", \"1h\", \"1d\")", "interval")


def check_triggers(c: Checker, node, prefix: str) -> None:
    tp = join(prefix, "triggers")
    triggers = yn.get(node, "triggers")
    if triggers is None or yn.is_null(triggers) or (isinstance(triggers, yn.SequenceNode) and not triggers.value):
        return  # no trigger: the workflow runs only when started by hand (`keepwf run`)
    if not isinstance(triggers, yn.SequenceNode):
        c.error(triggers, tp, f"triggers must be a list, not {yn.kind(triggers)}", "write each trigger as a `- type: …` item", "type")
        return
    for i, trig in enumerate(triggers.value):
        p = join(tp, i)
        if not isinstance(trig, yn.MappingNode):
            c.error(trig, p, f"a trigger must be a mapping with type:, not {yn.kind(trig)}", "e.g. `- type: manual`", "trigger-type")
            continue
        tnode = yn.get(trig, "type")
        ttype = tnode.value if yn.is_str(tnode) else None
        if ttype not in K.TRIGGER_TYPES:
            guess = did_you_mean(str(ttype), K.TRIGGER_TYPES) if ttype else None
            what = f"unknown trigger type {ttype!r}" if tnode is not None and not yn.is_null(tnode) else "trigger without type"
            c.error(tnode or trig, join(p, "type"), what, f"did you mean {guess!r}?" if guess else f"use one of: {', '.join(K.TRIGGER_TYPES)}", "trigger-type")
            continue
        c.unknown_keys(trig, p, K.TRIGGER_KEYS[ttype], f"a {ttype} trigger")
        if ttype == "interval":
            v = yn.get(trig, "value")
            if v is None or yn.is_null(v):
                c.error(trig, join(p, "value"), "interval trigger without value", "add `value: 300` (seconds) or `value: 5m`", "interval")
            else:
                check_interval(c, v, join(p, "value"))
        elif ttype == "incident":
            _check_incident(c, trig, p)
        elif ttype == "alert":
            _check_alert(c, trig, p)


def _check_incident(c: Checker, trig, p: str) -> None:
    ev = yn.get(trig, "events")
    if not isinstance(ev, yn.SequenceNode) or not ev.value:
        c.error(ev or trig, join(p, "events"), "incident trigger without a list of events", "add `events: [created, updated]`", "incident-events")
        return
    for j, e in enumerate(ev.value):
        name = e.value if yn.is_str(e) else None
        if name not in K.INCIDENT_EVENTS:
            guess = did_you_mean(str(name), K.INCIDENT_EVENTS) if name else None
            c.error(e, join(join(p, "events"), j), f"unknown incident event {getattr(e, 'value', '')!r} (the trigger would never fire)",
                    f"did you mean {guess!r}?" if guess else f"use {', '.join(K.INCIDENT_EVENTS)}", "incident-events")


def _check_alert(c: Checker, trig, p: str) -> None:
    filters = yn.get(trig, "filters")
    if filters is not None and not yn.is_null(filters):
        if not isinstance(filters, yn.SequenceNode):
            c.error(filters, join(p, "filters"), f"filters must be a list of {{key, value}}, not {yn.kind(filters)}", "e.g. `- key: source` / `value: prometheus`", "alert-filter")
        else:
            for j, f in enumerate(filters.value):
                fp = join(join(p, "filters"), j)
                if not isinstance(f, yn.MappingNode):
                    c.error(f, fp, f"a filter must be a mapping with key: and value:, not {yn.kind(f)}", None, "alert-filter")
                    continue
                c.unknown_keys(f, fp, K.FILTER_KEYS, "a filter")
                for k in ("key", "value"):
                    if yn.get(f, k) is None:
                        c.error(f, fp, f"filter without {k}:", "a filter needs key: and value:", "alert-filter")
            if yn.get(trig, "cel") is not None:
                c.warn(yn.key_node(trig, "cel"), join(p, "cel"), "cel is ignored when filters are given (Keep converts filters to CEL and overrides it)", "keep either filters: or cel:", "alert-filter")
    cel = yn.get(trig, "cel")
    if cel is not None and not yn.is_null(cel) and not isinstance(cel, yn.ScalarNode):
        c.error(cel, join(p, "cel"), f"cel must be an expression (text), not {yn.kind(cel)}", None, "alert-filter")
    c.expect_list(trig, p, "only_on_change")
    c.expect_bool(trig, p, "severity_changed")
