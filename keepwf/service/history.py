"""Keep's database features answered from the run log (keepwf decision 4): the engine's ``RunHistory`` protocol.

Each answer is read newest-first from the run chains and stops at the first hit; a search that finds nothing stops
after ``SCAN_LIMIT`` runs (documented in docs/runs.md) so a missing fingerprint never costs a walk of 100,000 runs.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import Any

from keepwf.model.runrecord import parse_started
from keepwf.model.runtrust import UNTRUSTED
from keepwf.store.runlog import RunLog

SCAN_LIMIT = 10_000


def fingerprint_of(rec: dict[str, Any]) -> str | None:
    trig = rec.get("trigger")
    fp = trig.get("fingerprint") if isinstance(trig, dict) else None
    return str(fp) if fp is not None else None


class RunLogHistory:
    """``RunHistory`` for one environment (drafts are never history: they are not what ran in production)."""

    def __init__(self, repo, env: str, before: str | None = None):
        self.log = RunLog(repo)
        self.env = env
        # runs started at or after ``before`` are not history: `keepwf trigger` hands one event to several workflows
        # (and runs a workflow once per matching trigger), and each of them must see the log as it was when the
        # event arrived — Keep stores the alert once, before any workflow runs (is_first_time is True for all).
        self.before = before

    def _runs(self, workflow_id: str | None = None):
        it = itertools.islice(self.log.iter_runs(self.env, workflow_id), SCAN_LIMIT)
        return (r for r in it if (self.before is None or r["started"] < self.before) and UNTRUSTED not in r)

    def _with_fingerprint(self, fingerprint: str, workflow_id: str | None = None):
        """Records carrying that fingerprint, newest first; other lines are skipped by a substring test, unparsed."""
        needle = '"fingerprint": ' + json.dumps(str(fingerprint), ensure_ascii=False)
        for started, _r, line in itertools.islice(self.log.iter_heads(self.env, workflow_id), SCAN_LIMIT):
            if self.before is not None and started >= self.before:
                continue
            if needle in line:
                rec = self.log.decode(line)
                if rec is not None and UNTRUSTED not in rec and fingerprint_of(rec) == str(fingerprint):
                    yield rec

    def last_successful(self, workflow_id: str) -> tuple[dict[str, Any], datetime] | None:
        for r in self._runs(workflow_id):
            if r.get("status") == "success":
                return dict(r.get("results") or {}), parse_started(r["started"])
        return None

    def previous_alert(self, workflow_id: str, fingerprint: str) -> dict[str, Any] | None:
        for r in self._with_fingerprint(fingerprint, workflow_id):
            if isinstance(r.get("event"), dict):
                return r["event"]
        return None

    def first_seen(self, fingerprint: str) -> datetime | None:
        oldest = None
        for r in self._with_fingerprint(fingerprint):
            oldest = r["started"]
        return parse_started(oldest) if oldest else None

    def last_seen(self, fingerprint: str) -> datetime | None:
        for r in self._with_fingerprint(fingerprint):
            return parse_started(r["started"])
        return None
