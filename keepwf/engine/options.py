"""What a caller hands the engine: the event, inputs, environment, provider configs, mocks, clock and run history."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal, Protocol

DEFAULT_RESULT_LIMIT = 16 * 1024


class RunHistory(Protocol):
    """Keep's database features, answered from keepwf's run log (keepwf decision 4). Every method may return None.

    - ``last_successful(workflow_id)`` → ``(results dict, started datetime)`` of the newest successful run of that
      workflow (``last_workflow_results`` / ``last_workflow_run_time``), or None;
    - ``previous_alert(workflow_id, fingerprint)`` → the event (alert dict) of the previous run of that workflow for
      that fingerprint (``only_on_change``/``severity_changed``), or None;
    - ``first_seen(fingerprint)`` → start time of the oldest recorded run for that fingerprint (``get_firing_time``
      when the alert has no ``firingStartTime``), or None;
    - ``last_seen(fingerprint)`` → start time of the newest *previous* run for that fingerprint, any workflow
      (``is_first_time``: None means first time), or None.
    """

    def last_successful(self, workflow_id: str) -> tuple[dict[str, Any], datetime] | None: ...

    def previous_alert(self, workflow_id: str, fingerprint: str) -> dict[str, Any] | None: ...

    def first_seen(self, fingerprint: str) -> datetime | None: ...

    def last_seen(self, fingerprint: str) -> datetime | None: ...


@dataclass(frozen=True)
class ProgressEvent:
    """Live progress for the CLI: ``kind`` is ``step_start`` | ``step_end`` | ``log``."""

    kind: Literal["step_start", "step_end", "log"]
    step: str
    step_kind: str = "step"
    index: int = 0
    total: int = 0
    status: str | None = None
    message: str | None = None
    duration_ms: int | None = None
    attempt: int | None = None


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class RunOptions:
    event: dict[str, Any] | None = None
    event_kind: Literal["alert", "incident"] | None = None
    trigger: str = "manual"
    inputs: dict[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    providers_file: dict[str, Any] | None = None
    mocks: Any = None  # keepwf.engine.mocks.MockSet
    now: Callable[[], datetime] = _utcnow
    history: RunHistory | None = None
    allow_python: bool = False
    bash_timeout: float = 60.0
    progress: Callable[[ProgressEvent], None] | None = None
    sleep: Callable[[float], None] = time.sleep
    result_limit: int = DEFAULT_RESULT_LIMIT
    http_timeout: float = 30.0
    cwd: str | None = None  # working directory for bash
    run_timeout: float | None = None  # seconds; checked between steps → status "timeout"
    allow_private_network: bool = False  # http/webhook may reach loopback/private addresses (engine/netpolicy.py)
