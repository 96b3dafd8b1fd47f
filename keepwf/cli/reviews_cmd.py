"""keepwf approve, keepwf reviews."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import JsonOpt, open_repo, workflow_id


@app.command("approve")
def approve(
    workflow: Annotated[str, typer.Argument(metavar="WF", help="Workflow id, or the file that holds it (workflows/x.yml).")],
    ref: Annotated[Optional[str], typer.Argument(metavar="[REF]", help="Commit, branch, tag or version (v3, deployed) holding the reviewed content (default: HEAD).")] = None,
    message: Annotated[str, typer.Option("--message", "-m", help="A note for the record.")] = "",
    json_out: JsonOpt = False,
) -> int:
    """Approve the workflow's content at REF (its exact blob), as data in git (refs/notes/keepwf/reviews).

    A deploy to an env with `approvals = N` counts approvals of exactly the blob it deploys, by people other than
    the deployer. The approval follows the content: the same file committed later still counts."""
    from keepwf import render
    from keepwf.render.reviews import approved
    from keepwf.service.reviews import approve as do
    from keepwf.store.settings import load_config

    repo = open_repo()
    config = load_config(repo)
    res = do(repo, config, workflow_id(repo, workflow, config), ref, message)
    render.show(res, json_out, approved)
    return 0


@app.command("reviews")
def reviews(
    workflow: Annotated[str, typer.Argument(metavar="WF", help="Workflow id, or the file that holds it (workflows/x.yml).")],
    json_out: JsonOpt = False,
) -> int:
    """The approvals recorded for a workflow, newest first, and which of them cover the content at HEAD."""
    from keepwf import render
    from keepwf.render.reviews import review_list
    from keepwf.service.reviews import list_reviews
    from keepwf.store.settings import load_config

    repo = open_repo()
    config = load_config(repo)
    lst = list_reviews(repo, config, workflow_id(repo, workflow, config))
    render.show(lst, json_out, review_list)
    return 0
