"""Run statistics per version: runs, success rate, p50/p95 duration, the most common errors (``keepwf stats``).

Counted runs are those that ran to a verdict (``success``, ``error``, ``timeout``); ``skipped`` runs (a disabled
workflow) and interrupted ones (``cancelled``) are listed but leave the success rate alone.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

from keepwf.store.repo import Repo

COUNTED = ("success", "error", "timeout")
MAX_RUNS = 100_000


def percentile(sorted_values: list[int], p: float) -> int | None:
    """Nearest-rank percentile of already sorted values (None for none)."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


@dataclass
class VersionStats:
    workflow: str
    env: str
    version: str
    runs: int = 0
    success: int = 0
    failed: int = 0
    not_counted: int = 0
    first: str = ""
    last: str = ""
    durations: list[int] = field(default_factory=list, repr=False)
    errors: Counter = field(default_factory=Counter, repr=False)

    @property
    def success_rate(self) -> float | None:
        n = self.success + self.failed
        return self.success / n if n else None

    def to_dict(self) -> dict:
        d = sorted(self.durations)
        return {"workflow": self.workflow, "env": self.env, "version": self.version, "runs": self.runs,
                "success": self.success, "failed": self.failed, "not_counted": self.not_counted,
                "success_rate": self.success_rate, "p50_ms": percentile(d, 50), "p95_ms": percentile(d, 95),
                "first_run": self.first, "last_run": self.last,
                "top_errors": [{"error": e, "runs": n} for e, n in self.errors.most_common(3)]}


@dataclass
class StatsReport:
    filters: dict
    versions: list[VersionStats]  # oldest first run first

    def to_dict(self) -> dict:
        return {"filters": self.filters, "versions": [v.to_dict() for v in self.versions]}


def stats(repo: Repo, workflow: str | None = None, *, env: str | None = None, since: str | None = None) -> StatsReport:
    from keepwf.service.runs import _check_names, _since_iso
    from keepwf.store.runlog import RunLog

    since_iso = _since_iso(since)
    if workflow or env:
        _check_names(repo, workflow, env)
    by: dict[tuple, VersionStats] = {}
    runs = RunLog(repo).iter_runs(env, workflow)
    if since_iso:
        runs = itertools.takewhile(lambda r: r.get("started", "") >= since_iso, runs)
    for r in itertools.islice(runs, MAX_RUNS):
        if r.get("untrusted"):  # a record keepwf did not write (keepwf.model.runtrust): never counted
            continue
        key = (r.get("workflow"), r.get("env"), r.get("version") or "draft")
        s = by.get(key) or by.setdefault(key, VersionStats(*key))
        s.runs += 1
        started = r.get("started", "")
        s.first = min(s.first or started, started)
        s.last = max(s.last, started)
        status = r.get("status")
        if status == "success":
            s.success += 1
        elif status in COUNTED:
            s.failed += 1
            s.errors[" ".join(str(r.get("error") or status).split())[:120]] += 1
        else:
            s.not_counted += 1
        if isinstance(r.get("duration_ms"), int) and status in COUNTED:
            s.durations.append(r["duration_ms"])
    versions = sorted(by.values(), key=lambda v: (v.workflow, v.env, v.first))
    filters = {k: v for k, v in {"workflow": workflow, "env": env, "since": since_iso}.items() if v}
    return StatsReport(filters, versions)


def chart_png(report: StatsReport, path: str) -> None:
    """Success rate and p50/p95 duration per version, in the order versions first ran, as a PNG image."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        from keepwf.errors import UsageError

        raise UsageError("--png needs matplotlib, which is not installed",
                         hint="pip install 'keepwf[charts]' (or pip install matplotlib)") from e
    rows = [v.to_dict() for v in report.versions]
    labels = [f"{r['workflow']}\n{r['version']}" if len({x['workflow'] for x in rows}) > 1 else r["version"]
              for r in rows]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(max(6, 0.8 * len(rows) + 2), 6), sharex=True)
    rates = [100 * r["success_rate"] if r["success_rate"] is not None else 0 for r in rows]
    counted = [r["success_rate"] is not None for r in rows]
    x = range(len(rows))
    ax1.bar(x, rates, color="#2e7d32", label="success")
    ax1.bar(x, [100 - v if c else 0 for v, c in zip(rates, counted)], bottom=rates, color="#c62828", label="failed")
    for i, r in enumerate(rows):
        runs = f"{r['runs']} run" + ("s" if r["runs"] != 1 else "")
        ax1.text(i, 101, f"{rates[i]:.0f}%\n{runs}" if counted[i] else runs, ha="center", va="bottom", fontsize=8)
    ax1.legend(loc="lower left", fontsize=8)
    ax1.set_ylim(0, 125)
    ax1.set_ylabel("success rate (%)")
    ax1.set_title("keepwf runs per version" + (f" — {report.filters['workflow']}" if report.filters.get("workflow") else ""))
    ax2.plot(range(len(rows)), [r["p50_ms"] or 0 for r in rows], marker="o", label="p50")
    ax2.plot(range(len(rows)), [r["p95_ms"] or 0 for r in rows], marker="s", label="p95")
    ax2.set_ylabel("duration (ms)")
    ax2.legend()
    ax2.set_xticks(range(len(rows)), labels)
    ax2.set_xlabel("version (in the order they first ran)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
