"""Canary releases, the pure part: the policy, sticky routing, Wilson bounds and the verdict (docs/canary.md).

No I/O and no clock: counts, times and ids come in as arguments, so every decision is a table test.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace
from typing import Any

ARMS = ("canary", "stable")
Z = 1.645  # one-sided 95%
BUCKETS = 10_000


@dataclass(frozen=True)
class CanaryPolicy:
    steps: tuple[int, ...] = (10, 25, 50)  # % of events routed to the canary, step after step; then promote
    min_runs: int = 20  # decided canary runs per step before it may advance
    max_failure_rate: float = 0.10  # advance only if the Wilson upper bound of the canary's failure rate ≤ this
    abort_failure_rate: float = 0.10  # abort when the Wilson lower bound > this …
    failure_limit: int = 3  # … or when the attempt's failed canary runs exceed this
    relative_to_stable: bool = True  # both arms failing as badly → pause ("environment problem"), not abort
    step_timeout_s: float = 24 * 3600.0  # a step without a verdict this long is inconclusive
    on_inconclusive: str = "pause"  # pause | abort (never promote)


DEFAULT_POLICY = CanaryPolicy()
_KEYS = {"steps", "min_runs", "max_failure_rate", "abort_failure_rate", "failure_limit", "relative_to_stable",
         "step_timeout", "on_inconclusive"}


class PolicyError(ValueError):
    def __init__(self, key: str, problem: str):
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


def parse_steps(value: Any) -> tuple[int, ...]:
    """``[10, 25, 50]`` or ``"10,25,50"`` → (10, 25, 50): strictly increasing percentages in 1..99."""
    if isinstance(value, str):
        try:
            value = [int(x) for x in value.replace(" ", "").split(",") if x]
        except ValueError:
            raise PolicyError("steps", "must be percentages like 10,25,50") from None
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(x, int) and not isinstance(x, bool)
                                                                    for x in value):
        raise PolicyError("steps", "must be a non-empty list of whole percentages, e.g. [10, 25, 50]")
    if any(not 1 <= x <= 99 for x in value) or list(value) != sorted(set(value)):
        raise PolicyError("steps", "must increase strictly, each between 1 and 99 (100 is the promotion)")
    return tuple(value)


def parse_policy(raw: dict, base: CanaryPolicy = DEFAULT_POLICY) -> CanaryPolicy:
    """``[canary]`` (or ``[env.X.canary]`` over it) → CanaryPolicy; PolicyError names the key and the problem."""
    from keepwf.model.timespec import parse_age

    unknown = set(raw) - _KEYS
    if unknown:
        raise PolicyError(sorted(unknown)[0], f"unknown key (known: {', '.join(sorted(_KEYS))})")
    kw: dict[str, Any] = {}
    if "steps" in raw:
        kw["steps"] = parse_steps(raw["steps"])
    for key in ("min_runs", "failure_limit"):
        if key in raw:
            v = raw[key]
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 1_000_000:
                raise PolicyError(key, "must be a whole number from 0 to 1000000")
            kw[key] = v
    for key in ("max_failure_rate", "abort_failure_rate"):
        if key in raw:
            v = raw[key]
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 <= v <= 1:
                raise PolicyError(key, "must be a rate between 0 and 1, e.g. 0.1")
            kw[key] = float(v)
    if "relative_to_stable" in raw:
        if not isinstance(raw["relative_to_stable"], bool):
            raise PolicyError("relative_to_stable", "must be true or false")
        kw["relative_to_stable"] = raw["relative_to_stable"]
    if "step_timeout" in raw:
        try:
            kw["step_timeout_s"] = float(parse_age(str(raw["step_timeout"]), "step_timeout"))
        except Exception:  # noqa: BLE001 - parse_age raises UsageError; here it is a policy key problem
            raise PolicyError("step_timeout", "must be an age like 30m, 24h or 2d") from None
    if "on_inconclusive" in raw:
        if raw["on_inconclusive"] not in ("pause", "abort"):
            raise PolicyError("on_inconclusive", "must be pause or abort (an inconclusive canary is never promoted)")
        kw["on_inconclusive"] = raw["on_inconclusive"]
    return replace(base, **kw)


# -- routing -----------------------------------------------------------------------------------------------------
def bucket(attempt: str, fingerprint: str) -> int:
    """0..9999, fixed for (attempt, fingerprint)."""
    h = hashlib.sha256(f"{attempt}\0{fingerprint}".encode("utf-8", "surrogatepass")).hexdigest()
    return int(h[:8], 16) % BUCKETS


def arm_for(attempt: str, fingerprint: str, weight: int) -> str:
    """Sticky per fingerprint within an attempt, monotone in the weight: raising it only adds fingerprints."""
    return "canary" if bucket(attempt, fingerprint) < weight * (BUCKETS // 100) else "stable"


# -- verdict -----------------------------------------------------------------------------------------------------
def wilson(failed: int, n: int, z: float = Z) -> tuple[float, float]:
    """Wilson score interval of the failure rate (0, 1) for no sample."""
    if n <= 0:
        return 0.0, 1.0
    p = failed / n
    denom = 1 + z * z / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - spread) / denom), min(1.0, (centre + spread) / denom)


@dataclass(frozen=True)
class Counts:
    decided: int = 0  # success | error | timeout
    failed: int = 0  # error | timeout

    @property
    def rate(self) -> float | None:
        return self.failed / self.decided if self.decided else None


@dataclass(frozen=True)
class Verdict:
    action: str  # wait | advance | promote | abort | pause
    reason: str
    bounds: dict = field(default_factory=dict)


def verdict(canary: Counts, stable: Counts, policy: CanaryPolicy, *, step: int, attempt_failed: int,
            elapsed_s: float) -> Verdict:
    """What the canary should do now. ``step`` is 1-based into ``policy.steps``; counts are since the step started
    (``attempt_failed``: failed canary runs over the whole attempt); ``elapsed_s`` since the step started."""
    lo, hi = wilson(canary.failed, canary.decided)
    b = {"canary_lower": round(lo, 4), "canary_upper": round(hi, 4), "canary": canary.__dict__, "stable": stable.__dict__}
    # the rate alone aborts only on a sample worth the name (one failed run of one has a lower bound of 27%);
    # failure_limit is the guard against early disasters
    failing = attempt_failed > policy.failure_limit or (canary.decided >= min_abort_sample(policy)
                                                        and lo > policy.abort_failure_rate)
    if failing:
        why = (f"{attempt_failed} failed canary runs > failure_limit {policy.failure_limit}"
               if attempt_failed > policy.failure_limit else
               f"canary failure rate ≥ {lo:.1%} (lower bound) > abort_failure_rate {policy.abort_failure_rate:.0%}")
        if policy.relative_to_stable and stable.decided and canary.rate is not None and stable.rate is not None \
                and stable.rate >= canary.rate:
            return Verdict("pause", f"both arms failing ({stable.failed}/{stable.decided} stable, {canary.failed}/"
                                    f"{canary.decided} canary): an environment problem, not the canary", b)
        return Verdict("abort", why, b)
    timed_out = elapsed_s > policy.step_timeout_s
    if canary.decided < policy.min_runs:
        if timed_out:
            return _inconclusive(policy, f"{canary.decided} of {policy.min_runs} canary runs after the step timeout", b)
        return Verdict("wait", f"waiting for runs: {canary.decided} of {policy.min_runs} decided canary runs", b)
    if hi <= policy.max_failure_rate:
        last = step >= len(policy.steps)
        return Verdict("promote" if last else "advance",
                       f"canary failure rate ≤ {hi:.1%} (upper bound) ≤ max_failure_rate {policy.max_failure_rate:.0%} "
                       f"over {canary.decided} runs", b)
    if timed_out:
        return _inconclusive(policy, f"no verdict within the step timeout (upper bound {hi:.1%})", b)
    return Verdict("wait", f"not yet conclusive: upper bound {hi:.1%} > max_failure_rate "
                           f"{policy.max_failure_rate:.0%} over {canary.decided} runs", b)


def min_abort_sample(policy: CanaryPolicy) -> int:
    """Decided canary runs before the failure rate alone may abort: half of min_runs, at least 5."""
    return max(5, policy.min_runs // 2)


def _inconclusive(policy: CanaryPolicy, why: str, b: dict) -> Verdict:
    return Verdict(policy.on_inconclusive, "inconclusive: " + why, b)


# -- state, folded from the chain's records -----------------------------------------------------------------------
EVENTS = ("start", "advance", "pause", "resume", "promote", "abort", "retry")


@dataclass
class CanaryState:
    """The newest attempt of a workflow's canary in one env, as its records say."""

    attempt: str
    canary: str  # vC
    canary_commit: str
    canary_blob: str
    stable: str  # vS
    steps: tuple[int, ...]
    step: int  # 1-based
    weight: int
    status: str  # running | paused | promoted | aborted
    step_started: str
    started: str
    reason: str = ""
    records: list = field(default_factory=list)  # this attempt's records, oldest first
    env: str = ""
    workflow: str = ""

    @property
    def active(self) -> bool:
        return self.status in ("running", "paused")

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "records"}
        d["steps"] = list(self.steps)
        d["events"] = [{k: r.get(k) for k in ("event", "at", "by", "step", "weight", "reason")} for r in self.records]
        return d


