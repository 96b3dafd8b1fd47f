"""Canary releases (docs/canary.md): start one with ``deploy --canary``, route events between the two versions,
decide after every run, and the human commands (status, promote, abort, resume, retry).

No daemon: the process that records a canary run (``run``, ``trigger``, a ``serve`` worker) evaluates the verdict
right after the append and, when the state changes, appends one state record (compare-and-swap; a lost race re-reads
and decides again). Counts always come from the run log, never from the state, so re-deciding is idempotent.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from keepwf.errors import StateError, UsageError
from keepwf.model.canary import CanaryPolicy, CanaryState, Counts, Verdict, arm_for, fold, verdict
from keepwf.store import canary as chain
from keepwf.store.repo import Repo

MAX_SCAN = 100_000
RETRIES = 8


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _who(repo: Repo) -> str:
    try:
        from keepwf.store.tags import identity

        i = identity(repo)
        return f"{i.name} <{i.email}>"
    except Exception:  # noqa: BLE001 - a missing identity must not stop a canary decision made by a run
        return "keepwf"


def read(repo: Repo, env: str, wf: str) -> tuple[str | None, CanaryState | None, set[str], set[str]]:
    """(chain tip, newest attempt, refused blobs, promoted canary labels)."""
    t = chain.tip(repo, env, wf)
    if t is None:
        return None, None, set(), set()
    state, refused, promoted = fold(chain.records_from(repo, t), env, wf)
    return t, state, refused, promoted


def refused_blobs(repo: Repo, env: str, wf: str) -> set[str]:
    return read(repo, env, wf)[2]


def promoted_labels(repo: Repo, env: str, wf: str) -> set[str]:
    return read(repo, env, wf)[3]


def active(repo: Repo, env: str, wf: str, stable_label: str | None) -> tuple[str | None, CanaryState | None]:
    """The running or paused canary of ``wf`` in ``env`` measured against ``stable_label`` (a deploy since then
    supersedes it: not active)."""
    t, state, _r, _p = read(repo, env, wf)
    if state is None or not state.active or state.stable != stable_label:
        return t, None
    return t, state


def _record(state: CanaryState | None, event: str, repo: Repo, *, reason: str = "", **kw) -> dict[str, Any]:
    now = _iso(_now())
    rec: dict[str, Any] = {"v": 1, "event": event, "at": now, "by": _who(repo), "reason": reason}
    if state is not None:
        rec.update(attempt=state.attempt, canary=state.canary, canary_commit=state.canary_commit,
                   canary_blob=state.canary_blob, stable=state.stable, steps=list(state.steps), step=state.step,
                   weight=state.weight, step_started=state.step_started)
    rec.update(kw)
    return rec


# -- starting ------------------------------------------------------------------------------------------------------
def start(repo: Repo, version, stable_label: str, steps: tuple[int, ...], reason: str, *, retry_of: str | None = None) -> dict:
    """A new attempt for canary ``version`` against ``stable_label``, at the first step."""
    now = _iso(_now())
    rec = {"v": 1, "event": "retry" if retry_of else "start", "at": now, "by": _who(repo), "reason": reason,
           "attempt": "a" + secrets.token_hex(8), "canary": version.label, "canary_commit": version.commit,
           "canary_blob": version.blob, "stable": stable_label, "steps": list(steps), "step": 1,
           "weight": steps[0], "step_started": now}
    if retry_of:
        rec["retry_of"] = retry_of
    for _ in range(RETRIES):
        try:
            chain.append(repo, version.env, version.workflow, rec, chain.tip(repo, version.env, version.workflow))
            return rec
        except chain.Moved:
            continue
    raise StateError("the canary state kept moving under this command; nothing was started", hint="retry")


# -- routing -------------------------------------------------------------------------------------------------------
def route(repo: Repo, target, event: dict | None, config):
    """(target to run, record field ``canary`` or None): during a canary, the deployed (stable) target is swapped for
    the canary version when the event's fingerprint falls in the canary's share."""
    if target.draft or target.version is None:
        return target, None
    _t, state = active(repo, target.env, target.workflow, target.version)
    if state is None:
        return target, None
    fp = str((event or {}).get("fingerprint") or "") or secrets.token_hex(8)  # no fingerprint: a random one
    arm = arm_for(state.attempt, fp, state.weight)
    info = {"attempt": state.attempt, "arm": arm, "step": state.step, "weight": state.weight}
    if arm == "stable":
        return target, info
    from keepwf.service.execute import resolve_target

    return resolve_target(repo, config, target.workflow, version=state.canary, env=target.env, draft=False), info


# -- deciding ------------------------------------------------------------------------------------------------------
def _counts(repo: Repo, env: str, wf: str, label: str, attempt: str, arm: str, since: str) -> Counts:
    from keepwf.store.runlog import RunLog

    decided = failed = 0
    for r in itertools.islice(RunLog(repo).iter_runs(env, wf, label), MAX_SCAN):
        if r.get("started", "") < since:
            break
        c = r.get("canary") or {}
        if c.get("attempt") != attempt or c.get("arm") != arm:
            continue
        st = r.get("status")
        if st in ("success", "error", "timeout"):
            decided += 1
            failed += st != "success"
    return Counts(decided, failed)


@dataclass
class Evaluation:
    state: CanaryState
    canary: Counts
    stable: Counts
    attempt_failed: int
    verdict: Verdict

    def to_dict(self) -> dict:
        return {"state": self.state.to_dict(), "canary_counts": self.canary.__dict__,
                "stable_counts": self.stable.__dict__, "attempt_failed": self.attempt_failed,
                "next": {"action": self.verdict.action, "reason": self.verdict.reason, **self.verdict.bounds}}


def evaluate(repo: Repo, state: CanaryState, policy: CanaryPolicy, now: datetime | None = None) -> Evaluation:
    """The verdict on ``state`` from the run log (read-only)."""
    now = now or _now()
    key = (state.env, state.workflow)
    cc = _counts(repo, *key, state.canary, state.attempt, "canary", state.step_started)
    sc = _counts(repo, *key, state.stable, state.attempt, "stable", state.step_started)
    af = _counts(repo, *key, state.canary, state.attempt, "canary", state.started).failed
    started = datetime.fromisoformat(state.step_started)
    pol = policy if tuple(policy.steps) == tuple(state.steps) else _with_steps(policy, state.steps)
    v = verdict(cc, sc, pol, step=state.step, attempt_failed=af, elapsed_s=(now - started).total_seconds())
    return Evaluation(state, cc, sc, af, v)


def _with_steps(policy: CanaryPolicy, steps) -> CanaryPolicy:
    from dataclasses import replace

    return replace(policy, steps=tuple(steps))


def _load(repo: Repo, env: str, wf: str) -> tuple[str | None, CanaryState | None]:
    t, state, _r, _p = read(repo, env, wf)
    return t, state


def after_run(repo: Repo, config, rec: dict) -> dict | None:
    """Called after a canary run is recorded: decide, and append the transition if there is one. Never raises."""
    c = rec.get("canary")
    if not c:
        return None
    env, wf = rec["env"], rec["workflow"]
    try:
        return decide(repo, config, env, wf)
    except Exception as e:  # noqa: BLE001 - an evaluation error pauses the canary, never aborts it (docs/canary.md)
        try:
            t, state = _load(repo, env, wf)
            if state is not None and state.status == "running":
                rec2 = _record(state, "pause", repo, reason=f"evaluation error: {type(e).__name__}: {e}"[:300])
                chain.append(repo, env, wf, rec2, t)
                return rec2
        except Exception:  # noqa: BLE001
            return None
    return None


def decide(repo: Repo, config, env: str, wf: str, now: datetime | None = None) -> dict | None:
    """Evaluate the running canary and append its transition (advance, promote, abort, pause); None when it waits."""
    policy = config.env(env).canary
    for _ in range(RETRIES):
        t, state = _load(repo, env, wf)
        if state is None or state.status != "running":
            return None
        from keepwf.service.versions import stable_version

        stable = stable_version(repo, wf, env)
        if stable is None or stable.label != state.stable:
            return None  # superseded by a deploy since it started
        ev = evaluate(repo, state, policy, now)
        v = ev.verdict
        if v.action == "wait":
            return None
        counts = {"canary": ev.canary.__dict__, "stable": ev.stable.__dict__, "attempt_failed": ev.attempt_failed}
        if v.action == "advance":
            step = state.step + 1
            rec = _record(state, "advance", repo, reason=v.reason, counts=counts, step=step,
                          weight=state.steps[step - 1], step_started=_iso(now or _now()))
        else:
            rec = _record(state, v.action, repo, reason=v.reason, counts=counts)
        try:
            chain.append(repo, env, wf, rec, t)
            return rec
        except chain.Moved:
            continue
    return None


# -- the human commands ----------------------------------------------------------------------------------------------
def _require(repo: Repo, config, wf: str, env: str | None, *, statuses=("running", "paused")):
    env = config.env(env).name
    t, state = _load(repo, env, wf)
    if state is None:
        raise UsageError(f"{wf} has no canary in {env}", hint=f"keepwf deploy {wf} --env {env} --canary")
    if state.status not in statuses:
        raise StateError(f"the canary of {wf} in {env} ({state.canary}) is {state.status}",
                         hint=f"keepwf canary status {wf} --env {env}")
    return env, t, state


def command(repo: Repo, config, wf: str, action: str, *, env: str | None = None, reason: str = "",
            full: bool = False, skip_step: bool = False) -> dict:
    """promote [--full] | abort | resume [--skip-step] | retry — one state record, by a human."""
    if action in ("abort", "retry") and not reason.strip():
        raise UsageError(f"say why: keepwf canary {action} WF -m REASON", hint=f'keepwf canary {action} {wf} -m "…"')
    if action == "retry":
        env, t, state = _require(repo, config, wf, env, statuses=("aborted", "paused"))
        from keepwf.service.versions import resolve_version

        v = resolve_version(repo, wf, env, state.canary)
        return start(repo, v, state.stable, state.steps, reason, retry_of=state.attempt)
    env, t, state = _require(repo, config, wf, env)
    if action == "abort":
        rec = _record(state, "abort", repo, reason=reason)
    elif action == "resume":
        if state.status != "paused" and not skip_step:
            raise StateError(f"the canary of {wf} in {env} is running, not paused", hint="keepwf canary status " + wf)
        if skip_step:
            if state.step >= len(state.steps):
                rec = _record(state, "promote", repo, reason=reason or "resumed, last step skipped")
            else:
                rec = _record(state, "advance", repo, reason=reason or "resumed, step skipped", step=state.step + 1,
                              weight=state.steps[state.step], step_started=_iso(_now()))
        else:  # the step is evaluated afresh from now: earlier runs of a paused step do not count
            rec = _record(state, "resume", repo, reason=reason or "resumed", step_started=_iso(_now()))
    elif action == "promote":
        if full or state.step >= len(state.steps):
            rec = _record(state, "promote", repo, reason=reason or ("promoted by hand, remaining steps skipped"
                                                                    if full else "promoted by hand"))
        else:
            rec = _record(state, "advance", repo, reason=reason or "advanced by hand", step=state.step + 1,
                          weight=state.steps[state.step], step_started=_iso(_now()))
    else:  # pragma: no cover - the CLI offers only the actions above
        raise UsageError(f"unknown canary action {action!r}")
    try:
        chain.append(repo, env, wf, rec, t)
    except chain.Moved:
        raise StateError("the canary moved while this command ran (a run decided meanwhile); nothing was written",
                         hint=f"keepwf canary status {wf} --env {env}, then try again") from None
    return rec


@dataclass
class StatusRow:
    workflow: str
    env: str
    evaluation: Evaluation | None
    state: CanaryState
    superseded: bool = False
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = {"workflow": self.workflow, "env": self.env, "superseded": self.superseded}
        d.update(self.evaluation.to_dict() if self.evaluation else {"state": self.state.to_dict()})
        return d


def status(repo: Repo, config, wf: str | None = None, env: str | None = None) -> list[StatusRow]:
    from keepwf.service.versions import stable_version

    rows = []
    for ref in sorted(chain.all_chains(repo)):
        e, w = ref[len(chain.CANARY_PREFIX):].split("/", 1)
        if (wf and w != wf) or (env and e != env):
            continue
        _t, state = _load(repo, e, w)
        if state is None:
            continue
        stable = stable_version(repo, w, e)
        superseded = state.active and (stable is None or stable.label != state.stable)
        ev = evaluate(repo, state, config.env(e).canary if e in config.envs else CanaryPolicy()) \
            if state.active and not superseded else None
        rows.append(StatusRow(w, e, ev, state, superseded))
    if wf and not rows:
        raise UsageError(f"{wf} has no canary" + (f" in {env}" if env else ""),
                         hint=f"keepwf deploy {wf} --canary starts one")
    return rows
