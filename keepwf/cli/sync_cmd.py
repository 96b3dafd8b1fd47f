"""keepwf sync [REMOTE]: exchange deploy tags and run history with a remote, merging runs by union."""

from __future__ import annotations

from typing import Annotated

import typer

from keepwf.cli.app import app
from keepwf.cli.common import JsonOpt, open_repo


@app.command("sync")
def sync(
    remote: Annotated[str, typer.Argument(metavar="[REMOTE]", help="Remote name or URL.")] = "origin",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also the details: run chains, notes, refs pushed.")] = False,
    json_out: JsonOpt = False,
) -> int:
    """Fetch and push deploy tags, pruned versions, the audit log, approvals and run notes; merge the other side's
    runs without losing any (never forces). A version the other side pruned is archived here too; a version both
    sides deployed differently stops the sync with the commands that resolve it.

    Prints what this clone gained: new runs, new versions, new approvals, pruned versions (-v: the details).
    Example: `keepwf sync origin`."""
    from keepwf import render
    from keepwf.render.sync import sync_result
    from keepwf.service.sync import sync as do_sync

    res = do_sync(open_repo(), remote)
    render.show(res, json_out, lambda r: sync_result(r, verbose))
    return 0
