"""keepwf sync [REMOTE]: exchange deploy tags and run history with a remote, merging runs by union."""

from __future__ import annotations

from typing import Annotated

import typer

from keepwf.cli.app import app
from keepwf.cli.common import JsonOpt, open_repo


@app.command("sync")
def sync(
    remote: Annotated[str, typer.Argument(metavar="[REMOTE]", help="Remote name or URL.")] = "origin",
    json_out: JsonOpt = False,
) -> int:
    """Fetch and push deploy tags and run notes; merge the other side's runs without losing any (never forces)."""
    from keepwf import render
    from keepwf.service.sync import sync as do_sync

    res = do_sync(open_repo(), remote)
    if json_out:
        render.print_json(res.to_dict())
        return 0
    m = res.merged
    render.line(f"synced with {remote}: runs {res.runs_before} → {res.runs_after}; "
                f"{m.get('new', 0)} new, {m.get('fast_forward', 0)} fast-forwarded, {m.get('merged', 0)} merged run chains; "
                f"{m.get('notes', 0)} notes merges; pushed {len(res.pushed)} ref(s)" + (f" after {res.attempts} attempts" if res.attempts > 1 else ""))
    return 0
