"""Shapes the service results into what the page templates show (presentation only: no git, no decisions)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass
class DiffRow:
    kind: str  # equal | replace | delete | insert
    left_no: int | None
    left: str
    right_no: int | None
    right: str


def side_by_side(a: str, b: str, context: int | None = None) -> list[DiffRow]:
    """Rows of a two-column diff of ``a`` and ``b`` (replaced lines paired, the longer side padded)."""
    la, lb = a.splitlines(), b.splitlines()
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, la, lb, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [DiffRow("equal", i1 + k + 1, la[i1 + k], j1 + k + 1, lb[j1 + k]) for k in range(i2 - i1)]
            continue
        n = max(i2 - i1, j2 - j1)
        for k in range(n):
            li, rj = i1 + k, j1 + k
            left = (li + 1, la[li]) if li < i2 else (None, "")
            right = (rj + 1, lb[rj]) if rj < j2 else (None, "")
            kind = tag if tag != "replace" else ("replace" if left[0] and right[0] else ("delete" if left[0] else "insert"))
            rows.append(DiffRow(kind, left[0], left[1], right[0], right[1]))
    return rows


def highlight_yaml(text: str) -> str:
    """YAML as HTML with syntax classes (pygments, which rich already brings); styles in static/ui.css."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import YamlLexer

    return highlight(text, YamlLexer(), HtmlFormatter(linenos="table", cssclass="code", wrapcode=True))


def rate(x) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def ms(v) -> str:
    if not isinstance(v, (int, float)):
        return ""
    return f"{v / 1000:.2f}s" if v >= 1000 else f"{int(v)}ms"


def when(iso: str | None) -> str:
    return (iso or "")[:16].replace("T", " ")


def run_row(d: dict) -> dict:
    """What a runs-table row shows (the page's table and its live updates use the same fields)."""
    trig = d.get("trigger") or {}
    return {"run_id": d["run_id"], "started": when(d.get("started")), "version": d.get("version") or "draft",
            "env": d.get("env"), "status": d.get("status"), "duration": ms(d.get("duration_ms")),
            "trigger": trig.get("type", ""), "alert": trig.get("name") or "",
            "error": " ".join(str(d.get("error") or "").split())[:120]}
