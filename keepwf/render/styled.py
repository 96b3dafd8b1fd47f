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


def terminal_width() -> int | None:
    """The width to fit on a terminal (``COLUMNS``, else the terminal's size); None when piped (no limit)."""
    if not tty():
        return None
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def plural(n: int, word: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in … when cut."""
    return text if len(text) <= width else (text[: max(0, width - 1)] + "…" if width > 0 else "")


def fit(headers: list[str], rows: list[list[Seg]], width: int | None, *, drop: tuple[str, ...] = (),
        shrink: tuple[tuple[str, int], ...] = ()) -> tuple[list[str], list[list[Seg]]]:
    """Columns that fit ``width`` (gaps of 2): the ``drop`` columns are left out in that order while it is too wide,
    then the ``shrink`` columns are cut (with …) down to their minimum width, in that order."""
    if width is None:
        return headers, rows
    headers, rows = list(headers), [list(r) for r in rows]

    def widths() -> list[int]:
        return [max([len(h)] + [len(_text(r[i])) for r in rows]) for i, h in enumerate(headers)]

    def total() -> int:
        return sum(widths()) + 2 * (len(headers) - 1)

    for name in drop:
        if total() <= width:
            break
        if name in headers:
            i = headers.index(name)
            del headers[i]
            for r in rows:
                del r[i]
    for name, least in shrink:
        over = total() - width
        if over <= 0:
            break
        if name not in headers:
            continue
        i = headers.index(name)
        target = max(least, len(name), widths()[i] - over)
        for r in rows:
            cell = r[i]
            r[i] = clip(cell, target) if isinstance(cell, str) else (clip(cell[0], target), cell[1])
    return headers, rows


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
