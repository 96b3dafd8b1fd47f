"""keepwf worker / keepwf queue status: serve past one machine, on Procrastinate + PostgreSQL (docs/scale-out.md)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import EnvOpt, JsonOpt, open_repo

QUEUE_ENV = "KEEPWF_QUEUE"
QueueOpt = Annotated[Optional[str], typer.Option(
    "--queue", metavar="URL", envvar=QUEUE_ENV,
    help="PostgreSQL URL of the queue (also KEEPWF_QUEUE, or [serve] queue in keepwf.toml without a password).")]


def queue_url(repo, given: str | None, *, required: bool = True) -> str | None:
    """--queue / KEEPWF_QUEUE, else ``[serve] queue`` of keepwf.toml."""
    from keepwf.errors import UsageError
    from keepwf.store.settings import load_config

    url = given or load_config(repo).serve_queue
    if not url and required:
        raise UsageError("no queue given", hint="--queue postgresql://USER@HOST:5432/DB, KEEPWF_QUEUE=…, or "
                                                "[serve] queue in keepwf.toml")
    return url


@app.command("worker")
def worker(
    queue: QueueOpt = None,
    env: EnvOpt = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=256, help="Runs at the same time in this process.")] = 4,
    sync: Annotated[Optional[str], typer.Option("--sync", metavar="REMOTE", help="Pull deploys and push run records with this remote, on a jittered timer and on shutdown.")] = None,
    sync_interval: Annotated[float, typer.Option("--sync-interval", metavar="S", min=0.5, help="Seconds between syncs (±20% jitter).")] = 30.0,
    heartbeat: Annotated[float, typer.Option("--heartbeat", metavar="S", min=0.5, help="Seconds between heartbeats; a worker silent for 3 heartbeats is dead and its running jobs are retried elsewhere.")] = 10.0,
    grace: Annotated[float, typer.Option("--grace", metavar="S", min=0, help="On SIGTERM, seconds running runs get to finish.")] = 30.0,
    metrics_port: Annotated[Optional[int], typer.Option("--metrics-port", min=0, max=65535, help="Serve /metrics (Prometheus) on this port.")] = None,
    metrics_host: Annotated[str, typer.Option("--metrics-host", help="Address of /metrics.")] = "127.0.0.1",
    log_format: Annotated[str, typer.Option("--log-format", metavar="text|json", help="One log line per run, as text or JSON.")] = "text",
) -> int:
    """Run workflows from the PostgreSQL queue that `keepwf serve --queue URL` fills, in this clone.

    Each job is one run: the version deployed in this clone when it starts runs through the same engine as
    `keepwf run`, and the record is appended here; `--sync REMOTE` pushes records and pulls deploys. Start one per
    host (each host its own clone); intervals and stalled-job retries are shared by all workers.

    Example: `keepwf worker --queue postgresql://keepwf@db:5432/keepwf --sync origin --metrics-port 9101`.
    See docs/scale-out.md.
    """
    from keepwf.errors import UsageError
    from keepwf.server.qworker import run_worker

    if log_format not in ("text", "json"):
        raise UsageError(f"--log-format {log_format!r}: use text or json", hint="keepwf worker --log-format json")
    repo = open_repo()
    url = queue_url(repo, queue)
    return run_worker(repo.root, url, env, concurrency=concurrency, sync=sync, sync_interval=sync_interval,
                      heartbeat=heartbeat, grace=grace, metrics_host=metrics_host, metrics_port=metrics_port,
                      log_format=log_format)


queue_app = typer.Typer(help="The PostgreSQL queue of keepwf serve past one machine (docs/scale-out.md).",
                        no_args_is_help=True)
app.add_typer(queue_app, name="queue")


@queue_app.command("status")
def queue_status(
    queue: QueueOpt = None,
    stalled_after: Annotated[float, typer.Option("--stalled-after", metavar="S", min=0, help="A worker without a heartbeat for this long is stalled.")] = 30.0,
    json_out: JsonOpt = False,
) -> int:
    """Jobs waiting, running and failed per workflow, and the workers (stalled ones marked).

    Example: `keepwf queue status --queue postgresql://keepwf@db:5432/keepwf --json`.
    """
    from keepwf import render
    from keepwf.render.queue import draw_status
    from keepwf.store.pgqueue import queue_status as status

    url = queue_url(open_repo(), queue)
    render.show(status(url, stalled_after), json_out, draw_status)
    return 0
