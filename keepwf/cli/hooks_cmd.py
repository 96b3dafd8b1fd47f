"""keepwf hooks install|uninstall|status, and the hidden hook-run that the hook scripts call."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import JsonOpt, open_repo

hooks_app = typer.Typer(
    help="Git hooks: pre-commit validates staged workflows, pre-push refuses moved or deleted deploy tags, "
    "post-checkout/post-merge say when the checkout differs from what is deployed.",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help, as every command's
)
app.add_typer(hooks_app, name="hooks")

ForceOpt = Annotated[
    bool, typer.Option("--force", "-f", help="Install even though core.hooksPath points elsewhere (installs there).")
]


def _show(report, title: str, json_out: bool) -> int:
    from keepwf import render
    from keepwf.render.hooks import hooks_report

    render.show(report, json_out, lambda r: hooks_report(r, title))
    return 0


@hooks_app.command("install")
def install(force: ForceOpt = False, json_out: JsonOpt = False) -> int:
    """Install keepwf's hooks (a hook already there is moved to <hook>.legacy and still runs first)."""
    from keepwf.service.hooks import install_hooks

    return _show(install_hooks(open_repo(), force=force), "keepwf hooks in", json_out)


@hooks_app.command("uninstall")
def uninstall(json_out: JsonOpt = False) -> int:
    """Remove keepwf's hooks and put back the hooks they had chained."""
    from keepwf.service.hooks import uninstall_hooks

    return _show(uninstall_hooks(open_repo()), "keepwf hooks removed from", json_out)


@hooks_app.command("status")
def status(json_out: JsonOpt = False) -> int:
    """Which keepwf hooks are installed, outdated or missing, and what they chain."""
    from keepwf.service.hooks import hooks_status

    return _show(hooks_status(open_repo()), "hooks folder", json_out)


@app.command(
    "hook-run",
    hidden=True,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def hook_run(
    hook: Annotated[str, typer.Argument(help="Hook name (pre-commit, pre-push, …).")],
    args: Annotated[Optional[list[str]], typer.Argument()] = None,
) -> int:
    """Run one keepwf git hook (called by the hook scripts)."""
    from keepwf.hookentry import main

    return main([hook, *(args or [])])
