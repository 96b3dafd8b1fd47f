"""The running step on a terminal: a spinner, its elapsed time and the last lines it printed, redrawn in place (rich
``Live``, transient) while finished steps and log lines scroll above it. Only used when stderr is a terminal."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
TAIL = 6  # output lines shown under the running step


class LiveStep:
    """A rich renderable (``__rich_console__``) of the step running now, and the ``Live`` that redraws it."""

    def __init__(self, console, clock: Callable[[], float] = time.monotonic):
        self.console = console
        self.clock = clock
        self.step: tuple[str, str, float] | None = None  # (kind, name, start)
        self.tail: deque[tuple[str, str]] = deque(maxlen=TAIL)
        self._live = None
        self._drawn = 0.0

    # -- what is drawn ---------------------------------------------------------------------------------------
    def __rich_console__(self, console, options):
        from rich.text import Text

        if self.step is None:
            return
        kind, name, t0 = self.step
        elapsed = max(0.0, self.clock() - t0)
        frame = FRAMES[int(elapsed * 10) % len(FRAMES)]
        head = Text.assemble("  ", (frame, "cyan"), f" {kind} {name} ", (_elapsed(elapsed), "dim"))
        head.no_wrap, head.overflow = True, "ellipsis"
        yield head
        for stream, line in self.tail:
            t = Text.assemble("    │ ", (line, "red" if stream == "stderr" else ""), style="dim")
            t.no_wrap, t.overflow = True, "ellipsis"
            yield t

    # -- events ------------------------------------------------------------------------------------------------
    def start(self, kind: str, name: str) -> None:
        from rich.live import Live

        self.stop()
        self.step = (kind, name, self.clock())
        self.tail.clear()
        self._live = Live(self, console=self.console, transient=True, refresh_per_second=10,
                          redirect_stdout=False, redirect_stderr=False)
        self._live.start(refresh=True)

    def output(self, stream: str, line: str) -> None:
        self.tail.append((stream, line.expandtabs(4)))
        now = self.clock()
        if self._live is not None and now - self._drawn >= 0.05:  # new lines show at once, but at most 20×/s
            self._drawn = now
            self._live.refresh()

    def print(self, text) -> None:
        """A permanent line, above the running step."""
        self.console.print(text)

    def stop(self) -> None:
        if self._live is not None:
            live, self._live = self._live, None
            self.step = None
            live.stop()
        self.step = None


def _elapsed(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    m, s = divmod(int(seconds), 60)
    return f"{m}m{s:02d}s"
