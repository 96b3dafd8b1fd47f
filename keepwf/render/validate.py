"""Output of ``keepwf validate``: compiler-style lines, hints, a summary (plain text; no rich import, it runs in hooks).

    workflows/a.yml:12:9: error: reference to step 'fetch', which does not exist [workflow.steps[1].provider.with.message]
        hint: did you mean 'fetch-logs'?
"""

from __future__ import annotations

import os
import sys

from keepwf.render.styled import plural as _plural

_COLORS = {"error": "\033[1;31m", "warning": "\033[33m", "hint": "\033[36m", "dim": "\033[2m", "ok": "\033[32m"}
_RESET = "\033[0m"


def _color(stream) -> bool:
    return hasattr(stream, "isatty") and stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _paint(text: str, what: str, on: bool) -> str:
    return f"{_COLORS[what]}{text}{_RESET}" if on else text


def problem_lines(problems, color: bool = False, hints: bool = True) -> list[str]:
    out = []
    for p in problems:
        where = p.location()
        path = f" [{p.yaml_path}]" if p.yaml_path else ""
        out.append(f"{where}: {_paint(p.label(), p.severity, color)}: {p.message}{_paint(path, 'dim', color)}")
        if hints and p.hint:
            out.append("    " + _paint("hint:", "hint", color) + " " + p.hint)
    return out


def summary_line(report) -> str:
    s = report.summary()
    files = _plural(s["files"], "file")
    if not s["errors"] and not s["warnings"]:
        return f"{files} checked ({_plural(s['workflows'], 'workflow')}): no problems"
    return f"{files} checked ({_plural(s['workflows'], 'workflow')}): {_plural(s['errors'], 'error')}, {_plural(s['warnings'], 'warning')}"


def report(rep, quiet: bool = False) -> None:
    """Problems (errors only with ``quiet``), then notes and the summary on stderr-free stdout."""
    out = sys.stdout
    color = _color(out)
    problems = rep.errors if quiet else rep.problems
    lines = problem_lines(problems, color, hints=not quiet)
    if not quiet:
        lines += [_paint("note:", "hint", color) + " " + n for n in rep.notes]
        summary = summary_line(rep)
        lines.append(_paint(summary, "error" if rep.errors else ("warning" if rep.warnings else "ok"), color))
    if lines:
        out.write("\n".join(lines) + "\n")
