"""keepwf schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import JsonOpt, state


@app.command("schema")
def schema(
    output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="Write the schema to FILE instead of stdout.")] = None,
    json_out: JsonOpt = False,  # the output is JSON anyway; accepted like on every read command
) -> int:
    """Print the JSON Schema (draft-07) of the workflow format, for editors' YAML plugins.

    For VS Code's YAML extension (yaml-language-server): `keepwf schema -o .keepwf/workflow.schema.json`, then put
    `# yaml-language-server: $schema=../.keepwf/workflow.schema.json` at the top of a workflow file, or map the
    schema to `workflows/*.yml` in the editor settings. See docs/validation.md.
    """
    from keepwf import render
    from keepwf.errors import UsageError
    from keepwf.workflow.schema import workflow_schema

    doc = workflow_schema()
    if output is None:
        render.print_json(doc)
        return 0
    target = state.cwd() / output
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render.to_json(doc) + "\n", encoding="utf-8")
    except OSError as e:
        raise UsageError(f"cannot write {output}: {e.strerror or e}", hint="give a writable path to --output") from e
    render.line(f"wrote {output}", stderr=True)
    return 0
