"""Every byte keepwf writes to the terminal goes through this package.

Core helpers live here (consoles, JSON, errors); each command group has a module beside it
(``render/validate.py``, ``render/versions.py``, ``render/runs.py``…) that draws its tables.
Rich is imported lazily: a git hook that prints nothing should not pay for it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from keepwf import ISSUES_URL


def console(stderr: bool = False):
    """A rich Console bound to the *current* sys.stdout/sys.stderr (tests swap them)."""
    from rich.console import Console

    return Console(file=sys.stderr if stderr else sys.stdout, highlight=False, soft_wrap=True)


def to_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, default=str)


_printed = {"json": False}


def reset() -> None:
    """A new command starts (the CLI runs several in one process in tests): nothing printed yet."""
    _printed["json"] = False


def print_json(obj: Any) -> None:
    """Machine output: one JSON document on stdout, nothing else there."""
    sys.stdout.write(to_json(obj) + "\n")
    _printed["json"] = True


def json_error(message: str, hint: str | None, exit_code: int) -> None:
    """Under ``--json``, an error is also one JSON document on stdout (``{"error", "hint", "exit"}``) — unless the
    command already printed its JSON result there (a run recorded, then interrupted)."""
    if not _printed["json"]:
        print_json({"error": message, "hint": hint, "exit": exit_code})


def show(value: Any, as_json: bool, draw) -> None:
    """A command's result, the one way every command prints it: ``value.to_dict()`` (or the value itself) as JSON
    with ``--json``, else the human view ``draw(value)``."""
    if as_json:
        print_json(value.to_dict() if hasattr(value, "to_dict") else value)
    else:
        draw(value)


def line(text: str = "", *, stderr: bool = False) -> None:
    """A plain line (no markup interpretation)."""
    (sys.stderr if stderr else sys.stdout).write(text + "\n")


def markup(text: str, *, stderr: bool = False) -> None:
    """A line with rich markup ([bold], [green]…)."""
    console(stderr).print(text)


def escape(text: str) -> str:
    from rich.markup import escape as _escape

    return _escape(text)


def warn(text: str) -> None:
    console(True).print(f"[yellow]warning:[/yellow] {escape(text)}")


def error_text(text: str) -> None:
    console(True).print(f"[bold red]error:[/bold red] {escape(text)}")


def error(e) -> None:
    """A KeepwfError: what failed and why, then the hint (the exact command that helps)."""
    c = console(True)
    c.print(f"[bold red]error:[/bold red] {escape(e.message)}")
    if e.hint:
        c.print(f"[cyan]hint:[/cyan] {escape(e.hint)}")


def internal_error(exc: BaseException) -> None:
    c = console(True)
    c.print(f"[bold red]internal error:[/bold red] {escape(type(exc).__name__)}: {escape(str(exc))}")
    c.print(f"This is a bug in keepwf. Re-run with --debug for the traceback and report it at {ISSUES_URL}")


def traceback() -> None:
    import traceback as _tb

    _tb.print_exc(file=sys.stderr)
