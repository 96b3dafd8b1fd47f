"""keepwf status, list, history, show, diff: where each workflow stands and what changed."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import EnvFilterOpt, EnvOpt, JsonOpt, LimitOpt, PageOpt, open_repo, workflow_id

WfArg = Annotated[str, typer.Argument(metavar="WF", help="Workflow id, or the file that holds it (workflows/x.yml).")]


def _ctx():
    from keepwf.store.settings import load_config

    repo = open_repo()
    return repo, load_config(repo)


@app.command("list")
def list_(env: EnvFilterOpt = None, json_out: JsonOpt = False) -> int:
    """Every workflow: file, deployed version per env, draft state (in sync / modified / new / deleted), health.

    Health per env: the deployed version's runs and success rate (cancelled and trial runs left out); then the
    last run and the newest last error. Example: `keepwf list --json`."""
    from keepwf import render
    from keepwf.render.versions import unreadable, workflow_list
    from keepwf.service.status import collect

    repo, config = _ctx()
    problems: list = []
    rows = collect(repo, config, None, env, with_commits=False, problems=problems)
    if json_out:
        render.print_json([r.to_dict() for r in rows])
        return 0
    workflow_list(rows, [e.env for e in rows[0].envs] if rows else [])
    unreadable(problems)
    return 0


@app.command("status")
def status(
    workflows: Annotated[Optional[list[str]], typer.Argument(metavar="[WF]...", help="Workflow ids or their files (default: all).")] = None,
    env: EnvFilterOpt = None,
    json_out: JsonOpt = False,
) -> int:
    """Per workflow and env: deployed vN and hash, whether the draft differs, undeployed commits, health, last runs.

    Health: the deployed version's runs, success rate and last error. Versions origin lacks (as of the last sync
    or push) are listed as `not on origin yet`. Example: `keepwf status hello-alert --env production`."""
    from keepwf import render
    from keepwf.render.versions import status as draw
    from keepwf.render.versions import unreadable
    from keepwf.service.status import collect

    repo, config = _ctx()
    problems: list = []
    ids = [workflow_id(repo, w, config) for w in workflows or []]
    rows = collect(repo, config, ids or None, env, problems=problems)
    if json_out:
        render.print_json([r.to_dict() for r in rows])
        return 0
    draw(rows)
    unreadable(problems)
    return 0


@app.command("history")
def history(
    workflow: WfArg,
    env: EnvOpt = None,
    limit: LimitOpt = 20,
    page: PageOpt = 1,
    pruned: Annotated[bool, typer.Option("--pruned", help="Also list pruned versions (kept in the archive).")] = False,
    json_out: JsonOpt = False,
) -> int:
    """The version timeline, newest first: vN, hash, action, author, date, message, which one is deployed."""
    from keepwf import render
    from keepwf.render.versions import history as draw
    from keepwf.service.timeline import history as get

    repo, config = _ctx()
    res = get(repo, config, workflow_id(repo, workflow, config), env, limit=limit, page=page, include_pruned=pruned)
    render.show(res, json_out, draw)
    return 0


@app.command("show")
def show(
    workflow: WfArg,
    version: Annotated[Optional[str], typer.Option("--version", "-V", metavar="REF", help="v3, 3, SHA, tag, deployed, previous.")] = None,
    env: EnvOpt = None,
    json_out: JsonOpt = False,
) -> int:
    """The YAML of one version (default: the deployed one), read from git objects, with a version header."""
    from keepwf import render
    from keepwf.render.versions import show as draw
    from keepwf.service.timeline import show as get

    repo, config = _ctx()
    res = get(repo, config, workflow_id(repo, workflow, config), env, version)
    render.show(res, json_out, draw)
    return 0


@app.command("diff")
def diff(
    workflow: WfArg,
    ref_a: Annotated[Optional[str], typer.Argument(metavar="[REF_A]", help="v3, 3, SHA, tag, deployed, previous or draft (default: deployed); a branch or commit that is no version: the file there.")] = None,
    ref_b: Annotated[Optional[str], typer.Argument(metavar="[REF_B]", help="Same forms (default: draft, the working tree).")] = None,
    env: EnvOpt = None,
    against: Annotated[Optional[str], typer.Option("--against", metavar="ENV", help="Compare the version deployed in ENV with the one deployed in --env.")] = None,
    json_out: JsonOpt = False,
) -> int:
    """Text diff and step-level summary between two versions (or `draft`, or a branch). Exit 0 same, 1 different.

    Example: `keepwf diff hello-alert v1 v2`, `keepwf diff hello-alert deployed main` (what main would deploy), or
    `keepwf diff hello-alert --env staging --against production` (what promoting staging would change)."""
    from keepwf import render
    from keepwf.render.versions import diff as draw
    from keepwf.service.compare import diff as get

    repo, config = _ctx()
    res = get(repo, config, workflow_id(repo, workflow, config), ref_a, ref_b, env, against)
    render.show(res, json_out, draw)
    return 0 if res.same else 1


@app.command("audit")
def audit(
    env: EnvFilterOpt = None,
    since: Annotated[Optional[str], typer.Option("--since", metavar="T", help="Only entries since T (7d, 2026-11-01).")] = None,
    workflow: Annotated[Optional[str], typer.Option("--workflow", "-w", metavar="WF", help="Only this workflow.")] = None,
    json_out: JsonOpt = False,
) -> int:
    """Every deploy, rollback, promote and prune, newest first (foreign tags flagged)."""
    from keepwf import render
    from keepwf.render.versions import audit as draw
    from keepwf.service.audit import audit as get

    repo, config = _ctx()
    entries = get(repo, config, env, since, workflow_id(repo, workflow, config) if workflow else None)
    if json_out:
        render.print_json([e.to_dict() for e in entries])
        return 0
    draw(entries, filtered=bool(env or since or workflow))
    return 0
