"""Run the app on uvicorn with the runtime behind it; SIGTERM/SIGINT drain: new requests get 503, running runs get
the grace period, what is still running is cancelled (recorded as ``cancelled``), queued events stay journaled."""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass

from keepwf.errors import UsageError


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    env: str | None = None
    workers: int = 4
    sync: str | None = None
    sync_interval: float = 60.0
    api_keys_file: str | None = None
    no_auth: bool = False
    log_format: str = "text"
    grace: float = 30.0
    queue: str | None = None  # PostgreSQL URL: intake defers to Procrastinate (docs/scale-out.md)
    no_workers: bool = False  # with a queue: intake only


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror or e}",
                         hint="choose another --port (0 picks a free one) or stop what uses it") from e
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def prepare(opts: ServeOptions, root) -> tuple:
    """Everything that can refuse, before anything starts: keys, the bind, the repository and env."""
    from keepwf.server import auth

    keys = auth.load_keys(opts.api_keys_file)
    if not keys and not opts.no_auth:
        raise UsageError("no API key configured: senders could not authenticate",
                         hint=f"export {auth.ENV_VAR}=KEY (comma-separated) or --api-keys-file FILE; "
                              "--no-auth only on 127.0.0.1")
    if opts.no_auth and not is_loopback(opts.host):
        raise UsageError(f"--no-auth is refused on {opts.host}: anyone who reaches it could run workflows",
                         hint=f"set {auth.ENV_VAR} or --api-keys-file, or bind to 127.0.0.1")
    if keys and opts.no_auth:
        keys = []
    from keepwf.service.runtime.runtime import Runtime
    from keepwf.server.metrics import Metrics

    holder: dict = {}
    metrics = Metrics(lambda: holder["pending"]() if "pending" in holder else 0, opts.log_format)
    if opts.queue:
        from keepwf.service.runtime.qintake import QueueRuntime

        rt = QueueRuntime(root, opts.queue, opts.env, metrics)
        holder["pending"] = rt.pending
    else:
        rt = Runtime(root, opts.env, workers=opts.workers, observer=metrics, sync_remote=opts.sync,
                     sync_interval=opts.sync_interval)
        holder["pending"] = rt.journal.pending
    holder["rt"] = rt
    sock = bind(opts.host, opts.port)
    return keys, metrics, rt, sock


def run(opts: ServeOptions, keys, metrics, rt, sock) -> int:
    import json
    import os
    import signal

    import uvicorn

    from keepwf.server import runner
    from keepwf.server.app import build_app

    if opts.queue:
        from keepwf.server.serve_queue import run_queue

        return run_queue(opts, keys, metrics, rt, sock)
    proc, wake_w, report = runner.spawn(rt.root, rt.env, opts.workers, opts.sync, opts.sync_interval, opts.grace)

    def wake() -> None:
        try:
            os.write(wake_w, b"x")
        except (BlockingIOError, OSError):  # the pipe is full: the runner has a wake-up pending anyway
            pass

    rt.on_committed = wake
    rt.start_intake()
    app = build_app(rt, metrics, keys)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=5)
    result: dict = {}

    class Server(uvicorn.Server):
        draining = False
        exit_code = 0

        def handle_exit(self, sig, frame):
            if self.draining:  # a second signal: stop now (the journal keeps what is left)
                self.force_exit = True
                return super().handle_exit(sig, frame)
            self.draining = True
            rt.stop_accepting()
            metrics.log({"msg": "stopping", "signal": int(sig), "grace_s": opts.grace})
            threading.Thread(target=self.drain, name="keepwf-drain", daemon=True).start()

        def drain(self) -> None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(opts.grace + 60)
            except Exception:
                proc.kill()
            reader.join(5)
            rt.shutdown(0)
            metrics.log({"msg": "stopped", **result})
            self.should_exit = True

    server = Server(config)

    def read_reports() -> None:
        for line in report:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            t = msg.get("t")
            if t == "run":
                metrics.run_finished(msg["rec"])
            elif t == "dispatched":
                metrics.events_dispatched(msg["counts"])
            elif t == "log":
                metrics.log(msg["fields"])
            elif t == "stopped":
                result.update(msg["stats"])
        if not server.draining:  # the runner died on its own: stop serving (a supervisor restarts both)
            metrics.log({"msg": "runner exited", "code": proc.wait()})
            server.exit_code = 1
            server.draining = True
            rt.stop_accepting()
            server.should_exit = True

    reader = threading.Thread(target=read_reports, name="keepwf-reports", daemon=True)
    reader.start()
    metrics.log({"msg": "listening", "url": f"http://{opts.host}:{sock.getsockname()[1]}", "env": rt.env,
                 "workers": opts.workers, "auth": "api-key" if keys else "none (loopback only)"})
    try:
        server.run(sockets=[sock])
    finally:
        if not server.draining:  # stopped another way: still drain the runner
            server.draining = True
            rt.stop_accepting()
            server.drain()
        os.close(wake_w)
    return server.exit_code
