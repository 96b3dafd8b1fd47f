"""Cheap styled output for the version views: plain text when piped (no rich import at all), colours on a terminal.

A line is a sequence of segments, each a plain ``str`` or a ``(text, style)`` pair (rich style names). Tables are
aligned by hand, so they never wrap cells and cost nothing to print when piped.
"""

from __future__ import annotations

import sys
from typing import Union

Seg = Union[str, tuple[str, Union[str, None]]]


def _text(seg: Seg) -> str:
    return seg if isinstance(seg, str) else seg[0]


def tty() -> bool:
    return sys.stdout.isatty()


def line(*segs: Seg) -> None:
    if not tty():
        sys.stdout.write("".join(_text(s) for s in segs) + "\n")
        return
    from rich.text import Text

    from keepwf.render import console

    t = Text()
    for s in segs:
        if isinstance(s, str):
            t.append(s)
        else:
            t.append(s[0], style=s[1] or "")
    console().print(t)


def table(headers: list[str], rows: list[list[Seg]], indent: str = "") -> None:
    widths = [len(h) for h in headers]
    for r in rows:
        for i, cell in enumerate(r):
            widths[i] = max(widths[i], len(_text(cell)))

    def fmt(cells: list[Seg], header: bool = False) -> list[Seg]:
        out: list[Seg] = [indent] if indent else []
        for i, cell in enumerate(cells):
            pad = "" if i == len(cells) - 1 else " " * (widths[i] - len(_text(cell)) + 2)
            out.append((_text(cell), "bold") if header else cell)
            if pad:
                out.append(pad)
        return out

    line(*fmt(list(headers), header=True))
    for r in rows:
        line(*fmt(r))
