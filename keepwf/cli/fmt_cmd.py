"""keepwf fmt: format workflow files (and upgrade Keep's legacy roots), keeping comments."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import JsonOpt, open_repo


@app.command("fmt")
def fmt(
    paths: Annotated[Optional[list[str]], typer.Argument(metavar="[FILE]...", help="Workflow files (default: every file in the workflows folder).")] = None,
    upgrade: Annotated[bool, typer.Option("--upgrade", help="Also rewrite Keep's legacy `alert:`/`alerts:` roots to `workflow:`/`workflows:`.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 when a file would change (for CI).")] = False,
    json_out: JsonOpt = False,
) -> int:
    """Rewrite workflow files in one layout (2-space indents, lists under their key), keeping every comment.

    The result must mean exactly what the file meant to Keep's loader, or the file is left alone and reported.
    Example: `keepwf fmt --upgrade`, or `keepwf fmt --check` in CI. Exit 0; 1 with --check when a file would change
    or when a file could not be formatted.
    """
    from keepwf import render
    from keepwf.render.incident import fmt_result
    from keepwf.service.fmt import fmt as do

    res = do(open_repo(), paths or [], upgrade=upgrade, check=check)
    render.show(res, json_out, fmt_result)
    return 1 if res.refused or (check and res.changed) else 0
