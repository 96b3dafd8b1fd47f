"""The render error type and the data markers shared by the template modules."""

from __future__ import annotations

from typing import Any

from keepwf.engine.mustache import MARK


class RenderError(Exception):
    """A template that cannot be rendered; the message says why (becomes the step's error)."""

    def __init__(self, message: str, missing_keys: list[str] | None = None):
        super().__init__(message)
        self.missing_keys = missing_keys or []


def _short(s: str, n: int = 120) -> str:
    s = strip_marks(s)
    return s if len(s) <= n else s[: n - 1] + "…"


def strip_marks(v: Any) -> Any:
    """Remove the data markers (recursively for containers)."""
    if isinstance(v, str):
        return v.replace(MARK, "") if MARK in v else v
    if isinstance(v, list):
        return [strip_marks(x) for x in v]
    if isinstance(v, tuple):
        return tuple(strip_marks(x) for x in v)
    if isinstance(v, dict):
        return {strip_marks(k): strip_marks(x) for k, x in v.items()}
    return v
