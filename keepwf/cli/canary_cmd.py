"""keepwf canary status|promote|abort|resume|retry: watch and steer canary releases (docs/canary.md)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import EnvOpt, JsonOpt, open_repo

canary_app = typer.Typer(help=(
    "Canary releases: `keepwf deploy WF --canary` starts one; runs decide by themselves (advance, promote, abort, "
    "pause); these commands show and steer it."), no_args_is_help=True, add_completion=False)
app.add_typer(canary_app, name="canary")

WfArg = Annotated[str, typer.Argument(metavar="WF", help="Workflow id.")]
ReasonOpt = Annotated[Optional[str], typer.Option("--message", "-m", metavar="REASON", help="Why (recorded in the canary's state chain).")]


@canary_app.command("status")
def status(workflow: Annotated[Optional[str], typer.Argument(metavar="[WF]", help="Workflow id (default: every canary).")] = None,
           env: Annotated[Optional[str], typer.Option("--env", "-e", help="Only this environment.")] = None,
           json_out: JsonOpt = False) -> int:
    """Each canary: versions and arms, step and weight, runs per arm since the step started, the Wilson bounds, and
    what it would do next (read-only: nothing is written). Example: `keepwf canary status hello-alert`."""
    from keepwf import render
    from keepwf.render.canary import status_rows
    from keepwf.service.canary import status as get
    from keepwf.store.settings import load_config

    repo = open_repo()
    rows = get(repo, load_config(repo), workflow, env)
    render.show([r.to_dict() for r in rows] if json_out else rows, json_out, status_rows)
    return 0


def _do(workflow: str, action: str, env: str | None, reason: str | None, **kw) -> int:
    from keepwf.render.canary import changed
    from keepwf.service.canary import command
    from keepwf.store.settings import load_config

    repo = open_repo()
    changed(command(repo, load_config(repo), workflow, action, env=env, reason=reason or "", **kw))
    return 0


@canary_app.command("promote")
def promote(workflow: WfArg, env: EnvOpt = None, message: ReasonOpt = None,
            full: Annotated[bool, typer.Option("--full", help="Skip the remaining steps: the canary becomes the deployed version now.")] = False) -> int:
    """Move the canary to its next step now (the last step: promote it), or with --full make it the deployed version.
    Example: `keepwf canary promote hello-alert --full -m "looks good"`."""
    return _do(workflow, "promote", env, message, full=full)


@canary_app.command("abort")
def abort(workflow: WfArg, env: EnvOpt = None, message: ReasonOpt = None) -> int:
    """Stop the canary: every event goes to the stable version again, and the canary's content is refused by every
    deploy path until `keepwf canary retry`. Example: `keepwf canary abort hello-alert -m "pages twice"`."""
    return _do(workflow, "abort", env, message)


@canary_app.command("resume")
def resume(workflow: WfArg, env: EnvOpt = None, message: ReasonOpt = None,
           skip_step: Annotated[bool, typer.Option("--skip-step", help="Go to the next step instead of measuring the paused one again.")] = False) -> int:
    """Resume a paused canary: its step is measured again from now (earlier runs of the step no longer count), or
    with --skip-step it moves to the next step."""
    return _do(workflow, "resume", env, message, skip_step=skip_step)


@canary_app.command("retry")
def retry(workflow: WfArg, env: EnvOpt = None, message: ReasonOpt = None) -> int:
    """Start an aborted (or paused) canary again as a new attempt from its first step, clearing its content from the
    refused list. Needs a reason. Example: `keepwf canary retry hello-alert -m "Slack outage was the cause"`."""
    return _do(workflow, "retry", env, message)
