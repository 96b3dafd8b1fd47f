"""Interval triggers, Keep's rule: a workflow with ``interval: N`` runs when its last start + N is past; the first
time at once. After downtime it runs once (no burst of the missed ones). The claim is a compare-and-swap on the
journal's ``schedule`` row, so two serve processes on one clone never both run the same slot."""

from __future__ import annotations

from datetime import datetime, timedelta

from keepwf.model.runrecord import format_started, new_run_id, parse_started
from keepwf.service.runtime.dispatch import interval_seconds
from keepwf.store.journal import dumps


def due_intervals(index, journal, env: str, now: datetime) -> int:
    """Journal an ``interval`` event for every deployed interval workflow that is due; returns how many."""
    n = 0
    for wf, v in sorted(index.refresh().items()):
        doc = index.doc(v, wf)
        every = interval_seconds(doc)
        if every is None or doc.data.get("disabled") in (True, "true"):
            continue
        last = journal.last_started(env, wf)
        if last is not None and parse_started(last) + timedelta(seconds=every) > now:
            continue
        stamp = format_started(now)
        with journal.tx() as c:
            if last is None:
                cur = c.execute("INSERT OR IGNORE INTO schedule(env, workflow, last_started) VALUES (?,?,?)",
                                (env, wf, stamp))
            else:
                cur = c.execute("UPDATE schedule SET last_started=? WHERE env=? AND workflow=? AND last_started=?",
                                (stamp, env, wf, last))
            if cur.rowcount != 1:
                continue  # another process took this slot
            c.execute("INSERT INTO events(task, kind, env, body, received, workflow) VALUES (?,?,?,?,?,?)",
                      (new_run_id(now), "interval", env, dumps({}), stamp, wf))
        n += 1
    return n
