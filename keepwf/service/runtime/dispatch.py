"""Dispatch: each journaled event becomes the runs it causes, in one journal transaction.

Alerts first pass Keep's full-duplicate rule (the hash of the alert without ``lastReceived`` equal to the last one for
its fingerprint: dropped before any workflow is considered), then every workflow deployed in the env is matched
against it exactly as ``keepwf trigger`` does (filters / CEL, ``only_on_change``, disabled workflows). A job is one
run to make: (workflow, the matching trigger's alert) with a run id planned now.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from keepwf.store.journal import dumps

STRATEGIES = ("nonparallel_with_retry", "nonparallel", "parallel")


def dedupe_hash(alert: dict) -> str:
    """Keep's full-duplicate hash: the alert as JSON (sorted keys) without ``lastReceived``."""
    a = {k: v for k, v in alert.items() if k != "lastReceived"}
    return hashlib.sha256(json.dumps(a, sort_keys=True, default=str).encode()).hexdigest()


def strategy_of(doc) -> str:
    s = doc.data.get("strategy") if isinstance(doc.data, dict) else None
    return s if s in STRATEGIES else "nonparallel_with_retry"


def interval_seconds(doc) -> int | None:
    """The workflow's interval trigger in seconds (``300``, ``"5m"``, ``"1h"``, ``"1d"``), None without one."""
    data = doc.data if isinstance(doc.data, dict) else {}
    for trig in data.get("triggers") or []:
        if isinstance(trig, dict) and trig.get("type") == "interval":
            val = str(trig.get("value", "")).strip()
            unit = {"m": 60, "h": 3600, "d": 86400}.get(val[-1:], 1)
            digits = val.rstrip("mhd").strip()
            if digits.isdigit() and int(digits) > 0:
                return int(digits) * unit
    return None


@dataclass
class Planned:
    """What dispatch decided for one event."""

    state: str  # dispatched | deduplicated | unmatched
    jobs: list[dict] = field(default_factory=list)
    note: str | None = None
    alert_hash: tuple[str, str] | None = None  # (fingerprint, hash) to remember


def _job(env: str, wf: str, kind: str, key: str, doc, event: dict | None, inputs: dict | None, arrived: str,
         run_id: str, blob: str | None = None) -> dict:
    return {"env": env, "workflow": wf, "kind": kind, "key": key, "strategy": strategy_of(doc),
            "event": dumps(event) if event is not None else None, "inputs": dumps(inputs or {}), "arrived": arrived,
            "run_id": run_id, "blob": blob}


def still_matches(doc, kind: str, event: dict) -> bool:
    """Whether a version deployed after dispatch still wants this event (its triggers, not disabled)."""
    from keepwf.engine.triggers import match_triggers

    data = doc.data if isinstance(doc.data, dict) else {}
    if data.get("disabled") in (True, "true"):
        return False
    inc = str(event.get("event") or "created") if kind == "incident" else None
    return any(m.matched for m in match_triggers(data.get("triggers") or [], alert=event if kind == "alert" else None,
                                                 incident_event=inc))


