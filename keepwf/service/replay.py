"""Replaying a recorded run: its trigger event (alert/incident, inputs) run again on another version or the draft.

By default the replay is *sealed*: every provider call is answered from what the original run received (each step's
recorded results, or the provider's error when the provider answered with one); a step the original run never
called is answered as in the last good run for the same alert, else with ``null`` — only ``console`` and ``mock`` run for real. So a replay is safe during an incident.
``live=True`` sends for real. A replay is recorded in the drafts log with ``replay_of`` (never in the version's run
history or success rate) unless ``record_as_run``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keepwf.errors import UsageError
from keepwf.engine.mocks import HARMLESS
from keepwf.store.repo import Repo


def mocks_from_record(rec: dict[str, Any], fallback: dict[str, Any] | None = None):
    """A sealed MockSet answering each step/action with what the original run received; a step it never called is
    answered as in ``fallback`` (the last good run for the same alert), else with null."""
    from keepwf.engine import MockSet

    steps: dict[str, dict] = {}
    for s in [*(fallback or {}).get("steps", []), *(rec.get("steps") or [])]:  # the original's answers win
        name, status = s.get("name"), s.get("status")
        if not isinstance(name, str) or s.get("provider") in HARMLESS:  # console/mock steps run for real
            continue
        results = s.get("results") or []
        if status == "ran" and results:
            steps[name] = {"responses": [{"result": r} for r in results]}
        elif status == "error" and (s.get("attempts") or 0) > 0 and s.get("error") and s.get("error") != "interrupted":
            # attempts > 0: the provider was called and answered with this error (a template error never calls it)
            steps[name] = {"error": s["error"]}
    return MockSet(steps, None, {"result": None}, f"run {rec.get('run_id', '')[:12]}", sealed=True)


def replay_event(rec: dict[str, Any]) -> tuple[dict | None, str | None, str]:
    """(event, event_kind, trigger) of a recorded run, as it arrived (keys added by enrichment are taken out)."""
    trig = rec.get("trigger") or {}
    trigger = str(trig.get("type") or "manual")
    event = rec.get("event")
    if isinstance(event, dict):
        event = dict(event)
        for k in event.get("enriched_fields") or []:
            if isinstance(k, str):
                event.pop(k, None)
        if "enriched_fields" in event:
            event["enriched_fields"] = []
    else:
        event = None
    kind = "incident" if trigger == "incident" else ("alert" if event is not None else None)
    return event, kind, trigger


def replay_inputs(rec: dict[str, Any]) -> dict:
    """The recorded inputs, without the redacted ones (``***``: their defaults apply)."""
    return {k: v for k, v in (rec.get("inputs") or {}).items() if v != "***"}


@dataclass
class Replay:
    original: dict
    outcome: Any  # keepwf.service.execute.RunOutcome
    sealed: bool

    def to_dict(self) -> dict:
        return {"replay_of": self.original.get("run_id"), "original": _brief(self.original),
                "sealed": self.sealed, "record": self.outcome.record}


def _brief(r: dict) -> dict:
    return {k: r.get(k) for k in ("run_id", "workflow", "env", "version", "status", "error", "started")}


def replay(repo: Repo, run_id: str, *, version: str | None = None, draft: bool = False, mocks=None,
           live: bool = False, record_as_run: bool = False, progress=None, on_start=None) -> Replay:
    from keepwf.service.execute import execute, resolve_target
    from keepwf.service.runs import show_run
    from keepwf.store.settings import load_config

    if live and mocks is not None:
        raise UsageError("--live sends for real; --mock answers from a file: give one of them",
                         hint=f"keepwf replay {run_id} --mock mocks.yml")
    if record_as_run and draft:
        raise UsageError("--record-as-run records the replay in a version's history; a --draft belongs to none",
                         hint=f"keepwf replay {run_id} --draft")
    rec = show_run(repo, run_id).data
    config = load_config(repo)
    wf, env = rec["workflow"], rec["env"]
    target = resolve_target(repo, config, wf, version=version, env=env, draft=draft)
    if on_start:
        on_start(target)
    event, kind, trigger = replay_event(rec)
    sealed = mocks is None and not live
    if sealed:
        from keepwf.service.diagnose import last_good_run

        mocks = mocks_from_record(rec, last_good_run(repo, rec))
    out = execute(repo, target, trigger=trigger, event=event, event_kind=kind, inputs=replay_inputs(rec),
                  mocks=mocks, progress=progress, config=config,
                  log_kind="runs" if record_as_run else "drafts", extra={"replay_of": rec["run_id"]},
                  trial=False if record_as_run else None)  # --record-as-run: counted like any run
    return Replay(rec, out, sealed)


def trial(repo: Repo, config, rec: dict, wf: str, env: str, ref: str) -> dict:
    """Replay ``rec`` on version ``ref`` sealed and unrecorded; its outcome ``{status, failed_step, error}``."""
    from keepwf.service.execute import execute, resolve_target

    from keepwf.service.diagnose import last_good_run

    target = resolve_target(repo, config, wf, version=ref, env=env, draft=False)
    event, kind, trigger = replay_event(rec)
    fallback = last_good_run(repo, rec) if rec.get("env") else None
    out = execute(repo, target, trigger=trigger, event=event, event_kind=kind, inputs=replay_inputs(rec),
                  mocks=mocks_from_record(rec, fallback), config=config, log_kind=None)
    return outcome_of(out.record)


def outcome_of(rec: dict) -> dict:
    """What bisect compares: the status and the first step that failed."""
    failed = next((s.get("name") for s in rec.get("steps") or [] if s.get("status") == "error"), None)
    return {"status": rec.get("status"), "failed_step": failed, "error": rec.get("error")}
