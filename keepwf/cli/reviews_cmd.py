"""keepwf approve, keepwf reviews."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import JsonOpt, open_repo, workflow_id


@app.command("approve")
def approve(
    args: Annotated[Optional[list[str]], typer.Argument(metavar="WF... [REF]", help="Workflow ids (or the files that hold them, workflows/x.yml), then optionally the commit, branch, tag or version (v3, deployed) holding the reviewed content (default: HEAD).")] = None,
    ref: Annotated[Optional[str], typer.Option("--ref", metavar="REF", help="The REF, when it could be mistaken for a workflow id.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Approve every workflow at REF.")] = False,
    message: Annotated[str, typer.Option("--message", "-m", help="A note for the record.")] = "",
    json_out: JsonOpt = False,
) -> int:
    """Approve the workflows' content at REF (their exact blobs), as data in git (refs/notes/keepwf/reviews).

    A deploy to an env with `approvals = N` counts approvals of exactly the blob it deploys, by people other than
    the deployer. The approval follows the content: the same file committed later still counts. Several workflows
    (or `--all`) are recorded in one notes commit.

    Example: `keepwf approve hello-alert origin/open-ticket -m "LGTM"`, or `keepwf approve --all origin/release`."""
    from keepwf import render
    from keepwf.render.reviews import approved
    from keepwf.service.reviews import approve_many, split_args
    from keepwf.store.settings import load_config

    repo = open_repo()
    config = load_config(repo)
    named = [workflow_id(repo, a, config) if a.lower().endswith((".yml", ".yaml")) else a for a in args or []]
    ids, ref = split_args(repo, config, named, ref, all_)
    results = approve_many(repo, config, [workflow_id(repo, w, config) for w in ids] if not all_ else ids, ref, message)
    if json_out:
        render.print_json(results[0].to_dict() if len(results) == 1 and not all_ else [r.to_dict() for r in results])
        return 0
    for r in results:
        approved(r, share=r is results[-1])
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
