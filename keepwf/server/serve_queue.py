"""``keepwf serve --queue URL``: the HTTP intake defers runs to PostgreSQL; a ``keepwf worker`` process beside it runs
them (none with ``--no-workers``: intake only, workers elsewhere). SIGTERM: intake answers 503, the worker gets the
grace period (what it does not finish stays in the queue for any worker)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading


def spawn_worker(opts, root, env: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "keepwf", "worker", "--queue", opts.queue, "--env", env,
            "--concurrency", str(opts.workers), "--grace", str(opts.grace), "--log-format", opts.log_format]
    if opts.sync:
        args += ["--sync", opts.sync, "--sync-interval", str(opts.sync_interval)]
    return subprocess.Popen(args, cwd=str(root))


def run_queue(opts, keys, metrics, rt, sock) -> int:
    import uvicorn

    from keepwf.server.app import build_app
    from keepwf.store.pgqueue import redact

    proc = None if opts.no_workers else spawn_worker(opts, rt.root, rt.env)  # it syncs this clone when --sync
    stop_sync = threading.Event()
    if opts.sync and proc is None:  # intake only: its clone still needs the deploys
        from keepwf.service.runtime.qworker import sync_loop

        threading.Thread(target=sync_loop, args=(rt.root, opts.sync, opts.sync_interval, stop_sync, metrics),
                         name="keepwf-sync", daemon=True).start()
    rt.start_intake()
    app = build_app(rt, metrics, keys)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=5)

    class Server(uvicorn.Server):
        draining = False

        def handle_exit(self, sig, frame):
            if self.draining:
                self.force_exit = True
                return super().handle_exit(sig, frame)
            self.draining = True
            rt.stop_accepting()
            metrics.log({"msg": "stopping", "signal": int(sig), "grace_s": opts.grace})
            threading.Thread(target=self.drain, name="keepwf-drain", daemon=True).start()

        def drain(self) -> None:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(opts.grace + 60)
                except subprocess.TimeoutExpired:
                    proc.kill()
            stop_sync.set()
            metrics.log({"msg": "stopped", **rt.shutdown()})
            self.should_exit = True

    server = Server(config)
    metrics.log({"msg": "listening", "url": f"http://{opts.host}:{sock.getsockname()[1]}", "env": rt.env,
                 "queue": redact(opts.queue), "workers": 0 if proc is None else opts.workers,
                 "auth": "api-key" if keys else "none (loopback only)"})
    try:
        server.run(sockets=[sock])
    finally:
        if not server.draining:
            server.draining = True
            rt.stop_accepting()
            server.drain()
    return 0
