"""A running step is visible: live on a terminal (spinner, elapsed time, its latest output), plain lines otherwise."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import struct
import subprocess
import sys
import time

import pytest
from rich.console import Console

from keepwf.engine import ProgressEvent
from keepwf.render.live import LiveStep
from keepwf.render.runs import Progress

SLOW = """workflow:
  id: slow
  triggers:
    - type: manual
    - type: alert
      filters:
        - key: name
          value: slow
  steps:
    - name: wait
      provider:
        type: bash
        with:
          command: sh -c 'echo first line; sleep 1; echo on stderr >&2'
    - name: hi
      provider:
        type: console
        with:
          message: done
"""


def _deploy(r) -> None:
    r.write("workflows/slow.yml", SLOW)
    r.commit("add slow")
    assert r.cli("deploy", "slow", "-m", "release").code == 0


class _Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _draw(thing, width: int = 40) -> str:
    buf = io.StringIO()
    Console(file=buf, width=width, force_terminal=False, color_system=None).print(thing)
    return buf.getvalue()


def test_the_running_step_shows_its_elapsed_time_and_latest_output_cut_to_the_width():
    clock = _Clock()
    live = LiveStep(Console(file=io.StringIO(), width=40, force_terminal=False), clock)
    live.step = ("step", "wait", clock())  # as start() sets it, without a refresh thread
    assert _draw(live).splitlines() == ["  ⠋ step wait 0.0s"]
    clock.t += 2.54
    for i in range(8):
        live.output("stdout", f"line {i} " + "x" * 50)
    lines = _draw(live).splitlines()
    assert lines[0].startswith("  ") and lines[0].endswith(" step wait 2.5s") and lines[0][2] != "⠋"  # it turned
    assert len(lines) == 1 + 6 and lines[1].startswith("    │ line 2 ")  # the latest six lines
    assert all(len(x) <= 40 for x in lines) and lines[-1].endswith("…")
    clock.t += 125
    assert _draw(live).splitlines()[0].endswith(" step wait 2m07s")


def test_progress_drives_the_live_step_and_prints_finished_steps_above_it():
    buf = io.StringIO()
    p = Progress(live=True)
    p.live.console = Console(file=buf, width=60, force_terminal=True, color_system=None)
    with p:
        p(ProgressEvent("step_start", "wait", "step", 1, 2))
        assert p.live.step is not None and p.live.step[:2] == ("step", "wait")
        p(ProgressEvent("output", "wait", "step", status="stdout", message="hello"))
        assert list(p.live.tail) == [("stdout", "hello")]
        p(ProgressEvent("log", "", status="error", message="the run was interrupted; later steps did not run"))
        p(ProgressEvent("step_end", "wait", "step", 1, 2, status="ran", duration_ms=1520))
        assert p.live.step is None
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buf.getvalue())
    assert "│ hello" in shown  # drawn while running
    assert "  ran step wait 1.52s" in shown
    assert re.search(r"[\r\n]    the run was interrupted; later steps did not run", shown)  # no ':' of an empty name


def test_plain_output_streams_command_lines_before_the_step_ends(tmp_repo):
    r = tmp_repo
    _deploy(r)
    res = r.cli("run", "slow")
    assert res.code == 0, res
    err = res.err.splitlines()
    ended = next(i for i, x in enumerate(err) if x.startswith("  ran step wait "))
    assert err.index("    wait> first line") < err.index("    wait> on stderr") < ended
    assert "    hi: done" in err


def _run_in_pty(args: list[str], cwd, cols: int = 100) -> str:
    import fcntl
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, cols, 0, 0))
    env = {**os.environ, "COLUMNS": str(cols), "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "keepwf", *args], cwd=cwd, stdin=slave, stdout=slave, stderr=slave,
                            env=env, close_fds=True)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow
@pytest.mark.parametrize("command", [["run", "slow"], ["trigger", "--alert", "alert.json"]])
def test_on_a_terminal_the_running_step_is_drawn_live(tmp_repo, command):
    r = tmp_repo
    _deploy(r)
    r.write("alert.json", '{"name": "slow"}')
    shown = _run_in_pty(command, r.path)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)
    # while `sleep 1` runs: the spinner line with the elapsed time, and the line the command already printed
    assert re.search(r"[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] step wait \d+\.\ds", plain), plain
    assert "│ first line" in plain
    assert "\x1b[2K" in shown  # redrawn in place
    assert re.search(r"ran step wait \d+\.\d\ds", plain)
    assert "success slow v1" in plain or "matched slow v1" in plain
