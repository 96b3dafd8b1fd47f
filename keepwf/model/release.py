"""The release checklist: one CheckItem per check a deploy runs (valid, committed, branch, approvals…). Pure."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

CheckStatus = Literal["ok", "fail", "skip", "warn"]


@dataclass(frozen=True)
class CheckItem:
    """One line of the checklist: ``name`` (what was checked), ``status``, ``detail`` (the verdict in words), a
    ``hint`` for a failure and the ``exit_code`` a failure means (1 invalid workflow, 3 repository state)."""

    name: str
    status: CheckStatus
    detail: str = ""
    hint: str | None = None
    exit_code: int = 3

    @property
    def failed(self) -> bool:
        return self.status == "fail"

    def to_dict(self) -> dict:
        return asdict(self)
