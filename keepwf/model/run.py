"""The result of executing one workflow: a value the run log turns into a run record (product.md, "The run record").

Everything here is plain JSON-serialisable data (``to_dict()``) and already redacted by the engine: secrets from
provider configs and the environment appear as ``***``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

RunStatus = Literal["success", "error", "skipped", "timeout"]
StepStatus = Literal["ran", "skipped", "error"]


@dataclass(frozen=True)
class StepResult:
    """One step or action of a run.

    ``results`` is the list of raw provider return values (one per provider call: N for a ``foreach``; ``[]`` when
    skipped), made JSON-safe and truncated to the engine's ``result_limit`` bytes per entry. ``item_errors`` holds
    the per-item errors of a ``foreach`` (Keep swallows them; keepwf records them).
    """

    name: str
    kind: Literal["step", "action"]
    status: StepStatus
    provider: str = ""
    attempts: int = 0
    duration_ms: int = 0
    started: str = ""
    results: list[Any] = field(default_factory=list)
    error: str | None = None
    skip_reason: str | None = None
    items: int | None = None
    item_errors: list[str] = field(default_factory=list)
    conditions: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "provider": self.provider,
            "attempts": self.attempts,
            "duration_ms": self.duration_ms,
            "started": self.started,
            "results": self.results,
            "error": self.error,
        }
        if self.skip_reason:
            d["skip_reason"] = self.skip_reason
        if self.items is not None:
            d["items"] = self.items
        if self.item_errors:
            d["item_errors"] = list(self.item_errors)
        if self.conditions:
            d["conditions"] = self.conditions
        return d


@dataclass(frozen=True)
class RunResult:
    """What ``keepwf.engine.run_workflow`` returns.

    - ``status``: ``success`` | ``error`` | ``skipped`` (disabled workflow) | ``timeout``;
    - ``error``: Keep's message for a failed run (step error, or action errors joined by ``", "``);
    - ``logs``: ``[{time, step, level, message}]`` (console output and engine notes);
    - ``enrichments``: ``[{target, fingerprint|incident, key, value, step}]`` done by ``enrich_alert``/``enrich_incident``;
    - ``event``: the alert/incident after enrichment (``None`` for manual/interval runs without an event);
    - ``calls``: every provider call answered by ``--mock`` with its rendered parameters;
    - ``results``: Keep's execution results ``{step-or-action name: [raw results…]}`` (``{}`` when a step failure
      aborted the run, as in Keep);
    - ``on_failure``: the workflow-level ``on-failure`` action's step result when it ran.
    """

    workflow_id: str
    status: RunStatus
    started: str
    duration_ms: int
    error: str | None = None
    trigger: str = "manual"
    inputs: dict[str, Any] = field(default_factory=dict)
    steps: tuple[StepResult, ...] = ()
    logs: tuple[dict[str, Any], ...] = ()
    enrichments: tuple[dict[str, Any], ...] = ()
    event: dict[str, Any] | None = None
    calls: tuple[dict[str, Any], ...] = ()
    results: dict[str, Any] = field(default_factory=dict)
    on_failure: StepResult | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("success", "skipped")

    def step(self, name: str) -> StepResult | None:
        for s in self.steps:
            if s.name == name:
                return s
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "workflow_id": self.workflow_id,
            "status": self.status,
            "started": self.started,
            "duration_ms": self.duration_ms,
            "error": self.error,
            "trigger": self.trigger,
            "inputs": self.inputs,
            "steps": [s.to_dict() for s in self.steps],
            "logs": list(self.logs),
            "enrichments": list(self.enrichments),
            "event": self.event,
            "calls": list(self.calls),
            "results": self.results,
            "on_failure": self.on_failure.to_dict() if self.on_failure else None,
        }