def plan_event(row, index, history, last_hash: str | None, new_id) -> Planned:
    """The jobs of one journaled event (``row``: kind, env, body, received, workflow)."""
    from keepwf.engine.triggers import TriggerMatch, match_triggers, normalize_alert

    kind, env, arrived = row["kind"], row["env"], row["received"]
    body = json.loads(row["body"])
    deployed = index.refresh()
    if kind in ("manual", "interval"):
        wf = row["workflow"]
        v = index.version_for(wf, body.get("event"), deployed)
        if v is None:
            return Planned("unmatched", note=f"{wf} is not deployed in {env}")
        doc = index.doc(v, wf)
        if kind == "interval" and interval_seconds(doc) is None:
            return Planned("unmatched", note=f"{wf} {v.label} has no interval trigger")
        key = f"{wf}:{kind}" if kind == "interval" else f"{wf}:{new_id()}"
        return Planned("dispatched", [_job(env, wf, kind, key, doc, body.get("event"), body.get("inputs"), arrived,
                                           body.get("run_id") or new_id())])
    if kind == "alert":
        event = normalize_alert(body, now=arrived)
        fp = str(event.get("fingerprint"))
        h = dedupe_hash(event)
        if last_hash == h:
            return Planned("deduplicated", note=f"same alert as the last one for fingerprint {fp}")
        inc_event = None
    else:
        event, fp, h = dict(body), str(body.get("id") or ""), None
        inc_event = str(event.get("event") or "created")
    jobs = []
    for wf in sorted(deployed):
        v = index.version_for(wf, event, deployed)
        if v is None:
            continue
        doc = index.doc(v, wf)
        triggers = doc.data.get("triggers") or [] if isinstance(doc.data, dict) else []
        wants_prev = kind == "alert" and any(isinstance(t, dict) and t.get("only_on_change") for t in triggers)
        prev = history.previous_alert(wf, fp) if wants_prev else None
        matches = match_triggers(triggers, alert=event if kind == "alert" else None, incident_event=inc_event,
                                 previous_alert=prev)
        if doc.data.get("disabled") in (True, "true"):
            matches = [TriggerMatch(m.index, m.type, False, "disabled") for m in matches]
        for m in matches:
            if m.matched:
                ev = dict(event, **m.alert_updates)
                jobs.append(_job(env, wf, kind, f"{wf}:{fp}", doc, ev, None, arrived, new_id(), v.blob))
    return Planned("dispatched" if jobs else "unmatched", jobs, None if jobs else "no deployed workflow matched",
                   (fp, h) if h else None)


def dispatch(journal, index, history, new_id, limit: int = 200) -> tuple[list[dict], dict[str, int]]:
    """Plan the queued events (oldest first) and write the jobs, the events' states and the alert hashes in one
    transaction. Returns (the new jobs with their ids, counts by outcome)."""
    rows = journal.queued_events(limit)
    if not rows:
        return [], {}
    counts: dict[str, int] = {}
    plans = []
    hashes: dict[str, str] = {}
    c = journal.conn()
    for row in rows:
        last = None
        if row["kind"] == "alert":
            fp = str(json.loads(row["body"]).get("fingerprint") or "")
            if fp in hashes:
                last = hashes[fp]
            else:
                r = c.execute("SELECT hash FROM alerts WHERE fingerprint=?", (fp,)).fetchone() if fp else None
                last = r[0] if r else None
        try:
            p = plan_event(row, index, history, last, new_id)
        except Exception as e:  # a workflow that cannot be loaded must not block the queue: say so on the event
            p = Planned("unmatched", note=f"dispatch failed: {e}")
        if p.alert_hash:
            hashes[p.alert_hash[0]] = p.alert_hash[1]
        plans.append((row, p))
        counts[p.state] = counts.get(p.state, 0) + 1
    new_jobs = []
    with journal.tx() as c:
        for row, p in plans:
            for j in p.jobs:
                cur = c.execute("INSERT INTO jobs(seq, task, env, workflow, kind, key, strategy, event, inputs, arrived,"
                                " run_id, blob) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                                (row["seq"], row["task"], j["env"], j["workflow"], j["kind"], j["key"], j["strategy"],
                                 j["event"], j["inputs"], j["arrived"], j["run_id"], j["blob"]))
                new_jobs.append(dict(j, id=cur.lastrowid, seq=row["seq"], task=row["task"], attempt=0, retry_of=None))
            c.execute("UPDATE events SET state=?, note=? WHERE seq=?", (p.state, p.note, row["seq"]))
        for fp, h in hashes.items():
            c.execute("INSERT INTO alerts(fingerprint, hash, seen) VALUES (?,?,datetime('now')) "
                      "ON CONFLICT(fingerprint) DO UPDATE SET hash=excluded.hash, seen=excluded.seen", (fp, h))
    return new_jobs, counts
