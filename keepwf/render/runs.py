"""Runs on the terminal: live step progress, the run summary, the runs table, one run whole, trigger verdicts.

Lines are segments (plain ``str`` or ``(text, style)``); rich is imported only when the stream is a terminal, so a
piped `keepwf run` does not pay ~35 ms for it.
"""

from __future__ import annotations

import re
import sys
from typing import Any

_STATUS_STYLE = {"success": "green", "ran": "green", "error": "red", "timeout": "red", "cancelled": "red", "skipped": "yellow"}


# control characters other than newline and tab: alert text must not drive the terminal (ESC sequences can clear
# it, retitle it or hide lines); they are shown escaped, e.g. \x1b
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _safe(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text) if _CONTROL.search(text) else text


def out(*segs, stderr: bool = False) -> None:
    stream = sys.stderr if stderr else sys.stdout
    if not stream.isatty():
        stream.write(_safe("".join(s if isinstance(s, str) else s[0] for s in segs)) + "\n")
        return
    from rich.text import Text

    from keepwf.render import console

    t = Text()
    for s in segs:
        if isinstance(s, str):
            t.append(_safe(s))
        else:
            t.append(_safe(s[0]), style=s[1] or "")
    console(stderr).print(t)


def _st(s: Any):
    s = str(s)
    return (s, _STATUS_STYLE.get(s))


def _ms(ms: Any) -> str:
    if not isinstance(ms, (int, float)):
        return ""
    return f"{ms / 1000:.2f}s" if ms >= 1000 else f"{int(ms)}ms"


def notice(text: str) -> None:
    """The one line saying what runs (stderr, so --json output stays clean)."""
    out(("note:", "yellow"), " " + text, stderr=True)


