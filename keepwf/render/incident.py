"""Views of the incident tools: why, replay, bisect, disable/enable."""

from __future__ import annotations

import sys

from keepwf.render.runs import _st, out
from keepwf.render.versions import summary as step_summary


def _run_line(label: str, r: dict) -> None:
    trig = r.get("trigger") or {}
    alert = trig.get("name") or trig.get("type") or ""
    out(f"  {label:<10}", (r["run_id"][:12], "bold"), f" {r.get('version') or 'draft'} ",
        f"({str(r.get('commit') or '')[:10]}) ", _st(r.get("status")), f"  {r.get('started', '')[:19].replace('T', ' ')}"
        f"  alert {alert}")


def why(rep) -> None:
    _run_line("run", rep.run)
    if rep.failed_step:
        s = rep.failed_step
        out(f"  {'failed at':<10}{s.get('kind', 'step')} {s.get('name')}: ", (str(s.get("error") or ""), "red"))
    elif rep.run.get("error"):
        out(f"  {'error':<10}", (str(rep.run["error"]), "red"))
    if rep.good:
        _run_line("last good", rep.good)
    out("")
    out((rep.verdict, "bold"))
    if rep.summary:
        step_summary(rep.summary)
    if rep.step_diff:
        out("")
        sys.stdout.write(rep.step_diff if rep.step_diff.endswith("\n") else rep.step_diff + "\n")
    if rep.suggestions:
        out("")
        out(("next:", "cyan"))
        for s in rep.suggestions:
            out(f"  {s}")


def replay(rp) -> None:
    from keepwf.render.runs import summary

    rec = rp.outcome.record
    orig = rp.original
    summary(rec)
    how = "sealed: providers answered with what the original run received" if rp.sealed else "providers called"
    out((f"replay of {orig['run_id'][:12]} ({orig.get('version') or 'draft'}: {orig.get('status')}) — {how}", "dim"))


def trial(o: dict) -> None:
    step = f" at {o['failed_step']}" if o.get("failed_step") else ""
    out(f"  tried {o['version']}: ", _st(o["status"]), step, stderr=True)


def bisect(res) -> None:
    out((res.verdict, "bold"))
    v = res.first_different
    if v is None:
        return
    out(f"  {v.label} ({v.commit[:10]}) by {v.tagger_name} {v.date[:16].replace('T', ' ')}: "
        f"{(v.message or '').splitlines()[0] if v.message else ''}")
    out(f"  compared with {res.before.label}:")
    step_summary(res.summary)
    out("")
    out(("next:", "cyan"), f" keepwf diff {res.workflow} {res.before.label} {v.label} --env {res.env}")


def switched(res) -> None:
    out(f"{res.workflow}: {'disabled' if res.disabled else 'enabled'} in {res.path} (commit {res.commit[:10]})")


def test_case(c) -> None:
    mark = ("PASS", "green") if c.ok else (("ERROR", "red") if c.error else ("FAIL", "red"))
    out("  ", mark, f" {c.workflow} › {c.name} ", (f"{c.duration_ms}ms", "dim"))
    if c.error:
        out("      ", (c.error, "red"))
    for f in c.failures:
        out("      ", (f, "red"))


def test_report(rep) -> None:
    if not rep.cases:
        out("no test cases (tests/<workflow id>/*.yml); see docs/incidents.md")
        return
    passed = len(rep.cases) - rep.failed
    out((f"{passed} passed, {rep.failed} failed", "green" if not rep.failed else "red"), f" — {rep.target}")


def _ms(v) -> str:
    from keepwf.render.runs import _ms as ms

    return ms(v) if v is not None else "-"


def stats(rep) -> None:
    """The table, then a chart: one bar per version (success rate, 20 cells = 100%) with its p50 duration."""
    from keepwf.render.styled import line, table

    rows = [v.to_dict() for v in rep.versions]
    if not rows:
        line("no runs" + (" match these filters" if rep.filters else " yet"))
        return
    table(["workflow", "env", "version", "runs", "success", "p50", "p95", "first run", "last run", "top error"],
          [[r["workflow"], r["env"], r["version"], str(r["runs"]),
            "-" if r["success_rate"] is None else f"{100 * r['success_rate']:.0f}%", _ms(r["p50_ms"]),
            _ms(r["p95_ms"]), r["first_run"][:16].replace("T", " "), r["last_run"][:16].replace("T", " "),
            (f"{r['top_errors'][0]['runs']}× {r['top_errors'][0]['error']}"[:50] if r["top_errors"] else "")]
           for r in rows])
    line("")
    name_w = max(len(f"{r['workflow']} {r['version']}") for r in rows)
    for r in rows:
        rate = r["success_rate"]
        full = 0 if rate is None else round(20 * rate)
        style = "green" if rate is not None and rate >= 0.95 else "yellow" if rate is not None and rate >= 0.8 else "red"
        pct = "  -" if rate is None else f"{100 * rate:3.0f}%"
        line(f"{r['workflow']} {r['version']}".ljust(name_w + 2), ("█" * full, style), ("░" * (20 - full), "dim"),
             f" {pct}  p50 {_ms(r['p50_ms'])}")


def fmt_result(res) -> None:
    verb = "would be reformatted" if res.check else "reformatted"
    for p in res.changed:
        out(f"{'would reformat' if res.check else 'reformatted'} {p}")
    for r in res.refused:
        out(("left alone", "red"), f" {r['path']}: {r['reason']}")
    out(f"{len(res.changed)} file(s) {verb}, {res.unchanged} already formatted"
        + (f", {len(res.refused)} left alone" if res.refused else ""))
