#!/usr/bin/env python3
"""Write docs/reference.md from the CLI itself (every command, argument and option, with its help text).

Run after changing a command: `.venv/bin/python scripts/gen_reference.py`. tests/test_reference.py fails when the
committed page is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEADER = """# Command reference

Generated from the CLI by `scripts/gen_reference.py` — do not edit by hand.

Global options go before or after the command, like git: `-C PATH` (run as if started in PATH), `--debug` (show
the traceback of any error), `--version`. Every read command takes `--json`: machine output on stdout, nothing
else there; an error is then also one JSON document on stdout, `{"error": …, "hint": …, "exit": N}` (and its text on
stderr as always). Version references (`REF`) are any of `v3`, `3`, a full or abbreviated commit SHA, a tag name,
`deployed`, `previous`.

Exit codes: 0 success · 1 the thing checked or run failed · 2 bad usage · 3 repository state refuses ·
4 internal error (a bug) · 130 interrupted. See [concepts](concepts.md#exit-codes).
"""


def _param_line(p) -> str | None:
    import click

    if isinstance(p, click.Argument):
        name = p.human_readable_name
        return f"| `{name}` | argument{' (repeatable)' if p.nargs == -1 else ''} | {getattr(p, 'help', '') or ''} |"
    if p.hidden or p.name == "help":
        return None
    opts = ", ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
    kind = "flag" if p.is_flag else (p.metavar or p.type.name.upper())
    default = ""
    if not p.is_flag and p.default not in (None, (), []) and p.show_default is not False:
        default = f" (default: `{p.default}`)"
    help_text = (p.help or "").replace("|", "\\|").replace("\n", " ")
    return f"| {opts} | {kind} | {help_text}{default} |"


def _walk(cmd, path: list[str], out: list[str]) -> None:
    import click

    if isinstance(cmd, click.Group) and path:
        pass
    if path:
        usage = " ".join(["keepwf", *path])
        out.append(f"\n## `{usage}`\n")
        text = (cmd.help or "").strip()
        if text:
            out.append(text.replace("\b\n", "") + "\n")
        rows = [r for p in cmd.params if (r := _param_line(p))]
        if rows:
            out.append("| name | kind | meaning |\n| --- | --- | --- |")
            out.extend(rows)
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(None):
            sub = cmd.get_command(None, name)
            if sub is not None and not sub.hidden:
                _walk(sub, [*path, name], out)


def generate() -> str:
    import typer

    from keepwf.cli.app import app

    root = typer.main.get_command(app)
    out = [HEADER]
    _walk(root, [], out)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    (ROOT / "docs" / "reference.md").write_text(generate(), encoding="utf-8")
    print("wrote docs/reference.md")
