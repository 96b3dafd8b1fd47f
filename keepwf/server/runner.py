"""The runner process of ``keepwf serve``: dispatch, workers, recorder, scheduler and sync, beside the HTTP process.

Two processes so that running workflows never takes the HTTP process's interpreter lock (intake answers in
milliseconds while the runner uses the other core). They share only the journal (SQLite) and two pipes:

- wake (HTTP → runner): a byte after each journal commit; end of file = the HTTP process died → the runner dies too
  (as under ``kill -9``: what was in flight is re-run after the next start);
- report (runner → HTTP): JSON lines for metrics and logs (``run``, ``dispatched``, ``log``, ``stopped``).

SIGTERM to the runner = drain (the HTTP process sends it after it stopped accepting).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

from keepwf.service.runtime.observe import Observer


NICE = 5


class PipeObserver(Observer):
    def __init__(self, fd: int):
        self.f = os.fdopen(fd, "w", buffering=1, encoding="utf-8")
        self.lock = threading.Lock()

    def _send(self, msg: dict) -> None:
        line = json.dumps(msg, ensure_ascii=False, default=str)
        with self.lock:
            try:
                self.f.write(line + "\n")
            except (OSError, ValueError):
                pass

    def events_dispatched(self, counts: dict[str, int]) -> None:
        self._send({"t": "dispatched", "counts": counts})

    def run_finished(self, rec: dict) -> None:
        self._send({"t": "run", "rec": {k: rec.get(k) for k in ("workflow", "version", "status", "duration_ms")}})

    def log(self, fields: dict) -> None:
        self._send({"t": "log", "fields": fields})


def _die_with_parent() -> None:
    try:  # Linux: SIGKILL when the parent dies, even before the wake pipe is read
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main(argv: list[str]) -> int:
    from keepwf.service.runtime.runtime import Runtime

    spec = json.loads(argv[0])
    _die_with_parent()
    try:  # under CPU contention the intake answers first (senders wait for it); runs may lag a little
        os.nice(NICE)
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the HTTP process coordinates
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda n, f: stop.set())
    obs = PipeObserver(spec["report_fd"])
    rt = Runtime(spec["root"], spec["env"], workers=spec["workers"], observer=obs, sync_remote=spec["sync"],
                 sync_interval=spec["sync_interval"])
    wake = os.fdopen(spec["wake_fd"], "rb", buffering=0)

    def read_wake():
        while True:
            try:
                data = wake.read(4096)
            except OSError:
                data = b""
            if not data:  # the HTTP process is gone: stop like a kill would
                os._exit(1)
            rt.wake_dispatch.set()

    rt.start_runner()
    threading.Thread(target=read_wake, name="keepwf-wake", daemon=True).start()
    obs.log({"msg": "runner started", "workers": spec["workers"]})
    while not stop.wait(1):
        pass
    stats = rt.shutdown(spec["grace"])
    obs._send({"t": "stopped", "stats": stats})
    return 0


def spawn(root, env: str, workers: int, sync: str | None, sync_interval: float, grace: float):
    """Start the runner; returns (process, wake write fd, report read file)."""
    wake_r, wake_w = os.pipe()
    rep_r, rep_w = os.pipe()
    spec = {"root": str(root), "env": env, "workers": workers, "sync": sync, "sync_interval": sync_interval,
            "grace": grace, "wake_fd": wake_r, "report_fd": rep_w}
    proc = subprocess.Popen([sys.executable, "-m", "keepwf.server.runner", json.dumps(spec)], pass_fds=(wake_r, rep_w))
    os.close(wake_r)
    os.close(rep_w)
    os.set_blocking(wake_w, False)
    return proc, wake_w, os.fdopen(rep_r, "r", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
