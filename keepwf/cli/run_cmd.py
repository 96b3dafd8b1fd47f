"""keepwf run, keepwf trigger: execute workflows from git objects and record the runs."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import EnvOpt, JsonOpt, open_repo, state
from keepwf.errors import UsageError

MockOpt = Annotated[Optional[str], typer.Option("--mock", metavar="FILE", help="Answer provider calls from this file of recorded responses.")]
AlertOpt = Annotated[Optional[str], typer.Option("--alert", metavar="FILE|-", help="The alert (JSON or YAML); - reads stdin.")]
IncidentOpt = Annotated[Optional[str], typer.Option("--incident", metavar="FILE|-", help="The incident (JSON or YAML); its `event` key is created/updated/deleted.")]


def read_event(spec: str | None, flag: str) -> dict | None:
    """The event of ``--alert``/``--incident``: a JSON or YAML file, or ``-`` for stdin."""
    from keepwf.workflow.datafile import parse_data, read_data_file

    if spec is None:
        return None
    source, hint = f"{flag} {spec}", (f"{flag} expects one JSON or YAML object, e.g. {flag} "
                                    f"{flag.lstrip('-')}.json")
    if spec == "-":
        data = parse_data(sys.stdin.read(), source, hint)
    else:
        data = read_data_file(state.cwd() / spec, source, hint)
    if not isinstance(data, dict):
        raise UsageError(f"{flag} {spec}: must be one object (a mapping), not {type(data).__name__}",
                         hint='e.g. {"name": "cpu high", "source": ["grafana"], "severity": "critical"}')
    return data


def parse_inputs(items: list[str] | None, declared: object = None) -> dict:
    """``K=V`` pairs. A declared input keeps its text (the engine converts it by its declared type, so a string
    input given ``true`` or ``007`` stays that text); an undeclared one is parsed when it looks like JSON."""
    names = {str(d["name"]) for d in declared if isinstance(d, dict) and d.get("name")} if isinstance(declared, list) else set()
    out = {}
    for it in items or []:
        if "=" not in it:
            raise UsageError(f"--input {it!r}: expected KEY=VALUE", hint="--input region=eu-west-1")
        k, v = it.split("=", 1)
        k = k.strip()
        if k in names:
            out[k] = v
            continue
        try:
            out[k] = json.loads(v) if v.strip()[:1] in "[{0123456789-tfn\"" else v
        except ValueError:
            out[k] = v
    return out


def _warn_unused_mocks(mocks, path: str, target) -> None:
    from keepwf import render

    data = target.doc.data if isinstance(target.doc.data, dict) else {}
    names = [str(s.get("name")) for key in ("steps", "actions") for s in (data.get(key) or []) if isinstance(s, dict)]
    for k in mocks.unknown_steps([*names, "on-failure"]):
        render.warn(f"--mock {path}: steps.{k} matches no step or action of {target.workflow} "
                    f"(it has: {', '.join(names) or 'none'})")


@app.command("run")
def run(
    workflow: Annotated[str, typer.Argument(metavar="WF", help="Workflow id.")],
    version: Annotated[Optional[str], typer.Option("--version", metavar="REF", help="v3, 3, a commit SHA, a tag, deployed, previous (default: deployed).")] = None,
    env: EnvOpt = None,
    alert: AlertOpt = None,
    incident: IncidentOpt = None,
    inputs: Annotated[Optional[list[str]], typer.Option("--input", metavar="K=V", help="A workflow input (repeatable).")] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Run the working copy; recorded apart (refs/notes/keepwf/drafts on HEAD).")] = False,
    mock: MockOpt = None,
    json_out: JsonOpt = False,
) -> int:
    """Run the deployed version of WF (read from git, never the working tree), show each step, record the run.

    Example: `keepwf run hello-alert --alert alert.json`, or `--input host=db1` for a manual run. The record goes to
    git notes on the deployed commit (`keepwf runs WF` lists it). Exit 0 when the run succeeded, 1 when it failed,
    130 when interrupted (the run is still recorded). See docs/runs.md.
    """
    from keepwf import render
    from keepwf.render import runs as view
    from keepwf.service.execute import execute, interrupted_error, load_mocks, resolve_target
    from keepwf.store.settings import load_config

    if alert and incident:
        raise UsageError("give --alert or --incident, not both", hint=f"keepwf run {workflow} --alert alert.json")
    repo = open_repo()
    config = load_config(repo)
    target = resolve_target(repo, config, workflow, version=version, env=env, draft=draft)
    event, kind = (read_event(alert, "--alert"), "alert") if alert else ((read_event(incident, "--incident"), "incident") if incident else (None, None))
    mocks = load_mocks(mock, state.cwd())
    if mocks is not None:
        _warn_unused_mocks(mocks, mock, target)
    if target.notice:
        view.notice(target.notice)
    if not json_out:
        view.started(target)
    declared = target.doc.data.get("inputs") if isinstance(target.doc.data, dict) else None
    out = execute(repo, target, trigger=kind or "manual", event=event, event_kind=kind, inputs=parse_inputs(inputs, declared),
                  mocks=mocks, progress=view.Progress(enabled=not json_out), config=config)
    render.show(out.record, json_out, view.summary)
    if out.interrupted:
        raise interrupted_error()
    return out.exit_code


@app.command("trigger")
def trigger(
    alert: AlertOpt = None,
    incident: IncidentOpt = None,
    env: EnvOpt = None,
    explain: Annotated[bool, typer.Option("--explain", help="Say for every trigger why it fired or not.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say which workflows would run.")] = False,
    mock: MockOpt = None,
    json_out: JsonOpt = False,
) -> int:
    """Run every deployed workflow of the env whose triggers match the alert (filters / CEL) or incident.

    For alerting pipelines: `curl … | keepwf trigger --alert -` runs the deployed version of each matching workflow,
    records each run like `keepwf run`, and lists the workflows that did not match (--explain: why). Exit 0 when
    every run succeeded or nothing matched, 1 when a run failed, 2 for an unreadable event, 3 when a matching
    workflow was refused (its deploy tag does not verify in an env with signed = true). See docs/pipeline.md.
    """
    from keepwf import render
    from keepwf.render import runs as view
    from keepwf.service.execute import interrupted_error, load_mocks
    from keepwf.service.trigger import trigger as do_trigger

    repo = open_repo()
    report = do_trigger(repo, alert=read_event(alert, "--alert"), incident=read_event(incident, "--incident"), env=env,
                        dry_run=dry_run, mocks=load_mocks(mock, state.cwd()),
                        on_start=None if json_out else (lambda t, m: view.started(t)),
                        progress=view.Progress(enabled=not json_out))
    render.show(report, json_out, lambda r: view.trigger_report(r, explain))
    if report.interrupted:
        raise interrupted_error()
    return report.exit_code
