"""keepwf init."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import JsonOpt, state


@app.command("init")
def init(
    path: Annotated[Optional[Path], typer.Argument(help="Folder to create or adopt (default: the current one).")] = None,
    hooks: Annotated[bool, typer.Option("--hooks", help="Also install keepwf's git hooks (see `keepwf hooks`).")] = False,
    json_out: JsonOpt = False,
) -> int:
    """Create or adopt a git repository for workflows.

    Creates the workflows folder with one example workflow (if it holds none), `keepwf.toml` (if absent) and the git
    config that makes run notes merge by union across clones. Existing files are never overwritten.
    """
    from keepwf import render
    from keepwf.service.project import init_project

    target = state.cwd() if path is None else (state.cwd() / path)
    res = init_project(target)
    hooks_report = None
    if hooks:
        from keepwf.service.hooks import install_hooks

        hooks_report = install_hooks(res.root)
    if json_out:
        render.print_json(
            {"root": str(res.root), "created_repo": res.created_repo, "created": res.created, "kept": res.kept, "config": res.config_keys}
            | ({"hooks": hooks_report.to_dict()} if hooks_report else {})
        )
        return 0
    render.markup(("Initialized a git repository in " if res.created_repo else "Adopted the git repository in ") + render.escape(str(res.root)))
    for f in res.created:
        render.markup(f"  [green]created[/green] {render.escape(f)}")
    for f in res.kept:
        render.markup(f"  [dim]kept[/dim]    {render.escape(f)}")
    render.line("  notes merge by union: " + ", ".join(res.config_keys))
    if hooks_report is not None:
        from keepwf.render.hooks import hooks_report as show_hooks

        show_hooks(hooks_report, "  git hooks in")
    render.line("")
    render.line("Next: git add -A && git commit -m 'Add workflows' && keepwf deploy --all")
    return 0
