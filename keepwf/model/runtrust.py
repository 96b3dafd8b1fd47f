"""Is a run record one keepwf wrote? Pure checks a reader applies to every record it shows or counts.

A run chain is an ordinary git ref: anyone with push access can put a commit on it whose message is a record keepwf
never wrote (a made-up run id, a start time in the future, a run of another workflow). Readers keep such records —
nothing is dropped — but flag them (``untrusted``: the reason) so ``keepwf runs`` marks them and counts leave them out.

"Future" is judged against the commit that holds the record, never against the reader's clock: keepwf writes the
commit (its committer time) just after the run started, on the same machine, so a record that starts later than the
commit holding it (beyond ``SKEW_S`` for coarse clocks) was not written by keepwf. That holds under any shifted clock.
"""

from __future__ import annotations

from typing import Any

from keepwf.model.runrecord import RecordError, check_record, parse_started, run_id_time_ms

UNTRUSTED = "untrusted"  # the key a reader adds to a record it flags (never written to git)
SKEW_S = 300  # a record may start at most this long after its commit's time (clock steps between two syscalls)


def untrusted_reason(rec: dict[str, Any], *, recorded_at: int | None = None,
                     chain: tuple[str, str, str] | None = None) -> str | None:
    """Why ``rec`` cannot be a record keepwf wrote, or None. ``recorded_at``: the committer time (epoch seconds) of
    the commit holding it; ``chain``: ``(env, workflow, version label or "draft")`` of the chain ref it was read from."""
    try:
        check_record(rec)
    except RecordError as e:
        return str(e)
    try:
        started = parse_started(rec["started"])
        started_ms = int(started.timestamp() * 1000)
    except (ValueError, OverflowError):
        return f"started {rec['started']!r} is not a real time"
    rng = run_id_time_ms(rec["run_id"])
    if rng is None or abs(rng[0] - started_ms) > 1:
        return "its run_id does not encode its start time (keepwf derives one from the other)"
    if recorded_at is not None and started.timestamp() > recorded_at + SKEW_S:
        return f"it starts {_span(started.timestamp() - recorded_at)} after the commit that recorded it"
    if chain is not None:
        env, wf, leaf = chain
        label = "draft" if rec.get("draft") else rec.get("version")
        if (rec.get("env"), rec.get("workflow"), label) != (env, wf, leaf):
            return (f"it claims {rec.get('workflow')} {label} in {rec.get('env')} but sits on the run chain of "
                    f"{wf} {leaf} in {env}")
    return None


def _span(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{int(seconds)} seconds"
