"""Output of `keepwf hooks …` and of the git hooks themselves.

What the hooks print is plain text on stderr (git relays it; rich is not imported on that path, it costs startup).
"""

from __future__ import annotations

import sys

_VERBS = {
    "installed": "installed",
    "upgraded": "upgraded",
    "unchanged": "up to date",
    "chained": "installed, chaining your hook",
    "removed": "removed",
    "restored": "removed, your hook restored",
    "kept": "left alone",
    "absent": "not installed",
    "foreign": "not keepwf's",
    "outdated": "outdated",
}


def hooks_report(report, title: str) -> None:
    from keepwf import render

    render.line(f"{title} {report.hooks_dir}" + (" (bare repository)" if report.bare else ""))
    if report.hooks_path_setting:
        render.line(f"  core.hooksPath = {report.hooks_path_setting}")
    if not report.hooks:
        render.line("  no keepwf hooks there")
    for h in report.hooks:
        extra = f" ({h.detail})" if h.detail else ""
        legacy = "; chains " + h.hook + ".legacy" if h.legacy and h.action not in ("chained", "restored") else ""
        render.line(f"  {h.hook:<17} {_VERBS.get(h.action, h.action)}{extra}{legacy}")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def hook_outcome(outcome) -> None:
    """Problems, refusals and notes of one hook run, on stderr."""
    for p in outcome.problems:
        where = f"{p.file}:{p.line}:{p.column}" if p.line else p.file
        path = f" [{p.yaml_path}]" if p.yaml_path else ""
        _err(f"{where}: {p.label()}: {p.message}{path}")
        if p.hint:
            _err(f"    hint: {p.hint}")
    for note in outcome.notes:
        _err(note)
    for r in outcome.refusals:
        _err(f"keepwf {outcome.hook}: {r}")
    errors = len(outcome.errors)
    warnings = len(outcome.problems) - errors
    if outcome.problems:
        files = len(outcome.checked)
        counts = ", ".join(s for s in (_n(errors, "error"), _n(warnings, "warning")) if s)
        verdict = "blocked" if outcome.code else "allowed"
        _err(f"keepwf {outcome.hook}: {counts} in {_n(files, 'workflow file')}; {verdict}")
    if outcome.code and outcome.hint:
        _err(f"hint: {outcome.hint}")


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}" if n else ""


def hook_error(hook: str, e) -> None:
    _err(f"keepwf {hook}: error: {e.message}")
    if e.hint:
        _err(f"hint: {e.hint}")


def hook_internal(hook: str, exc: BaseException) -> None:
    from keepwf import ISSUES_URL

    _err(f"keepwf {hook}: internal error: {type(exc).__name__}: {exc}")
    _err(f"This is a bug in keepwf; set KEEPWF_DEBUG=1 for the traceback and report it at {ISSUES_URL}")
    _err("(skip the hook once with --no-verify)")
