#!/usr/bin/env python3
"""Canary decisions, simulated: how many events each verdict takes at canary failure rates 0%, 2%, 10%, 30%.

The simulation drives the real routing (``arm_for``) and the real verdict (``verdict``) with synthetic events:
each event has a new fingerprint, the arm it falls in runs and fails with that arm's failure rate, and the verdict is
taken after every canary run, as ``keepwf run``/``trigger``/``serve`` do. Stable fails 1% of the time. It reports,
over many seeds, how often each canary ends promoted, aborted or undecided within 1,000 events, and how many events
(and canary runs) the decision took. It also checks the safety property the design promises: a canary whose failure
rate is above ``max_failure_rate`` is never promoted once ``min_runs`` is reached (counted, and printed).

    python benchmarks/bench_canary.py [--quick] [--seeds N]
"""

from __future__ import annotations

import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keepwf.model.canary import CanaryPolicy, Counts, arm_for, verdict  # noqa: E402

POLICY = CanaryPolicy()  # the defaults of docs/canary.md: steps 10,25,50; min_runs 20; 10% / 10%; failure_limit 3
EVENTS = 1000
STABLE_RATE = 0.01


def simulate(p: float, seed: int, policy: CanaryPolicy = POLICY) -> tuple[str, int, int]:
    """(outcome, events used, canary runs used) of one canary whose runs fail with probability ``p``."""
    rnd = random.Random(seed)
    attempt = f"sim-{seed}"
    step, canary, stable, attempt_failed, canary_runs = 1, Counts(), Counts(), 0, 0
    for i in range(EVENTS):
        weight = policy.steps[step - 1]
        arm = arm_for(attempt, f"fp-{seed}-{i}", weight)
        if arm == "stable":
            fail = rnd.random() < STABLE_RATE
            stable = Counts(stable.decided + 1, stable.failed + fail)
            continue
        fail = rnd.random() < p
        canary_runs += 1
        attempt_failed += fail
        canary = Counts(canary.decided + 1, canary.failed + fail)
        v = verdict(canary, stable, policy, step=step, attempt_failed=attempt_failed, elapsed_s=60)
        if v.action == "advance":
            step, canary, stable = step + 1, Counts(), Counts()
        elif v.action in ("promote", "abort", "pause"):
            return v.action, i + 1, canary_runs
    return "undecided", EVENTS, canary_runs


def main() -> int:
    quick = "--quick" in sys.argv
    seeds = int(sys.argv[sys.argv.index("--seeds") + 1]) if "--seeds" in sys.argv else (50 if quick else 500)
    print(f"policy: steps {','.join(map(str, POLICY.steps))}, min_runs {POLICY.min_runs}, max_failure_rate "
          f"{POLICY.max_failure_rate}, abort_failure_rate {POLICY.abort_failure_rate}, failure_limit "
          f"{POLICY.failure_limit}; {EVENTS} events per canary, stable fails {STABLE_RATE:.0%}, {seeds} seeds")
    print(f"{'canary fails':>12}  {'promoted':>8}  {'aborted':>7}  {'paused':>6}  {'undecided':>9}  "
          f"{'events to verdict (median, p90)':>32}  {'canary runs (median)':>20}")
    unsafe = 0
    for p in (0.0, 0.02, 0.10, 0.30):
        outcomes, events, runs = [], [], []
        for s in range(seeds):
            o, n, c = simulate(p, s)
            outcomes.append(o)
            if o != "undecided":
                events.append(n)
                runs.append(c)
            if o == "promote" and p > POLICY.max_failure_rate:
                unsafe += 1
        share = {k: outcomes.count(k) / seeds for k in ("promote", "abort", "pause", "undecided")}
        ev = f"{statistics.median(events):.0f}, {sorted(events)[int(0.9 * (len(events) - 1))]}" if events else "-"
        print(f"{p:>12.0%}  {share['promote']:>8.0%}  {share['abort']:>7.0%}  {share['pause']:>6.0%}  "
              f"{share['undecided']:>9.0%}  {ev:>32}  {statistics.median(runs) if runs else 0:>20.0f}")
    print(f"canaries failing above max_failure_rate that were promoted: {unsafe}")
    return 0 if unsafe == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
