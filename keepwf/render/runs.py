"""Runs on the terminal: live step progress, the run summary, the runs table, one run whole, trigger verdicts."""

from __future__ import annotations

import sys
from typing import Any

from keepwf.render import console, escape, line

_STATUS_STYLE = {"success": "green", "ran": "green", "error": "red", "timeout": "red", "skipped": "yellow"}


def _st(s: Any) -> str:
    s = str(s)
    return f"[{_STATUS_STYLE.get(s, 'white')}]{escape(s)}[/]"


def _ms(ms: Any) -> str:
    if not isinstance(ms, (int, float)):
        return ""
    return f"{ms / 1000:.2f}s" if ms >= 1000 else f"{int(ms)}ms"


def notice(text: str) -> None:
    """The one line saying what runs (stderr, so --json output stays clean)."""
    console(True).print(f"[yellow]note:[/yellow] {escape(text)}")


class Progress:
    """Per-step progress lines on stderr: coloured on a terminal, plain text otherwise."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.tty = sys.stderr.isatty()

    def __call__(self, ev) -> None:
        if not self.enabled:
            return
        if ev.kind == "step_start":
            if self.tty:
                console(True).print(f"[dim]…[/dim] {escape(ev.step_kind)} {escape(ev.step)}", end="\r")
            return
        if ev.kind == "step_end":
            label = f"{ev.step_kind} {ev.step}"
            extra = f" (attempt {ev.attempt})" if ev.attempt and ev.attempt > 1 else ""
            if self.tty:
                msg = f"  {_st(ev.status)} {escape(label)} [dim]{_ms(ev.duration_ms)}{extra}[/dim]"
                if ev.message and ev.status == "error":
                    msg += f" — {escape(ev.message)}"
                console(True).print(msg)
            else:
                msg = f"  {ev.status} {label} {_ms(ev.duration_ms)}{extra}"
                if ev.message and ev.status == "error":
                    msg += f" — {ev.message}"
                line(msg, stderr=True)
        elif ev.kind == "log" and ev.message:
            if self.tty:
                console(True).print(f"    [dim]{escape(ev.step)}:[/dim] {escape(ev.message)}")
            else:
                line(f"    {ev.step}: {ev.message}", stderr=True)


def started(t) -> None:
    what = f"{t.workflow} draft ({t.path})" if t.draft else f"{t.workflow} {t.version} ({t.commit[:7]}) in {t.env}"
    console(True).print(f"running {escape(what)}")


def summary(rec: dict) -> None:
    c = console()
    steps = rec.get("steps") or []
    ok = sum(1 for s in steps if s.get("status") == "ran")
    failed = sum(1 for s in steps if s.get("status") == "error")
    skipped = sum(1 for s in steps if s.get("status") == "skipped")
    c.print(f"{_st(rec['status'])} {escape(rec['workflow'])} "
            f"{escape(rec.get('version') or 'draft')} in {_ms(rec.get('duration_ms'))} — "
            f"{ok} ran, {failed} failed, {skipped} skipped · run {escape(rec['run_id'])}")
    if rec.get("error"):
        c.print(f"  [red]error:[/red] {escape(str(rec['error']))}")


def runs_table(page) -> None:
    """The runs, one per line (plain aligned text when piped: no rich import)."""
    from keepwf.render.styled import line as sline
    from keepwf.render.styled import table

    if not page.runs:
        sline("no runs" + (" on this page" if page.page > 1 else ""))
        return
    rows = []
    for r in page.runs:
        d = r.to_dict()
        trig = d.get("trigger") or {}
        st = str(d.get("status"))
        rows.append([d["run_id"][:12], d["started"][:19].replace("T", " "), str(d.get("workflow")),
                     str(d.get("version") or ("draft" if d.get("draft") else "")), str(d.get("env")),
                     (st, _STATUS_STYLE.get(st)), _ms(d.get("duration_ms")), str(trig.get("type", "")),
                     str(d.get("error") or "")[:60]])
    table(["run", "started", "workflow", "version", "env", "status", "duration", "trigger", "error"], rows)
    if page.more:
        sline((f"more: --page {page.page + 1}", "dim"))


def run_detail(rec) -> None:
    d = rec.to_dict()
    c = console()
    c.print(f"[bold]run {escape(d['run_id'])}[/bold]  {_st(d.get('status'))}")
    ver = "draft" if d.get("draft") else f"{d.get('version')} ({str(d.get('commit', ''))[:10]}, tag {d.get('tag')})"
    for k, v in [("workflow", d.get("workflow")), ("env", d.get("env")), ("version", ver), ("file", d.get("path")),
                 ("started", d.get("started")), ("duration", _ms(d.get("duration_ms"))),
                 ("trigger", _trigger(d.get("trigger"))), ("by", f"{d.get('user')} on {d.get('host')}"),
                 ("error", d.get("error"))]:
        if v:
            c.print(f"  {k + ':':<10}{escape(str(v))}")
    if d.get("inputs"):
        c.print(f"  {'inputs:':<10}{escape(str(d['inputs']))}")
    for s in d.get("steps") or []:
        c.print(f"  {_st(s.get('status'))} {escape(str(s.get('kind', 'step')))} {escape(str(s.get('name')))} "
                f"[dim]{_ms(s.get('duration_ms'))}, {s.get('attempts') or 0} attempt(s)[/dim]")
        if s.get("error"):
            c.print(f"      [red]{escape(str(s['error']))}[/red]")
        for res in (s.get("results") or [])[:5]:
            c.print(f"      → {escape(str(res)[:200])}")
    if d.get("logs"):
        c.print("  logs:")
        for lg in d["logs"][:50]:
            c.print(f"    [dim]{escape(str(lg.get('step', '')))}[/dim] {escape(str(lg.get('message', '')))}")
    if d.get("event"):
        from keepwf.render import to_json

        c.print("  event: " + escape(to_json(d["event"])).replace("\n", "\n  "))


def _trigger(t) -> str:
    if not isinstance(t, dict):
        return str(t or "")
    extra = " ".join(f"{k}={t[k]}" for k in ("name", "fingerprint", "event") if t.get(k))
    return f"{t.get('type')} {extra}".strip()


def trigger_report(report, explain: bool) -> None:
    c = console()
    for v in report.verdicts:
        if v.matched:
            n = len(v.runs)
            res = ", ".join(f"{o.record['status']} ({o.record['run_id'][:12]})" for o in v.runs)
            c.print(f"[green]matched[/green] {escape(v.workflow)} {v.version}" + (f": {n} run(s): {escape(res)}" if n else ""))
        else:
            c.print(f"[dim]skipped[/dim] {escape(v.workflow)} {v.version}")
        if explain or not v.matched:
            for m in v.matches:
                if explain or m.type in ("alert", "incident"):
                    mark = "[green]yes[/green]" if m.matched else "[dim]no[/dim]"
                    c.print(f"    triggers[{m.index}] {escape(m.type)}: {mark} — {escape(m.reason)}")
    if not report.verdicts:
        c.print(f"[dim]no workflow is deployed in {escape(report.env)}[/dim]")
