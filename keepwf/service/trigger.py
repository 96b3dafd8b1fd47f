"""``keepwf trigger``: run every deployed workflow of an env whose triggers match an alert or incident."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from keepwf.errors import UsageError
from keepwf.store.repo import Repo


@dataclass
class WorkflowVerdict:
    workflow: str
    version: str
    matches: list  # TriggerMatch per trigger
    runs: list = field(default_factory=list)  # RunOutcome per matching trigger
    refused: str | None = None  # why it was not run although it matched (its tag does not verify in a signed env)

    @property
    def matched(self) -> bool:
        return any(m.matched for m in self.matches)

    def to_dict(self) -> dict[str, Any]:
        return {"workflow": self.workflow, "version": self.version, "matched": self.matched,
                "triggers": [m.to_dict() for m in self.matches], "runs": [o.record for o in self.runs],
                **({"refused": self.refused} if self.refused else {})}


@dataclass
class TriggerReport:
    env: str
    kind: str
    verdicts: list[WorkflowVerdict]
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        if any(o.exit_code for v in self.verdicts for o in v.runs):
            return 1
        return 3 if any(v.refused for v in self.verdicts) else 0

    def to_dict(self) -> dict[str, Any]:
        return {"env": self.env, "event": self.kind, "workflows": [v.to_dict() for v in self.verdicts]}


INCIDENT_EVENTS = ("created", "updated", "deleted")


def trigger(repo: Repo, *, alert: dict | None = None, incident: dict | None = None, env: str | None = None,
            dry_run: bool = False, mocks=None, on_start: Callable | None = None,
            progress: Callable | None = None) -> TriggerReport:
    from keepwf.engine.triggers import TriggerMatch, match_triggers, normalize_alert
    from keepwf.service.execute import Target, execute, load_version_doc
    from keepwf.service.history import RunLogHistory
    from keepwf.service.signatures import signature_problem
    from keepwf.service.versions import deployed_versions
    from keepwf.store.settings import load_config

    if (alert is None) == (incident is None):
        raise UsageError("give exactly one event: --alert FILE or --incident FILE", hint="keepwf trigger --alert alert.json")
    config = load_config(repo)
    env_name = config.env(env).name
    from keepwf.model.runrecord import format_started, utcnow

    arrived = format_started(utcnow())  # every run of this event sees the run log as it was now
    history = RunLogHistory(repo, env_name, arrived)
    if alert is not None:
        from datetime import datetime, timezone

        event, kind, inc_event = normalize_alert(alert, now=datetime.now(timezone.utc).isoformat()), "alert", None
    else:
        event, kind = dict(incident), "incident"
        inc_event = str(event.get("event") or "created")
        if inc_event not in INCIDENT_EVENTS:  # Keep emits only these; a typo would silently match nothing
            raise UsageError(f"--incident: event {inc_event!r} is not one of {', '.join(INCIDENT_EVENTS)}",
                             hint='set "event": "created" (or updated / deleted) in the incident file')
    report = TriggerReport(env_name, kind, [])
    for (e, wf), v in sorted(deployed_versions(repo, env_name).items()):
        doc, _blob = load_version_doc(repo, v, wf)
        prev = history.previous_alert(wf, str(event.get("fingerprint"))) if kind == "alert" else None
        matches = match_triggers(doc.data.get("triggers") or [], alert=event if kind == "alert" else None,
                                 incident_event=inc_event, previous_alert=prev)
        if doc.data.get("disabled") in (True, "true"):  # Keep leaves disabled workflows out of event matching
            matches = [TriggerMatch(m.index, m.type, False, "the workflow is disabled (disabled: true)") for m in matches]
        verdict = WorkflowVerdict(wf, v.label, matches)
        report.verdicts.append(verdict)
        if dry_run or report.interrupted:
            continue
        if verdict.matched:
            verdict.refused = signature_problem(repo, config, env_name, v.tag, v.tag_oid or None)
            if verdict.refused:  # never run; the other workflows still are
                continue
        for m in matches:
            if not m.matched:
                continue
            t = Target(wf, env_name, doc, v.commit, v.blob, v.path, v.label, v.tag, routable=True)
            if on_start:
                on_start(t, m)
            ev = dict(event, **m.alert_updates)
            out = execute(repo, t, trigger=kind, event=ev, event_kind=kind, mocks=mocks, progress=progress, config=config,
                          history_before=arrived)
            verdict.runs.append(out)
            if out.interrupted:
                report.interrupted = True
                break
    return report
