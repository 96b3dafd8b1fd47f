"""keepwf deploy."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import EnvFilterOpt, EnvOpt, JsonOpt, open_repo

MessageOpt = Annotated[Optional[str], typer.Option("--message", "-m", help="Deploy message (the tag's first line).")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Run the checks and show the plan; write nothing.")]


@app.command("deploy")
def deploy(
    workflows: Annotated[Optional[list[str]], typer.Argument(metavar="[WF]...", help="Workflow ids to deploy.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Deploy every workflow that changed.")] = False,
    message: MessageOpt = None,
    env: EnvOpt = None,
    dry_run: DryRunOpt = False,
    commit: Annotated[bool, typer.Option("--commit", help="Commit uncommitted workflow files first.")] = False,
    canary: Annotated[bool, typer.Option("--canary", help="Deploy WF as a canary: the deployed version keeps most events until the new one proves itself (docs/canary.md).")] = False,
    steps: Annotated[Optional[str], typer.Option("--steps", metavar="P,P,…", help="Canary steps: % of events to the canary, e.g. 10,25,50 (default: [canary] steps of keepwf.toml).")] = None,
    json_out: JsonOpt = False,
) -> int:
    """Run the release checklist, then create one version (annotated tag) per changed workflow, all or none.

    Checks: the workflows validate, the deployed files are committed, the branch may deploy to the env, approvals,
    signing (envs with `signed = true`).
    Unchanged workflows are skipped and said so. Exit 1 invalid, 2 bad usage, 3 refused by the repository state.

    Example: `keepwf deploy hello-alert -m "Page after 10 minutes"`, or `keepwf deploy --all --env staging`.
    See docs/versions.md."""
    from keepwf import render
    from keepwf.render.deploy import deploy_result
    from keepwf.service.deploy import deploy as do_deploy
    from keepwf.store.settings import load_config

    repo = open_repo()
    config = load_config(repo)
    canary_steps = None
    if steps is not None and not canary:
        from keepwf.errors import UsageError

        raise UsageError("--steps sets a canary's steps; add --canary", hint=f"keepwf deploy WF --canary --steps {steps}")
    if canary:
        from keepwf.errors import UsageError
        from keepwf.model.canary import PolicyError, parse_steps

        try:
            canary_steps = parse_steps(steps) if steps else config.env(env).canary.steps
        except PolicyError as e:
            raise UsageError(f"--steps {steps}: {e.problem}", hint="e.g. --steps 10,25,50") from None
    res = do_deploy(repo, config, workflows or [], all_=all_, env=env, message=message, dry_run=dry_run,
                    commit_first=commit, canary_steps=canary_steps)
    if json_out:
        render.print_json(res.to_dict())
        return res.error.exit_code if res.error else 0
    deploy_result(res)
    if res.error:
        raise res.error
    return 0


@app.command("rollback")
def rollback(
    workflow: Annotated[str, typer.Argument(metavar="WF", help="Workflow id.")],
    to: Annotated[Optional[str], typer.Option("--to", metavar="REF", help="Version to go back to: v3, 3, SHA, tag, previous (default: the newest earlier version with other content whose runs did not all fail).")] = None,
    env: EnvOpt = None,
    message: MessageOpt = None,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> int:
    """Create a NEW version pointing at an earlier version's commit (tags are never moved). Prints the diff first.

    Example: `keepwf rollback hello-alert -m "v4 pages twice"` (back to the newest earlier version whose runs did
    not all fail), or `keepwf rollback hello-alert --to v2`."""
    from keepwf import render
    from keepwf.render.deploy import release_result
    from keepwf.service.release import rollback as do

    repo = open_repo()
    from keepwf.store.settings import load_config

    res = do(repo, load_config(repo), workflow, to, env, message, dry_run)
    render.show(res, json_out, release_result)
    return 0


@app.command("promote")
def promote(
    workflow: Annotated[str, typer.Argument(metavar="WF", help="Workflow id.")],
    from_env: Annotated[str, typer.Option("--from", metavar="ENV", help="Environment whose deployed commit to promote.")],
    to_env: Annotated[str, typer.Option("--to", metavar="ENV", help="Environment to deploy it to.")],
    message: MessageOpt = None,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> int:
    """Deploy to --to exactly the commit (and file) deployed in --from. The --to env's branch rule and approvals apply.

    Example: `keepwf promote hello-alert --from staging --to production -m "Tested in staging"`."""
    from keepwf import render
    from keepwf.render.deploy import release_result
    from keepwf.service.release import promote as do
    from keepwf.store.settings import load_config

    repo = open_repo()
    res = do(repo, load_config(repo), workflow, from_env, to_env, message, dry_run)
    render.show(res, json_out, release_result)
    return 0


@app.command("prune")
def prune(
    workflow: Annotated[Optional[str], typer.Argument(metavar="[WF]", help="Only this workflow (default: all).")] = None,
    version: Annotated[Optional[str], typer.Argument(metavar="[VERSION]", help="With --restore: the pruned version to bring back (v3).")] = None,
    keep: Annotated[Optional[int], typer.Option("--keep", metavar="N", help="Keep the N newest versions (default 10 when --older-than is not given).")] = None,
    older_than: Annotated[Optional[str], typer.Option("--older-than", metavar="AGE", help="Only versions older than AGE (30d, 12h, 2w).")] = None,
    env: EnvFilterOpt = None,
    message: Annotated[Optional[str], typer.Option("--message", "-m", help="Message of the prune's audit record.")] = None,
    restore: Annotated[bool, typer.Option("--restore", help="Bring the pruned VERSION of WF back from the archive (audited): keepwf prune --restore WF v3.")] = False,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> int:
    """Remove old version tags. Never the deployed one nor the rollback target; pruned versions stay reachable
    under refs/keepwf/archive/ (run records keep their version) and the prune is recorded for `keepwf audit`.

    `keepwf prune --restore WF v3` undoes a prune of one version: its tag is live again (the same tag object), the
    restore is recorded for `keepwf audit` and travels with `keepwf sync`. `[env.X] keep_versions = N` in
    keepwf.toml makes every deploy prune that workflow down to N versions by itself (recorded like this command)."""
    from keepwf import render
    from keepwf.render.deploy import prune_result
    from keepwf.service.prune import prune as do
    from keepwf.store.settings import load_config

    repo = open_repo()
    if restore or version is not None:
        from keepwf.errors import UsageError
        from keepwf.service.prune import restore as do_restore

        if not (restore and workflow and version):
            raise UsageError("restoring needs --restore, the workflow and the version", hint="keepwf prune --restore WF v3")
        v = do_restore(repo, load_config(repo), workflow, version, env=env, message=message)
        render.show(v, json_out, lambda x: render.line(f"restored {x.tag} → commit {x.commit[:10]} (recorded for "
                                                       "keepwf audit; keepwf sync carries it)"))
        return 0
    res = do(repo, load_config(repo), workflow, keep=keep, older_than=older_than, env=env, dry_run=dry_run, message=message)
    render.show(res, json_out, prune_result)
    return 0