_STATUS_OF = {"start": "running", "retry": "running", "advance": "running", "resume": "running", "pause": "paused",
              "promote": "promoted", "abort": "aborted"}


def fold(records: list[dict], env: str = "", workflow: str = "") -> tuple[CanaryState | None, set[str], set[str]]:
    """(newest attempt's state, refused blobs, promoted canary labels) of a chain's records (oldest first).

    Within an attempt the records apply in time order, except that an ``abort`` anywhere in the attempt wins (two
    clones, one promoting and one aborting, end aborted: safety first). A blob is refused while the newest word on it
    is an abort; a ``retry`` (a human's) clears it."""
    attempts: dict[str, list[dict]] = {}
    order: list[str] = []
    blob_word: dict[str, str] = {}
    for r in records:
        a = str(r.get("attempt", ""))
        if a not in attempts:
            attempts[a] = []
            order.append(a)
        attempts[a].append(r)
        if r.get("event") in ("abort", "retry", "start") and r.get("canary_blob"):
            blob_word[r["canary_blob"]] = r["event"]
    aborted_attempts = {a for a, rs in attempts.items() if any(r.get("event") == "abort" for r in rs)}
    refused = {b for b, w in blob_word.items() if w == "abort"}
    promoted = {str(rs[0].get("canary")) for a, rs in attempts.items()
                if a not in aborted_attempts and any(r.get("event") == "promote" for r in rs)}
    if not order:
        return None, refused, promoted
    newest = max(order, key=lambda a: str(attempts[a][-1].get("at", "")))
    rs = attempts[newest]
    last = rs[-1]
    first = rs[0]
    status = "aborted" if newest in aborted_attempts else _STATUS_OF.get(str(last.get("event")), "running")
    state = CanaryState(
        attempt=newest, canary=str(first.get("canary")), canary_commit=str(first.get("canary_commit", "")),
        canary_blob=str(first.get("canary_blob", "")), stable=str(first.get("stable")),
        steps=tuple(int(x) for x in (first.get("steps") or DEFAULT_POLICY.steps)), step=int(last.get("step") or 1),
        weight=0 if status == "aborted" else (100 if status == "promoted" else int(last.get("weight") or 0)),
        status=status, step_started=str(last.get("step_started") or first.get("at", "")),
        started=str(first.get("at", "")), reason=str(last.get("reason") or ""), records=rs, env=env, workflow=workflow)
    return state, refused, promoted