class Progress:
    """Per-step progress lines on stderr."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled

    def __call__(self, ev) -> None:
        if not self.enabled:
            return
        if ev.kind == "step_end":
            out(*_step_end(ev), stderr=True)
        elif ev.kind == "log" and ev.message:
            out("    ", (f"{ev.step}:", "dim"), f" {ev.message}", stderr=True)


def _step_end(ev) -> list:
    """The line of a finished step or action: status, name, duration (attempt), error."""
    extra = f" (attempt {ev.attempt})" if ev.attempt and ev.attempt > 1 else ""
    segs = ["  ", _st(ev.status), f" {ev.step_kind} {ev.step} ", (f"{_ms(ev.duration_ms)}{extra}", "dim")]
    if ev.message and ev.status == "error":
        segs.append(f" — {ev.message}")
    return segs


def started(t) -> None:
    what = f"{t.workflow} draft ({t.path})" if t.draft else f"{t.workflow} {t.version} ({t.commit[:7]}) in {t.env}"
    out(f"running {what}", stderr=True)


def summary(rec: dict) -> None:
    steps = rec.get("steps") or []
    ok = sum(1 for s in steps if s.get("status") == "ran")
    failed = sum(1 for s in steps if s.get("status") == "error")
    skipped = sum(1 for s in steps if s.get("status") == "skipped")
    out(_st(rec["status"]), f" {rec['workflow']} {rec.get('version') or 'draft'} in {_ms(rec.get('duration_ms'))} — "
        f"{ok} ran, {failed} failed, {skipped} skipped · run {rec['run_id']}")
    if rec.get("error"):
        out("  ", ("error:", "red"), f" {rec['error']}")
    c = rec.get("canary")
    if c:
        out("  ", ("canary:", "cyan"), f" this event went to the {c.get('arm')} arm (step {c.get('step')}, "
            f"{c.get('weight')}% to the canary)")


def runs_table(page) -> None:
    """The runs, one per line (plain aligned text when piped)."""
    from keepwf.render.styled import table

    if not page.runs:
        out("no runs" + (" on this page" if page.page > 1 else ""))
        return
    rows = []
    flagged = 0
    for r in page.runs:
        d = r.to_dict()
        trig = d.get("trigger") or {}
        if d.get("untrusted"):
            flagged += 1
        rows.append([_safe(d["run_id"][:12]) + (" !" if d.get("untrusted") else ""),
                     _safe(d["started"][:19].replace("T", " ")), str(d.get("workflow")),
                     str(d.get("version") or ("draft" if d.get("draft") else "")), str(d.get("env")),
                     _st(d.get("status")), _ms(d.get("duration_ms")), str(trig.get("type", "")),
                     _safe(" ".join(str(d.get("error") or "").split()))[:60]])  # one line, no control chars
    table(["run", "started", "workflow", "version", "env", "status", "duration", "trigger", "error"], rows)
    if flagged:
        out((f"! {flagged} run(s) marked ! were not written by keepwf (forged or altered on the run chain); "
             "`keepwf runs show ID` says why. History counts leave them out.", "yellow"))
    if page.more:
        out((f"more: --page {page.page + 1}", "dim"))


def run_detail(rec) -> None:
    d = rec.to_dict()
    out(("run " + d["run_id"], "bold"), "  ", _st(d.get("status")))
    if d.get("untrusted"):
        out(("  NOT WRITTEN BY KEEPWF:", "red"), f" {d['untrusted']}")
    ver = "draft" if d.get("draft") else f"{d.get('version')} ({str(d.get('commit', ''))[:10]}, tag {d.get('tag')})"
    for k, v in [("workflow", d.get("workflow")), ("env", d.get("env")), ("version", ver), ("file", d.get("path")),
                 ("started", d.get("started")), ("duration", _ms(d.get("duration_ms"))),
                 ("trigger", _trigger(d.get("trigger"))), ("by", f"{d.get('user')} on {d.get('host')}"),
                 ("error", d.get("error")), ("inputs", d.get("inputs"))]:
        if v:
            out(f"  {k + ':':<10}{v}")
    for s in d.get("steps") or []:
        out("  ", _st(s.get("status")), f" {s.get('kind', 'step')} {s.get('name')} ",
            (f"{_ms(s.get('duration_ms'))}, {s.get('attempts') or 0} attempt(s)", "dim"))
        if s.get("error"):
            out("      ", (str(s["error"]), "red"))
        for res in (s.get("results") or [])[:5]:
            out(f"      → {str(res)[:200]}")
    if d.get("calls"):
        out(f"  mocked calls ({len(d['calls'])}):")
        for c in d["calls"][:50]:
            cfg = f" ({c['config']})" if c.get("config") else ""
            err = f" → error: {c['error']}" if c.get("error") is not None else ""
            out(f"    {c.get('kind', 'step')} {c.get('step')} #{c.get('attempt')}: {c.get('provider')}{cfg} ",
                (str(c.get("params"))[:200], "dim"), err)
    if d.get("logs"):
        out("  logs:")
        for lg in d["logs"][:50]:
            out("    ", (str(lg.get("step", "")), "dim"), f" {lg.get('message', '')}")
    if d.get("event"):
        from keepwf.render import to_json

        out("  event: " + to_json(d["event"]).replace("\n", "\n  "))


def _trigger(t) -> str:
    if not isinstance(t, dict):
        return str(t or "")
    extra = " ".join(f"{k}={t[k]}" for k in ("name", "fingerprint", "event") if t.get(k))
    return f"{t.get('type')} {extra}".strip()


def trigger_report(report, explain: bool) -> None:
    for v in report.verdicts:
        if v.refused:
            out(("refused", "red"), f" {v.workflow} {v.version}: {v.refused}")
        elif v.matched:
            res = ", ".join(f"{o.record['status']} ({o.record['run_id'][:12]})" for o in v.runs)
            out(("matched", "green"), f" {v.workflow} {v.version}" + (f": {len(v.runs)} run(s): {res}" if v.runs else ""))
        else:
            out(("skipped", "dim"), f" {v.workflow} {v.version}")
        for m in v.matches:
            if explain or (not v.matched and m.type in ("alert", "incident")):
                out(f"    triggers[{m.index}] {m.type}: ", ("yes", "green") if m.matched else ("no", "dim"), f" — {m.reason}")
    if not report.verdicts:
        out((f"no workflow is deployed in {report.env}", "dim"))


def followed(kind: str, obj: dict, as_json: bool) -> None:
    """One line of `runs --follow` / `runs show --follow`: a run started, a progress event, a run recorded."""
    if as_json:
        import json

        sys.stdout.write(json.dumps({"event": kind, "data": obj}, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()
        return
    if kind == "running":
        ver = obj.get("version") or "draft"
        out(("running", "cyan"), f" {obj.get('workflow')} {ver} in {obj.get('env')} · run {obj.get('run_id')} "
            f"({obj.get('trigger')})")
    elif kind == "event":
        from types import SimpleNamespace

        ev = SimpleNamespace(**{k: obj.get(k) for k in ("kind", "step", "step_kind", "index", "total", "status",
                                                        "message", "duration_ms", "attempt")})
        if ev.kind == "step_start":
            out("  ", ("…", "dim"), f" {ev.step_kind} {ev.step}")
        elif ev.kind == "step_end":
            out(*_step_end(ev))
        elif ev.kind == "log" and ev.message:
            out("    ", (f"{ev.step}:", "dim"), f" {ev.message}")
    elif kind == "run":
        summary(obj)
    sys.stdout.flush()
