"""``communicate`` with live lines: like ``Popen.communicate(timeout=…)`` (all of stdout and stderr, as bytes; raises
``subprocess.TimeoutExpired``), and every line is handed to ``on_line(stream, text)`` as it arrives.

One thread and ``selectors`` with relative timeouts, as ``subprocess`` itself does: callbacks run on the calling
thread, and no timed lock wait is involved (those misbehave under a shifted clock, e.g. ``faketime``)."""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from collections.abc import Callable

CHUNK = 65536
KEEP_BYTES = 4 * 1024 * 1024 + 1  # what is kept of each stream (bash's MAX_OUTPUT); the rest is drained
LINE_MAX = 8192  # a longer line is handed over in pieces


def communicate(proc: subprocess.Popen, timeout: float, on_line: Callable[[str, str], None] | None) -> tuple[bytes, bytes]:
    pipes = {p: n for n, p in (("stdout", proc.stdout), ("stderr", proc.stderr)) if p is not None}
    if on_line is None or not pipes:
        return proc.communicate(timeout=timeout)
    deadline = time.monotonic() + timeout
    kept = {n: bytearray() for n in pipes.values()}
    partial = {n: bytearray() for n in pipes.values()}

    def emit(name: str, final: bool = False) -> None:
        buf = partial[name]
        while True:
            cut = buf.find(b"\n")
            if cut < 0 and len(buf) >= LINE_MAX:
                cut = LINE_MAX - 1
            if cut < 0:
                break
            on_line(name, bytes(buf[: cut + 1]).decode("utf-8", "replace").rstrip("\r\n"))
            del buf[: cut + 1]
        if final and buf:
            on_line(name, bytes(buf).decode("utf-8", "replace").rstrip("\r"))
            buf.clear()

    with selectors.DefaultSelector() as sel:
        for p in pipes:
            sel.register(p, selectors.EVENT_READ)
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(proc.args, timeout)
            for key, _ev in sel.select(timeout=min(left, 0.5)):
                name = pipes[key.fileobj]
                data = os.read(key.fd, CHUNK)
                if not data:
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
                    emit(name, final=True)
                    continue
                room = KEEP_BYTES - len(kept[name])
                if room > 0:
                    kept[name].extend(data[:room])
                partial[name].extend(data)
                emit(name)
    proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    return bytes(kept.get("stdout", b"")), bytes(kept.get("stderr", b""))
