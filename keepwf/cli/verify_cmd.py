"""keepwf verify."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import EnvFilterOpt, JsonOpt, open_repo, workflow_id


@app.command("verify")
def verify(
    workflow: Annotated[Optional[str], typer.Argument(metavar="[WF]", help="Workflow id or its file (default: every workflow).")] = None,
    env: EnvFilterOpt = None,
    json_out: JsonOpt = False,
) -> int:
    """Check the signatures of deploy tags (`git verify-tag`).

    A tag with a bad signature always fails; an unsigned tag fails only in an environment with `signed = true`.
    Exit 0 when every tag passes, 1 otherwise.
    """
    from keepwf import render
    from keepwf.render.signing import verify_report
    from keepwf.service.signatures import verify as run_verify
    from keepwf.store.settings import load_config

    repo = open_repo()
    config = load_config(repo)
    report = run_verify(repo, config, workflow_id(repo, workflow, config) if workflow else None, env)
    render.show(report, json_out, verify_report)
    return 0 if report.ok else 1
