"""Builders for run-log tests: a valid schema-v1 record with a given start time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from keepwf.model.runrecord import format_started, new_run_id

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def make_record(i: int = 0, *, workflow: str = "wf1", env: str = "production", version: str = "v1", commit: str | None = None,
                status: str = "success", draft: bool = False, started: datetime | None = None, **extra) -> dict:
    t = started or (T0 + timedelta(seconds=i))
    rec = {
        "started": format_started(t), "v": 1, "run_id": new_run_id(t), "workflow": workflow, "env": env,
        "version": None if draft else version, "commit": commit, "status": status, "draft": draft,
        "trigger": {"type": "manual"}, "duration_ms": 1, "steps": [],
    }
    rec.update(extra)
    return rec
