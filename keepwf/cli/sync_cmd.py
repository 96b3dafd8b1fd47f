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
    """Fetch and push deploy tags, pruned versions, the audit log and run notes; merge the other side's runs without
    losing any (never forces). A version the other side pruned is archived here too; a version both sides deployed
    differently stops the sync with the commands that resolve it."""
    from keepwf import render
    from keepwf.service.sync import sync as do_sync

    res = do_sync(open_repo(), remote)
    if json_out:
        render.print_json(res.to_dict())
        return 0
    m, v = res.merged, res.versions
    if v.get("tags") or v.get("archived") or v.get("pruned_here") or v.get("audit"):
        render.line(f"versions: {v.get('tags', 0)} new deploy tag(s), {v.get('archived', 0)} pruned version(s) taken "
                    f"into the archive ({v.get('pruned_here', 0)} of them pruned here: the other side pruned them)"
                    + ("; audit log merged" if v.get("audit") else ""))
    render.line(f"synced with {remote}: runs {res.runs_before} → {res.runs_after}; "
                f"{m.get('new', 0)} new, {m.get('fast_forward', 0)} fast-forwarded, {m.get('merged', 0)} merged run chains; "
                f"{m.get('notes', 0)} notes merges; pushed {len(res.pushed)} ref(s)" + (f" after {res.attempts} attempts" if res.attempts > 1 else ""))
    if res.not_deleted:
        render.warn(f"{remote} refused to delete {len(res.not_deleted)} pruned tag(s) (e.g. {res.not_deleted[0]}): "
                    "they stay there as tags; every clone that syncs still lists them as pruned")
    return 0
