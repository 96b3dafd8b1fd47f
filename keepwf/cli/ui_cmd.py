"""keepwf ui: the web view of versions and runs, served on this machine (loopback)."""

from __future__ import annotations

from typing import Annotated

import typer

from keepwf.cli.app import app
from keepwf.cli.common import open_repo
from keepwf.errors import UsageError


@app.command("ui")
def ui(
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="TCP port (0: any free port).")] = 8081,
    host: Annotated[str, typer.Option("--host", help="Loopback address to bind (127.0.0.1, ::1 or localhost).")] = "127.0.0.1",
) -> int:
    """Serve the web view of this repository: workflows, versions, runs, diffs, audit, rollback and promote buttons.

    It binds to a loopback address only and has no login, so it is for the person at this machine (on a server,
    `keepwf serve` mounts the same pages under /ui behind its API keys). It opens nothing by itself: it prints the
    URL. Ctrl-C stops it. Example: `keepwf ui --port 8081`, then open http://127.0.0.1:8081/. See docs/ui.md.
    """
    from keepwf import render
    from keepwf.server.ui.security import is_loopback

    if not is_loopback(host):
        raise UsageError(f"--host {host}: keepwf ui has no login, so it binds to loopback only",
                         hint="use keepwf serve (its /ui pages need an API key) to reach the view from other machines")
    repo = open_repo()
    from keepwf.server.ui.run import serve_ui

    serve_ui(repo.root if not repo.is_bare else repo.git_dir, host, port,
             on_ready=lambda url: render.line(f"keepwf ui: {url} (Ctrl-C stops it)"))
    return 0
