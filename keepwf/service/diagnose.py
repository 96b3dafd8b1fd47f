"""Incident diagnosis from the run log: why a run failed (``why``) and which version changed an outcome (``bisect``).

The method of the project's seed article: confirm which version ran, compare it with the last version that handled
the same alert, have the way back ready. Everything is read from git; bisect's trial runs are sealed replays
(``service.replay``) that are never recorded.
"""

from __future__ import annotations

import difflib
import itertools
from dataclasses import dataclass, field
from typing import Any, Callable

from keepwf.errors import UsageError
from keepwf.store.repo import Repo

SCAN_LIMIT = 10_000  # runs looked at for the last good one


def failing_step(rec: dict) -> dict | None:
    """The first step/action of a run that failed (``None`` when none did)."""
    return next((s for s in rec.get("steps") or [] if s.get("status") == "error"), None)


def same_alert(a: dict, b: dict) -> bool:
    """Two runs triggered by the same alert: same fingerprint, else same alert name."""
    ta, tb = a.get("trigger") or {}, b.get("trigger") or {}
    if ta.get("fingerprint") and tb.get("fingerprint"):
        return ta["fingerprint"] == tb["fingerprint"]
    return bool(ta.get("name")) and ta.get("name") == tb.get("name")


def last_good_run(repo: Repo, rec: dict) -> dict | None:
    """The newest successful run of the same workflow and env, for the same alert, that started before ``rec``."""
    from keepwf.store.runlog import RunLog

    runs = RunLog(repo).iter_runs(rec["env"], rec["workflow"])
    for r in itertools.islice(runs, SCAN_LIMIT):
        if (r.get("started", "") < rec["started"] and r.get("status") == "success" and not r.get("untrusted")
                and same_alert(r, rec)):
            return r
    return None


@dataclass
class WhyReport:
    run: dict
    failed_step: dict | None
    good: dict | None  # the last good run for the same alert
    summary: dict = field(default_factory=dict)  # step-level summary good version → failing version
    step_diff: str = ""  # the failing step's lines, good version → failing version
    suggestions: list[str] = field(default_factory=list)
    verdict: str = ""

    def to_dict(self) -> dict:
        def brief(r):
            return None if r is None else {k: r.get(k) for k in ("run_id", "started", "version", "commit", "status",
                                                                  "error", "trigger")}
        return {"run": brief(self.run), "failed_step": self.failed_step, "last_good": brief(self.good),
                "summary": self.summary, "step_diff": self.step_diff, "verdict": self.verdict,
                "suggestions": self.suggestions}


def _step_yaml(data: dict, name: str | None) -> list[str]:
    import yaml

    for kind in ("steps", "actions"):
        for s in data.get(kind) or []:
            if isinstance(s, dict) and s.get("name") == name:
                return yaml.safe_dump(s, sort_keys=False, allow_unicode=True, width=100).splitlines(keepends=True)
    return []


def why(repo: Repo, run_id: str) -> WhyReport:
    from keepwf.service.compare import _workflow_data, compare_sides, side
    from keepwf.service.runs import show_run
    from keepwf.store.settings import load_config

    rec = show_run(repo, run_id).data
    wf, env, label = rec["workflow"], rec["env"], rec.get("version")
    step = failing_step(rec)
    rep = WhyReport(rec, step, None)
    if rec.get("status") in ("success", "skipped"):
        rep.verdict = f"run {rec['run_id'][:12]} did not fail ({rec.get('status')})"
        return rep
    rep.good = good = last_good_run(repo, rec)
    if good is None:
        rep.verdict = (f"no earlier successful run of {wf} in {env} for this alert: nothing to compare with; "
                       "replay it on an earlier version to find one")
        rep.suggestions.append(f"keepwf bisect {wf} --run {rec['run_id']}")
        return rep
    g_label = good.get("version")
    if not label or not g_label:
        rep.verdict = "a draft run is involved: it belongs to no version"
        return rep
    if g_label == label or good.get("blob") == rec.get("blob"):
        rep.verdict = (f"{label} also handled this alert successfully ({good['run_id'][:12]}): the configuration did "
                       "not change — look at the provider answers and the event (keepwf runs show)")
        rep.suggestions.append(f"keepwf runs show {rec['run_id']}")
        return rep
    config = load_config(repo)
    sa = side(repo, config, wf, env, g_label, None)
    sb = side(repo, config, wf, env, label, None)
    d = compare_sides(wf, env, sa, sb)
    rep.summary = d.summary
    if step:
        a, b = _step_yaml(_workflow_data(sa, wf), step.get("name")), _step_yaml(_workflow_data(sb, wf), step.get("name"))
        rep.step_diff = "".join(difflib.unified_diff(a, b, fromfile=f"{g_label} {step.get('name')}",
                                                     tofile=f"{label} {step.get('name')}"))
    rep.verdict = (f"{label} failed where {g_label} succeeded for the same alert: "
                   + ("the failing step changed between them" if rep.step_diff else "the workflow changed between them"))
    pruned = getattr(sa.version, "pruned", False)
    rep.suggestions.append(f"keepwf replay {rec['run_id']} --version {g_label}")
    if not pruned:
        rep.suggestions.append(f'keepwf rollback {wf} --to {g_label} --env {env} -m "{label} fails: {_short(rec)}"')
    return rep


