"""Output of `keepwf verify`."""

from __future__ import annotations

from keepwf import render

_STYLE = {"good": "green", "bad": "bold red", "unsigned": "yellow"}


def verify_report(report) -> None:
    if not report.checks:
        render.line("no deploy tags to verify")
        return
    for c in report.checks:
        status = c.status if c.ok or c.status != "unsigned" else "unsigned (required)"
        if c.status == "unsigned" and not c.required:
            status = "unsigned (not required)"
        style = _STYLE.get(c.status, "") if not (c.status == "unsigned" and not c.required) else "dim"
        detail = f"  {render.escape(c.detail)}" if c.detail and c.status != "unsigned" else ""
        render.markup(f"{render.escape(c.tag):<48} [{style}]{status}[/{style}]{detail}")
    bad = [c for c in report.checks if not c.ok]
    if bad:
        render.markup(f"[bold red]{len(bad)} of {len(report.checks)} deploy tags fail verification[/bold red]")
    else:
        render.line(f"{len(report.checks)} deploy tags verified")
