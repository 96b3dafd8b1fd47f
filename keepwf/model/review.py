"""A review (approval) of one workflow's content: one JSON line in the notes ref ``refs/notes/keepwf/reviews``.

The note is attached to the approved **blob** (the file's content, wherever and whenever it is committed), so the
deploy checklist finds the approvals of exactly what it deploys with one lookup. Each line starts with its sortable
time (``{"time": "2026-…`` ) so two clones' notes merge with git's ``cat_sort_uniq`` without loss or duplicates;
``v`` is the schema version. Readers skip lines they do not understand; writers are strict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

SCHEMA = 1


@dataclass(frozen=True)
class Review:
    time: str  # UTC ISO-8601 with microseconds, e.g. 2026-11-29T15:20:01.123456Z
    workflow: str
    blob: str  # the approved content (blob SHA of the workflow file)
    commit: str  # the commit it was reviewed at
    path: str  # the file's path in that commit
    reviewer_name: str
    reviewer_email: str
    message: str = ""
    kind: str = "approve"
    v: int = SCHEMA

    def to_dict(self) -> dict:
        return {
            "time": self.time, "v": self.v, "kind": self.kind, "workflow": self.workflow, "blob": self.blob,
            "commit": self.commit, "path": self.path,
            "reviewer": {"name": self.reviewer_name, "email": self.reviewer_email}, "message": self.message,
        }

    def to_line(self) -> str:
        """The note line: compact JSON, ``time`` first, no newline inside."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_line(cls, line: str) -> "Review | None":
        """Parse one note line; None for blank, foreign or malformed lines (they are skipped, never fatal)."""
        line = line.strip()
        if not line.startswith("{"):
            return None
        try:
            d = json.loads(line)
            who = d.get("reviewer") or {}
            return cls(
                time=str(d["time"]), workflow=str(d["workflow"]), blob=str(d["blob"]), commit=str(d.get("commit", "")),
                path=str(d.get("path", "")), reviewer_name=str(who.get("name", "")),
                reviewer_email=str(who.get("email", "")), message=str(d.get("message", "")),
                kind=str(d.get("kind", "approve")), v=int(d.get("v", SCHEMA)),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def same_person(a: str, b: str) -> bool:
    """Emails compared the way people mean them (case and surrounding space do not matter)."""
    return a.strip().lower() == b.strip().lower() and bool(a.strip())
