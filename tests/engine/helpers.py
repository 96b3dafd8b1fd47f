"""Builders for engine tests: a workflow from YAML text, a fixed clock, a run with options."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone

from keepwf.engine import RunOptions, run_workflow
from keepwf.workflow.loader import load_source

T0 = datetime(2026, 3, 2, 10, 0, 0, tzinfo=timezone.utc)  # a Monday


class Clock:
    def __init__(self, start: datetime = T0, step_ms: int = 0):
        self.t = start
        self.step = timedelta(milliseconds=step_ms)

    def __call__(self) -> datetime:
        t = self.t
        self.t = t + self.step
        return t


def doc_of(yaml_text: str, index: int = 0):
    res = load_source(textwrap.dedent(yaml_text).encode(), "test.yml")
    assert res.docs, res.problems
    return res.docs[index]


def run(yaml_text: str, **kw):
    kw.setdefault("now", Clock())
    kw.setdefault("sleep", lambda s: None)
    return run_workflow(doc_of(yaml_text), RunOptions(**kw))


def alert(**fields):
    base = {"id": "a1", "name": "cpu high", "status": "firing", "severity": "critical", "fingerprint": "fp-1",
            "source": ["prometheus"], "lastReceived": "2026-03-02T09:30:00Z"}
    base.update(fields)
    return base
