"""Incident tools: keepwf why, replay, bisect, disable, enable."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import EnvOpt, JsonOpt, open_repo, state, workflow_id
from keepwf.cli.run_cmd import AlertOpt, MockOpt, read_event

RunIdArg = Annotated[str, typer.Argument(metavar="RUN_ID", help="A run id, or a unique prefix of one (keepwf runs shows them).")]
ReasonOpt = Annotated[Optional[str], typer.Option("--message", "-m", metavar="REASON", help="Why (the commit and deploy message).")]


@app.command("why")
def why(run_id: RunIdArg, json_out: JsonOpt = False) -> int:
    """Explain a failed run: its version and failing step, the last good run of the same alert, what changed.

    Shows the failing run's version and the step that failed with its error; the newest earlier successful run of the
    same workflow for the same alert (fingerprint, else alert name) and its version; the step-level summary and the
    changed lines of the failing step between the two versions; and the commands that help next (replay on the good
    version, rollback to it). Example: `keepwf why 01M8M345`. Exit 0 (2: no such run).
    """
    from keepwf import render
    from keepwf.render import incident as view
    from keepwf.service.diagnose import why as do

    render.show(do(open_repo(), run_id), json_out, view.why)
    return 0


@app.command("replay")
def replay(
    run_id: RunIdArg,
    version: Annotated[Optional[str], typer.Option("--version", metavar="REF", help="Version to replay on: v3, 3, SHA, deployed, previous (default: deployed).")] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Replay on the working copy.")] = False,
    mock: MockOpt = None,
    live: Annotated[bool, typer.Option("--live", help="Send provider calls for real (default: answer them with what the original run received).")] = False,
    record_as_run: Annotated[bool, typer.Option("--record-as-run", help="Record it in the version's run history (default: as a replay in the drafts log, not counted in success rates).")] = False,
    json_out: JsonOpt = False,
) -> int:
    """Run a recorded run's trigger event (alert or incident, inputs) again on another version or the working copy.

    Sealed by default, so it is safe during an incident: every provider call is answered with what the original run
    received (a step it never called: as in the last good run of the same alert, else null); only console and mock
    steps run. --mock FILE answers from a file
    instead, --live sends for real. The replay is recorded with `replay_of: RUN_ID` in the drafts log (`keepwf runs
    --drafts`), never counted in a version's success rate unless --record-as-run.
    Example: `keepwf replay 01M8M345 --version v2`. Exit 0 when the replay succeeded, 1 when it failed.
    """
    from keepwf import render
    from keepwf.render import incident as inc
    from keepwf.render import runs as view
    from keepwf.service.execute import interrupted_error, load_mocks
    from keepwf.service.replay import replay as do

    mocks = load_mocks(mock, state.cwd())
    with view.Progress(enabled=not json_out) as progress:
        res = do(open_repo(), run_id, version=version, draft=draft, mocks=mocks, live=live,
                 record_as_run=record_as_run, progress=progress, on_start=None if json_out else view.started)
    render.show(res, json_out, inc.replay)
    if res.outcome.interrupted:
        raise interrupted_error()
    return res.outcome.exit_code


@app.command("bisect")
def bisect(
    workflow: Annotated[str, typer.Argument(metavar="WF", help="Workflow id, or the file that holds it (workflows/x.yml).")],
    run: Annotated[Optional[str], typer.Option("--run", metavar="RUN_ID", help="Replay this run's event.")] = None,
    alert: AlertOpt = None,
    good: Annotated[Optional[str], typer.Option("--good", metavar="REF", help="A version with the expected outcome (default: the version of the last good run for this alert, else the oldest).")] = None,
    bad: Annotated[Optional[str], typer.Option("--bad", metavar="REF", help="A version with the other outcome (default: the run's version, else the deployed one).")] = None,
    env: EnvOpt = None,
    json_out: JsonOpt = False,
) -> int:
    """Find the first version whose outcome on an event differs: binary search with sealed, unrecorded replays.

    Each trial replays the event (the run's, or --alert FILE) on a version with providers answered as in `replay`;
    versions with the same content are tried once. Names the first version whose status or failing step differs from
    --good's, with its deploy message and step-level diff. Example: `keepwf bisect hello-alert --run 01M8M345`.
    Exit 0 when a version was found, 1 when good and bad give the same outcome.
    """
    from keepwf import render
    from keepwf.render import incident as view
    from keepwf.service.diagnose import bisect as do

    repo = open_repo()
    res = do(repo, workflow_id(repo, workflow), run_id=run, alert=read_event(alert, "--alert"), env=env, good=good, bad=bad,
             on_trial=None if json_out else view.trial)
    render.show(res, json_out, view.bisect)
    return 0 if res.first_different is not None else 1


def _switch(workflow: str, disabled: bool, message: str | None, env: str | None, json_out: bool) -> int:
    from keepwf import render
    from keepwf.render import incident as view
    from keepwf.render.deploy import deploy_result
    from keepwf.service.killswitch import switch

    repo = open_repo()
    res = switch(repo, workflow_id(repo, workflow), disabled=disabled, message=message or "", env=env)
    if json_out:
        render.print_json(res.to_dict())
        return res.deploy.error.exit_code if res.deploy.error else 0
    view.switched(res)
    deploy_result(res.deploy)
    if res.deploy.error:
        raise res.deploy.error
    return 0


@app.command("disable")
def disable(workflow: Annotated[str, typer.Argument(metavar="WF", help="Workflow id, or the file that holds it (workflows/x.yml).")], message: ReasonOpt = None,
            env: EnvOpt = None, json_out: JsonOpt = False) -> int:
    """Kill switch: set `disabled: true` in WF's file (comments kept), commit it alone, deploy it to the env.

    One command during an incident: the new version runs no step (its runs are recorded as skipped) until `keepwf
    enable WF`. Refused when the file has uncommitted changes or the branch holds changes the env does not run.
    Example: `keepwf disable hello-alert -m "pages on every flap"`. Exit 3 when refused.
    """
    return _switch(workflow, True, message, env, json_out)


@app.command("enable")
def enable(workflow: Annotated[str, typer.Argument(metavar="WF", help="Workflow id, or the file that holds it (workflows/x.yml).")], message: ReasonOpt = None,
           env: EnvOpt = None, json_out: JsonOpt = False) -> int:
    """Undo `keepwf disable`: remove `disabled: true` from WF's file, commit it alone, deploy it to the env.

    Example: `keepwf enable hello-alert -m "flapping fixed upstream"`. Exit 3 when refused.
    """
    return _switch(workflow, False, message, env, json_out)


@app.command("stats")
def stats(
    workflow: Annotated[Optional[str], typer.Argument(metavar="[WF]", help="Workflow id or its file (default: every workflow).")] = None,
    env: Annotated[Optional[str], typer.Option("--env", "-e", help="Only this environment (default: every environment).")] = None,
    since: Annotated[Optional[str], typer.Option("--since", metavar="AGE|DATE", help="Only runs started since then: 7d, 12h, 2026-11-01.")] = None,
    png: Annotated[Optional[str], typer.Option("--png", metavar="FILE", help="Also draw the chart as a PNG image (needs matplotlib).")] = None,
    json_out: JsonOpt = False,
) -> int:
    """Runs per version: count, success rate, p50/p95 duration, most common errors; a chart per version.

    Versions are listed in the order they first ran, so the chart reads as a timeline of releases. The success rate
    counts runs that reached a verdict (success, error, timeout); skipped and cancelled runs are counted apart.
    Example: `keepwf stats hello-alert --since 30d --png stats.png`.
    """
    from keepwf import render
    from keepwf.render import incident as view
    from keepwf.service.stats import chart_png, stats as do

    repo = open_repo()
    rep = do(repo, workflow_id(repo, workflow) if workflow else None, env=env, since=since)
    if png:
        chart_png(rep, str(state.cwd() / png))
    render.show(rep, json_out, view.stats)
    return 0
