"""Start-up after a stop or a kill: what the journal says was in flight, checked against the git run log.

- a job ``recorded`` whose run id is already in git is done (the kill fell between the append and the journal update);
  the others are appended by the recorder;
- a job ``running`` was cut: unless its record reached git, it runs again (next attempt; the new record carries
  ``attempt`` and ``retry_of`` = the run id of the cut attempt);
- ``queued`` jobs and events simply continue. No event produces two records: every record's run id is checked.
"""

from __future__ import annotations

from datetime import datetime, timezone

from keepwf.model.runrecord import format_started, run_id_time_ms


def run_ids_in_log(repo, run_ids: set[str]) -> set[str]:
    """The ids of ``run_ids`` present in the run log (walks only runs started after the oldest id's time)."""
    from keepwf.store.runlog import RunLog

    if not run_ids:
        return set()
    lo_ms = min(run_id_time_ms(r)[0] for r in run_ids)
    lo = format_started(datetime.fromtimestamp(max(lo_ms / 1000 - 60, 0), timezone.utc))
    found = set()
    for started, run_id, _line in RunLog(repo).iter_heads():
        if started < lo:
            break
        if run_id in run_ids:
            found.add(run_id)
            if len(found) == len(run_ids):
                break
    return found


def recover(repo, journal) -> list[dict]:
    """Settle the jobs a previous process left; returns the queued jobs to run (oldest first)."""
    recorded = journal.jobs_in("recorded")
    running = journal.jobs_in("running")
    present = run_ids_in_log(repo, {r["run_id"] for r in recorded + running if r["run_id"]})
    journal.mark_done([r["id"] for r in recorded + running if r["run_id"] in present])
    with journal.tx() as c:
        c.executemany("UPDATE jobs SET state='queued' WHERE id=?",
                      [(r["id"],) for r in running if r["run_id"] not in present])
    return [dict(r) for r in journal.jobs_in("queued")]
