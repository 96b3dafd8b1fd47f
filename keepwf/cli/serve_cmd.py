"""keepwf serve: the live runtime (Keep-compatible alert intake, interval triggers, runs of the deployed version)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from keepwf.cli.app import app
from keepwf.cli.common import EnvOpt, open_repo


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0 picks a free one).")] = 8080,
    env: EnvOpt = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=256, help="Runs at the same time.")] = 4,
    sync: Annotated[Optional[str], typer.Option("--sync", metavar="REMOTE", help="Pull deploys and push run records with this remote (keepwf sync).")] = None,
    sync_interval: Annotated[float, typer.Option("--sync-interval", metavar="S", min=1, help="Seconds between syncs (±20% jitter).")] = 60.0,
    api_keys_file: Annotated[Optional[str], typer.Option("--api-keys-file", metavar="FILE", help="API keys, one per line (also: KEEPWF_API_KEYS=k1,k2).")] = None,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="Accept requests without a key (only when bound to loopback).")] = False,
    log_format: Annotated[str, typer.Option("--log-format", metavar="text|json", help="One log line per event and per run, as text or JSON.")] = "text",
    grace: Annotated[float, typer.Option("--grace", metavar="S", min=0, help="On SIGTERM, seconds running runs get before they are cancelled.")] = 30.0,
    queue: Annotated[Optional[str], typer.Option("--queue", metavar="URL", envvar="KEEPWF_QUEUE", help="Defer runs to this PostgreSQL queue (Procrastinate) instead of the embedded journal; also [serve] queue. See docs/scale-out.md.")] = None,
    no_workers: Annotated[bool, typer.Option("--no-workers", help="With --queue: intake only (workers run elsewhere: keepwf worker).")] = False,
) -> int:
    """Serve Keep's alert intake and run the deployed workflows for each alert, incident and interval.

    Point Alertmanager at `http://HOST:PORT/alerts/event/prometheus` (basic_auth password = an API key) or Grafana at
    `/alerts/event/grafana`; POST Keep alerts to `/alerts/event`. Each accepted event is journaled under
    `.git/keepwf/` before the 202 answer, then every matching workflow runs in the version deployed when the run
    starts (a deploy from anywhere takes effect for the next event) and is recorded like `keepwf trigger`.

    Example: `KEEPWF_API_KEYS=s3cret keepwf serve --port 8080 --log-format json`. SIGTERM stops intake (503), lets
    runs finish within --grace and leaves queued events for the next start. See docs/serve.md.

    Past one machine: `--queue postgresql://…` defers each run to PostgreSQL, and `keepwf worker` processes on other
    hosts run them (`--no-workers`: this node only takes alerts in). See docs/scale-out.md.
    """
    from keepwf.errors import UsageError
    from keepwf.server.serve import ServeOptions, prepare, run

    if log_format not in ("text", "json"):
        raise UsageError(f"--log-format {log_format!r}: use text or json", hint="keepwf serve --log-format json")
    from keepwf.cli.worker_cmd import queue_url

    repo = open_repo()
    queue = queue_url(repo, queue, required=False)
    if no_workers and not queue:
        raise UsageError("--no-workers needs a queue: without one, serve's runs happen in serve itself",
                         hint="keepwf serve --queue postgresql://… --no-workers")
    opts = ServeOptions(host, port, env, workers, sync, sync_interval, api_keys_file, no_auth, log_format, grace,
                        queue, no_workers)
    return run(opts, *prepare(opts, repo.root))