def _short(rec: dict) -> str:
    return (str(rec.get("error") or "failed").replace('"', "'"))[:60]


# -- bisect ----------------------------------------------------------------------------------------------------------
@dataclass
class BisectResult:
    workflow: str
    env: str
    good: str
    bad: str
    trials: list[dict] = field(default_factory=list)  # [{version, status, failed_step, error}] in the order tried
    first_different: Any = None  # keepwf.model.version.Version
    before: Any = None  # the version before it in the searched range
    summary: dict = field(default_factory=dict)
    verdict: str = ""

    def to_dict(self) -> dict:
        v = self.first_different
        return {"workflow": self.workflow, "env": self.env, "good": self.good, "bad": self.bad, "trials": self.trials,
                "first_different": None if v is None else {"version": v.label, "commit": v.commit,
                                                           "message": v.message, "by": v.tagger_name, "date": v.date},
                "compared_with": None if self.before is None else self.before.label,
                "summary": self.summary, "verdict": self.verdict}


def bisect(repo: Repo, wf: str, *, run_id: str | None = None, alert: dict | None = None, env: str | None = None,
           good: str | None = None, bad: str | None = None, on_trial: Callable | None = None) -> BisectResult:
    """Binary search over ``wf``'s versions in ``env`` for the first one whose outcome on the event differs from
    ``good``'s (sealed, unrecorded replays)."""
    from keepwf.service.compare import compare_sides
    from keepwf.service.release import _side
    from keepwf.service.replay import trial
    from keepwf.service.runs import show_run
    from keepwf.service.versions import list_versions, resolve_version
    from keepwf.store.settings import load_config

    if (run_id is None) == (alert is None):
        raise UsageError("give the event to replay: --run RUN_ID or --alert FILE (one of them)",
                         hint=f"keepwf bisect {wf} --run RUN_ID")
    config = load_config(repo)
    if run_id is not None:
        rec = show_run(repo, run_id).data
        if rec["workflow"] != wf:
            raise UsageError(f"run {rec['run_id'][:12]} is a run of {rec['workflow']}, not of {wf}",
                             hint=f"keepwf bisect {rec['workflow']} --run {run_id}")
        env = env or rec["env"]
    else:
        rec = {"run_id": "alert", "trigger": {"type": "alert"}, "event": alert, "steps": [], "inputs": {}}
    env = config.env(env).name
    versions = sorted((v for v in list_versions(repo, wf, env) if not v.pruned), key=lambda v: v.number)
    if len(versions) < 2:
        raise UsageError(f"{wf} has {len(versions)} version(s) in {env}: nothing to bisect",
                         hint=f"keepwf history {wf} --env {env}")
    bad_v = resolve_version(repo, wf, env, bad or (rec.get("version") if run_id else None) or "deployed")
    if good:
        good_v = resolve_version(repo, wf, env, good)
    else:
        lg = last_good_run(repo, rec) if run_id else None
        good_v = resolve_version(repo, wf, env, lg["version"]) if lg and lg.get("version") else versions[0]
    if good_v.number >= bad_v.number:
        raise UsageError(f"the good version ({good_v.label}) must be older than the bad one ({bad_v.label})",
                         hint=f"keepwf bisect {wf} --good v1 --bad {bad_v.label} …")
    span = [v for v in versions if good_v.number <= v.number <= bad_v.number]
    res = BisectResult(wf, env, good_v.label, bad_v.label)
    cache: dict[str, dict] = {}

    def outcome(v) -> dict:
        if v.blob not in cache:  # a rollback re-deploys old content: the same blob gives the same outcome
            cache[v.blob] = trial(repo, config, rec, wf, env, v.label)
        o = {"version": v.label, **cache[v.blob]}
        res.trials.append(o)
        if on_trial:
            on_trial(o)
        return o

    def key(o):
        return (o["status"], o["failed_step"])

    og, ob = outcome(span[0]), outcome(span[-1])
    if key(og) == key(ob):
        res.verdict = (f"{good_v.label} and {bad_v.label} give the same outcome on this event ({og['status']}): "
                       "the difference is not in the workflow's configuration")
        return res
    lo, hi = 0, len(span) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if key(outcome(span[mid])) == key(og):
            lo = mid
        else:
            hi = mid
    first, before = span[hi], span[lo]
    res.first_different, res.before = first, before
    res.summary = compare_sides(wf, env, _side(repo, before), _side(repo, first)).summary
    got = next(t for t in reversed(res.trials) if t["version"] == first.label)
    res.verdict = (f"{first.label} is the first version whose outcome differs: {got['status']}"
                   + (f" at step {got['failed_step']}" if got["failed_step"] else "")
                   + f" (was {og['status']} on {good_v.label})")
    return res
