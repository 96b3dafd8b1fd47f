"""What stateful ``keep.*`` functions may see."""

from __future__ import annotations

import datetime as _dt

UTC = _dt.timezone.utc


class FnContext:
    """What stateful functions may see: ``now()`` (aware UTC), the run history, and whether we are inside ``if:``."""

    __slots__ = ("now", "history", "in_if")

    def __init__(self, now=None, history=None, in_if: bool = False):
        self.now = now or (lambda: _dt.datetime.now(UTC))
        self.history = history
        self.in_if = in_if
