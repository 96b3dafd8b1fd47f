"""``communicate`` with live lines: like ``Popen.communicate(timeout=…)`` (all of stdout and stderr, as bytes; raises
``subprocess.TimeoutExpired``), and every line is handed to ``on_line(stream, text)`` as it arrives — on the calling
thread, so a progress callback never runs on a reader thread."""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from collections.abc import Callable

CHUNK = 8192  # a line longer than this arrives in pieces
KEEP_BYTES = 4 * 1024 * 1024 + 1  # what the caller keeps of each stream (bash's MAX_OUTPUT); the rest is drained


def _pump(pipe, name: str, buf: bytearray, q: queue.Queue) -> None:
    try:
        for raw in iter(lambda: pipe.readline(CHUNK), b""):
            if len(buf) < KEEP_BYTES:
                buf.extend(raw[: KEEP_BYTES - len(buf)])
            q.put((name, raw))
    except (OSError, ValueError):  # the pipe was closed under us (the command was killed)
        pass
    finally:
        q.put((name, None))


def communicate(proc: subprocess.Popen, timeout: float, on_line: Callable[[str, str], None] | None) -> tuple[bytes, bytes]:
    pipes = [(n, p) for n, p in (("stdout", proc.stdout), ("stderr", proc.stderr)) if p is not None]
    if on_line is None or not pipes:
        return proc.communicate(timeout=timeout)
    deadline = time.monotonic() + timeout
    bufs = {n: bytearray() for n, _ in pipes}
    q: queue.Queue = queue.Queue()
    for n, p in pipes:
        threading.Thread(target=_pump, args=(p, n, bufs[n], q), daemon=True).start()
    open_pipes = len(pipes)
    while open_pipes:
        left = deadline - time.monotonic()
        if left <= 0:
            raise subprocess.TimeoutExpired(proc.args, timeout)
        try:
            name, raw = q.get(timeout=min(left, 0.5))
        except queue.Empty:
            continue
        if raw is None:
            open_pipes -= 1
            continue
        on_line(name, raw.decode("utf-8", "replace").rstrip("\r\n"))
    proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    for _, p in pipes:
        p.close()
    return bytes(bufs.get("stdout", b"")), bytes(bufs.get("stderr", b""))
