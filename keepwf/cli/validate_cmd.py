"""keepwf validate."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import JsonOpt, state


@app.command("validate")
def validate(
    paths: Annotated[Optional[list[str]], typer.Argument(metavar="[PATH]...", help="Workflow files or folders (default: the workflows folder of the repository).", show_default=False)] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings (and folders with nothing to check) as errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors, without hints or summary.")] = False,
    json_out: JsonOpt = False,
) -> int:
    """Check workflow files: errors and warnings with file:line:column, YAML path and a hint.

    Exit 0 when there is no error (warnings are fine unless --strict), 1 when there are errors, 2 when a PATH does
    not exist. Outside a git repository give the PATHs to check. See docs/validation.md.
    """
    from keepwf import render
    from keepwf.render.validate import report as show
    from keepwf.service.validate import validate_paths

    rep = validate_paths(state.cwd(), list(paths or []), strict=strict)
    render.show(rep, json_out, lambda r: show(r, quiet=quiet))
    return 0 if rep.ok else 1
