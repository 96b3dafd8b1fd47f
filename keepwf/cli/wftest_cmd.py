"""keepwf test: run the workflow tests kept beside the workflows (tests/<workflow id>/*.yml)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import EnvOpt, JsonOpt, open_repo, state, workflow_id


@app.command("test")
def test(
    workflows: Annotated[Optional[list[str]], typer.Argument(metavar="[WF]...", help="Workflow ids or their files (default: every workflow with tests).")] = None,
    version: Annotated[Optional[str], typer.Option("--version", metavar="REF", help="Test this deployed version (v3, deployed…) instead of the working copy.")] = None,
    env: EnvOpt = None,
    junit: Annotated[Optional[str], typer.Option("--junit", metavar="FILE", help="Also write the results as JUnit XML (for CI systems).")] = None,
    json_out: JsonOpt = False,
) -> int:
    """Run workflow tests: each case under tests/<WF>/ gives an alert, mocks and expectations, checked offline.

    A case is a YAML file with `alert:` (or `incident:`, `inputs:`), `mocks:` (the --mock format) and `expect:`
    (`status`, per-step `steps`, provider `calls` with their rendered parameters). Runs are sealed (no provider call
    leaves the machine; unmocked ones answer null) and never recorded. Tests the working copy, or --version REF.
    Example: `keepwf test db-alert --junit report.xml`. Exit 0 when every case passed, 1 when one failed, 2 for a
    bad case file. Format: docs/incidents.md.
    """
    from pathlib import Path

    from keepwf import render
    from keepwf.render import incident as view
    from keepwf.service.wftests import junit_xml, run_tests

    repo = open_repo()
    rep = run_tests(repo, [workflow_id(repo, w) for w in workflows or []], version=version, env=env,
                    on_case=None if json_out else view.test_case)
    if junit:
        Path(state.cwd() / junit).write_bytes(junit_xml(rep))
    render.show(rep, json_out, view.test_report)
    if any(c.error for c in rep.cases) and not any(c.failures for c in rep.cases):
        return 2
    return 1 if rep.failed else 0
