"""Canary views: status of each canary, and the line a steering command prints."""

from __future__ import annotations

from keepwf.render.styled import line

_STYLE = {"running": "cyan", "paused": "yellow", "promoted": "green", "aborted": "red"}
_NEXT = {"wait": "wait", "advance": "advance to the next step", "promote": "promote", "abort": "abort", "pause": "pause"}


def status_rows(rows) -> None:
    if not rows:
        line("No canaries. Start one: keepwf deploy WF --canary")
        return
    for r in rows:
        s = r.state
        line((f"{r.workflow}", "bold"), f" in {r.env}: canary {s.canary} vs stable {s.stable} — ",
             (s.status if not r.superseded else "superseded by a later deploy", _STYLE.get(s.status)))
        steps = " → ".join(f"[{p}%]" if i + 1 == s.step and s.active else f"{p}%" for i, p in enumerate(s.steps))
        line(f"  steps {steps} → 100%   attempt {s.attempt} since {s.started[:19].replace('T', ' ')}")
        if s.reason:
            line(f"  last: {s.records[-1].get('event')} — {s.reason}")
        ev = r.evaluation
        if ev is not None:
            b = ev.verdict.bounds
            line(f"  this step: canary {ev.canary.failed}/{ev.canary.decided} failed, stable {ev.stable.failed}/"
                 f"{ev.stable.decided} failed; canary failure rate between {b['canary_lower']:.1%} and "
                 f"{b['canary_upper']:.1%}")
            line("  next: ", (_NEXT[ev.verdict.action], "bold"), f" — {ev.verdict.reason}")


def changed(rec: dict) -> None:
    ev = rec["event"]
    what = {"advance": f"moved to step {rec.get('step')} ({rec.get('weight')}% of the events to the canary)",
            "promote": f"promoted: {rec.get('canary')} is now the deployed version",
            "abort": f"aborted: every event goes to {rec.get('stable')}; {rec.get('canary')}'s content is refused until "
                     "keepwf canary retry",
            "resume": f"resumed at step {rec.get('step')} ({rec.get('weight')}%)",
            "retry": f"retried: a new attempt of {rec.get('canary')} from step 1 ({rec.get('weight')}%)"}.get(ev, ev)
    line(("canary", "cyan"), f" {rec.get('canary')} {what}")
