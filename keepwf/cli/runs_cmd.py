"""keepwf runs [WF], runs show RUN_ID, runs export, runs import: the execution history."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from keepwf.cli.app import app
from keepwf.cli.common import EnvFilterOpt, JsonOpt, LimitOpt, PageOpt, open_repo, state, workflow_id
from keepwf.errors import UsageError


class _RunsGroup(TyperGroup):
    """`keepwf runs [WF] [options]` lists; `keepwf runs show|export|import …` are subcommands."""

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["list", *args]
        return super().parse_args(ctx, args)


runs_app = typer.Typer(cls=_RunsGroup, help=(
    "The execution history, newest first, and one run whole. `keepwf runs [WF] [--version REF] [--env] [--status] "
    "[--since] [--limit] [--page] [--json]` is short for `keepwf runs list …`."),
                       no_args_is_help=False, add_completion=False, rich_markup_mode=None)
app.add_typer(runs_app, name="runs")


@runs_app.command("list")
def list_runs(
    workflow: Annotated[Optional[str], typer.Argument(metavar="[WF]", help="Only this workflow (its id or file).")] = None,
    version: Annotated[Optional[str], typer.Option("--version", metavar="REF", help="Only runs of this version (needs WF).")] = None,
    env: EnvFilterOpt = None,
    status: Annotated[Optional[str], typer.Option("--status", metavar="S", help="success, error, skipped or timeout.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", metavar="T", help="Runs started since T (7d, 12h, 2026-11-01).")] = None,
    drafts: Annotated[bool, typer.Option("--drafts", help="Draft runs (`keepwf run --draft`) instead of versions' runs.")] = False,
    limit: LimitOpt = 20,
    page: PageOpt = 1,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Then keep printing runs as they start and are recorded (Ctrl-C stops).")] = False,
    json_out: JsonOpt = False,
) -> int:
    """Runs newest first across versions (all envs unless --env), filterable by version, status and time.

    With --follow, the table is followed by a line per run as it starts (in any process on this repository: run,
    trigger, serve) and a row per run as it is recorded, until Ctrl-C (with --json: one JSON object per line)."""
    from keepwf import render
    from keepwf.render.runs import runs_table
    from keepwf.service.runs import list_runs as query

    repo = open_repo()
    workflow = workflow_id(repo, workflow) if workflow else None
    res = query(repo, workflow, version=version, env=env, status=status, since=since, limit=limit, page=page, drafts=drafts)
    if follow and (version or status or drafts or page > 1):
        raise UsageError("--follow follows every new run of the workflow/env; it does not combine with --version, "
                         "--status, --drafts or --page", hint=f"keepwf runs {workflow or ''} --follow".replace("  ", " "))
    render.show(res, json_out and not follow, runs_table)
    if follow:
        from keepwf.render.runs import followed
        from keepwf.service.follow import follow_runs

        try:
            for kind, obj in follow_runs(repo, workflow, env):
                followed(kind, obj, json_out)
        except KeyboardInterrupt:
            pass
    return 0


@runs_app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="A run id or a unique prefix of one.")],
    follow: Annotated[bool, typer.Option("--follow", "-f", help="If the run is still running (in another process), stream its steps until it is recorded.")] = False,
    json_out: JsonOpt = False,
) -> int:
    """One run whole: version, trigger, inputs, every step with attempts, results, errors, logs.

    With --follow, a run still executing (keepwf run, trigger or serve in another process on this repository) is
    streamed step by step as it goes, then shown whole once recorded."""
    from keepwf import render
    from keepwf.model.runrecord import RunRecord
    from keepwf.render.runs import run_detail
    from keepwf.service.runs import show_run

    if not follow:
        render.show(show_run(open_repo(), run_id), json_out, run_detail)
        return 0
    from keepwf.render.runs import followed
    from keepwf.service.follow import follow_run

    try:
        for kind, obj in follow_run(open_repo(), run_id):
            if kind == "run":
                render.show(RunRecord(obj), json_out, run_detail)
            else:
                followed(kind, obj, json_out)
    except KeyboardInterrupt:
        pass
    return 0


@runs_app.command("export")
def export(
    file: Annotated[Optional[Path], typer.Argument(metavar="[FILE]", help="Write here (default: stdout).")] = None,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="JSON Lines, one run per line (the only format).")] = True,
) -> int:
    """Every run and draft run as JSON Lines, oldest first (for hosts that drop git notes; `runs import` reads it)."""
    from keepwf.service.runs import export_runs

    lines = export_runs(open_repo())
    if file is None:
        for ln in lines:
            sys.stdout.write(ln)
        return 0
    path = state.cwd() / file
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.writelines(lines)
    tmp.replace(path)
    return 0


@runs_app.command("import")
def import_(
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="JSON Lines written by `keepwf runs export`.")],
    json_out: JsonOpt = False,
) -> int:
    """Add the runs of FILE that are not in the log yet (by run_id): running it twice adds nothing."""
    from keepwf import render
    from keepwf.service.runs import import_runs

    try:
        if file == "-":
            buf = getattr(sys.stdin, "buffer", None)  # bytes, so a non-UTF-8 stream is reported, not a crash
            lines = (buf.read().decode("utf-8") if buf is not None else sys.stdin.read()).split("\n")
        else:
            lines = (state.cwd() / file).read_bytes().decode("utf-8").split("\n")
    except OSError as e:
        raise UsageError(f"{file}: cannot read: {e.strerror}", hint="keepwf runs export --jsonl runs.jsonl writes one") from e
    except UnicodeDecodeError as e:
        raise UsageError(f"{file}: not UTF-8 text (byte {e.start}): not a file `keepwf runs export` wrote",
                         hint="keepwf runs export --jsonl runs.jsonl writes one") from None
    res = import_runs(open_repo(), lines, file)
    if json_out:
        render.print_json(res.to_dict())
    else:
        render.line(f"imported {res.added} run(s); {res.present} already present; {len(res.skipped)} skipped")
        for s in res.skipped[:20]:
            render.warn(s)
    return 1 if res.skipped else 0
