"""Workflow documents and validation problems."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding of the validator, located as precisely as the YAML allows.

    ``yaml_path`` is a readable path into the document (``workflow.steps[2].provider.with``); ``line`` and
    ``column`` are 1-based (0 when the problem concerns the whole file).
    """

    severity: Severity
    file: str
    line: int
    column: int
    message: str
    yaml_path: str = ""
    hint: str | None = None
    code: str = ""

    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}" if self.line else self.file

    def label(self) -> str:
        """``error``, or ``warning[code]``: a warning shows the stable code that ``[validate] ignore`` takes."""
        return f"{self.severity}[{self.code}]" if self.severity == "warning" and self.code else self.severity

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class HasProblems:
    """Mixin for results that carry a ``problems`` list: the error/warning views every caller needs."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class WorkflowDoc:
    """One workflow document as loaded from a file (or a blob at a commit).

    ``data`` is the workflow mapping as plain Python data (dict/list/str/int/float/bool/None), exactly what Keep's
    engine reads; ``root`` is the whole document root (document-root ``providers:`` and ``actions:`` live there).
    ``index`` is the position inside a ``workflows:`` list (0 for the usual single ``workflow:`` document).
    """

    id: str | None
    path: str
    data: dict[str, Any] = field(compare=False, hash=False)
    root: dict[str, Any] = field(compare=False, hash=False, repr=False)
    index: int = 0
    line: int = 1

    @property
    def name(self) -> str:
        return str(self.data.get("name") or self.id or "")

    @property
    def description(self) -> str:
        return str(self.data.get("description") or "")
