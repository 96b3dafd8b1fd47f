"""Run-log benchmark (issue 5): append cost flat with history, packed size, query speed, concurrency, run overhead.

    .venv/bin/python benchmarks/bench_runs.py            # 100,000 runs over 50 versions (20,000 on one)
    .venv/bin/python benchmarks/bench_runs.py --quick    # 2,000 runs over 10 versions: a smoke run

Targets (printed as ratios): one append's median time and bytes added at N runs within 2x of the same at 100;
after `git gc`, .git ≤ 3x the raw JSON Lines; `runs --limit 20` and `runs WF --version vN --limit 20` within 1.5x
of the Python floor (`python -c "import typer, pygit2, ruamel.yaml, rich"`); 8 processes × 200 runs all kept;
`keepwf run` of a one-step console workflow within 1.5x of the floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable
KEEPWF = [PY, "-m", "keepwf"]
ENV = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
       "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
ENV.pop("PYTHONDONTWRITEBYTECODE", None)  # measure what users get: keepwf's own modules byte-compiled like the floor's
os.environ.update(ENV)

WF = """workflow:
  id: pager
  triggers:
    - type: manual
  steps:
    - name: say
      provider:
        type: console
        with:
          message: "hello {n}"
"""


def sh(*args, cwd=None, check=True) -> str:
    return subprocess.run(args, cwd=cwd, check=check, capture_output=True, text=True, env=ENV).stdout.strip()


def du(path: Path) -> int:
    total = 0
    for dp, _dn, fns in os.walk(path):
        for f in fns:
            try:
                total += os.lstat(os.path.join(dp, f)).st_size
            except OSError:
                pass
    return total


def timed(cmd, cwd, n=7) -> float:
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, capture_output=True, env=ENV, check=True)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def make_repo(path: Path, versions: int) -> list[str]:
    """A keepwf repository with `versions` deploys of one workflow; returns the deployed commits, v1 first."""
    import contextlib
    import io

    from keepwf.cli import main

    path.mkdir(parents=True)
    sh("git", "init", "-q", "-b", "main", str(path))
    cwd = os.getcwd()
    os.chdir(path)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["init"]) == 0
        commits = []
        for n in range(1, versions + 1):
            (path / "workflows" / "pager.yml").write_text(WF.format(n=n))
            sh("git", "add", "-A")
            sh("git", "commit", "-qm", f"v{n}")
            commits.append(sh("git", "rev-parse", "HEAD"))
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                assert main(["deploy", "pager", "-m", f"release {n}"]) == 0
    finally:
        os.chdir(cwd)
    return commits


def record(i: int, version: str, commit: str, t0: datetime) -> dict:
    from keepwf.model.runrecord import format_started, new_run_id

    t = t0 + timedelta(seconds=i)
    return {
        "started": format_started(t), "v": 1, "run_id": new_run_id(t), "workflow": "pager", "env": "production",
        "version": version, "commit": commit, "blob": "0" * 40, "tag": f"keepwf/production/pager/{version}",
        "path": "workflows/pager.yml", "draft": False, "trigger": {"type": "alert", "fingerprint": f"fp-{i % 97}", "name": "cpu high"},
        "inputs": {}, "status": "success" if i % 10 else "error", "duration_ms": 3 + i % 50,
        "error": None if i % 10 else "Could not find key: alert.host in the context.",
        "steps": [{"name": "say", "kind": "step", "status": "ran", "provider": "console", "attempts": 1, "duration_ms": 1,
                   "started": format_started(t), "results": [f"hello {i}"], "error": None}],
        "results": {"say": [f"hello {i}"]}, "event": {"name": "cpu high", "severity": "critical", "source": ["grafana"], "fingerprint": f"fp-{i % 97}"},
        "logs": [{"time": format_started(t), "step": "say", "level": "info", "message": f"hello {i}"}],
        "host": "bench", "user": "bench@example.com", "keepwf": "0.1.0",
    }


def build(path: Path, commits: list[str], total: int, on_last: int) -> int:
    """Append `total` runs (the last version gets `on_last`), in batches through the store API. Returns JSONL bytes."""
    from keepwf.model.runrecord import encode_line
    from keepwf.store.repo import Repo
    from keepwf.store.runlog import RunLog

    repo = Repo.discover(path)
    log = RunLog(repo)
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    per_other = (total - on_last) // (len(commits) - 1)
    plan = [(f"v{k + 1}", c, per_other) for k, c in enumerate(commits[:-1])]
    plan.append((f"v{len(commits)}", commits[-1], total - per_other * (len(commits) - 1)))
    i = 0
    raw = 0
    batch = []
    for version, commit, n in plan:
        for _ in range(n):
            rec = record(i, version, commit, t0)
            raw += len(encode_line(rec)) + 1
            batch.append(rec)
            i += 1
            if len(batch) == 2000:
                log.append_many(batch, gc=False)
                batch = []
        if batch:
            log.append_many(batch, gc=False)
            batch = []
    return raw


def append_cost(path: Path, commit: str, version: str, n: int = 40) -> tuple[float, float]:
    """Median time (ms) of one `RunLog.append` and median bytes it adds to .git."""
    from keepwf.store.repo import Repo
    from keepwf.store.runlog import RunLog

    repo = Repo.discover(path)
    log = RunLog(repo)
    t0 = datetime.now(timezone.utc)
    ts, bs = [], []
    for k in range(n):
        rec = record(10_000_000 + k, version, commit, t0)
        before = du(path / ".git")
        t = time.perf_counter()
        log.append(rec)
        ts.append((time.perf_counter() - t) * 1000)
        bs.append(du(path / ".git") - before)
    return statistics.median(ts), statistics.median(bs)


CONC_WRITER = r"""
import sys
from datetime import datetime, timezone
sys.path.insert(0, sys.argv[4])
from benchmarks.bench_runs import record
from keepwf.store.repo import Repo
from keepwf.store.runlog import RunLog
repo = Repo.discover(__import__("pathlib").Path(sys.argv[1]))
log = RunLog(repo)
head = repo.head_commit()
for k in range(int(sys.argv[2])):
    rec = record(k, "v1", head, datetime.now(timezone.utc))
    rec["worker"] = sys.argv[3]
    log.append(rec)
"""


def concurrency(tmp: Path, procs: int, each: int) -> tuple[int, int, float]:
    from keepwf.store.repo import Repo
    from keepwf.store.runlog import RunLog

    path = tmp / "conc"
    make_repo(path, 1)
    t = time.perf_counter()
    ps = [subprocess.Popen([PY, "-c", CONC_WRITER, str(path), str(each), f"w{w}", str(ROOT)], env=ENV) for w in range(procs)]
    for p in ps:
        assert p.wait() == 0
    dt = time.perf_counter() - t
    ids = [r["run_id"] for r in RunLog(Repo.discover(path)).iter_runs()]
    return len(ids), len(set(ids)), procs * each / dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="2,000 runs over 10 versions (smoke run)")
    a = ap.parse_args()
    total, versions, on_last = (2_000, 10, 400) if a.quick else (100_000, 50, 20_000)
    conc = (4, 25) if a.quick else (8, 200)
    tmp = Path(tempfile.mkdtemp(prefix="keepwf-bench-runs-"))
    print(f"keepwf run-log benchmark: {total:,} runs over {versions} versions ({on_last:,} on v{versions}); in {tmp}")

    floor = timed([PY, "-c", "import typer, pygit2, ruamel.yaml, rich"], tmp)
    print(f"python floor (import typer, pygit2, ruamel.yaml, rich): {floor * 1000:.0f} ms")

    small = tmp / "small"
    commits = make_repo(small, versions)
    build(small, commits, 100, 20)
    sh("git", "gc", "-q", cwd=small)
    t_small, b_small = append_cost(small, commits[-1], f"v{versions}")
    print(f"append at 100 runs: {t_small:.2f} ms, {b_small:,.0f} bytes added to .git")

    big = tmp / "big"
    commits = make_repo(big, versions)
    t = time.perf_counter()
    raw = build(big, commits, total, on_last)
    print(f"built {total:,} runs in {time.perf_counter() - t:.1f} s ({raw / 1e6:.1f} MB of JSON Lines)")
    t = time.perf_counter()
    sh("git", "gc", "-q", cwd=big)
    print(f"git gc: {time.perf_counter() - t:.1f} s")
    size = du(big / ".git")
    print(f".git after gc: {size / 1e6:.1f} MB = {size / raw:.2f}x the raw JSON Lines (target ≤ 3x)")
    t_big, b_big = append_cost(big, commits[-1], f"v{versions}")
    print(f"append at {total:,} runs: {t_big:.2f} ms ({t_big / t_small:.2f}x of at 100; target ≤ 2x), "
          f"{b_big:,.0f} bytes added ({b_big / max(b_small, 1):.2f}x; target ≤ 2x)")

    q_all = timed(KEEPWF + ["runs", "--limit", "20", "--json"], big)
    q_ver = timed(KEEPWF + ["runs", "pager", "--version", f"v{versions}", "--limit", "20", "--json"], big)
    q_old = timed(KEEPWF + ["runs", "pager", "--version", "v1", "--limit", "20", "--json"], big)
    print(f"runs --limit 20: {q_all * 1000:.0f} ms ({q_all / floor:.2f}x floor; target ≤ 1.5x)")
    print(f"runs pager --version v{versions} --limit 20: {q_ver * 1000:.0f} ms ({q_ver / floor:.2f}x floor; target ≤ 1.5x)")
    print(f"runs pager --version v1 --limit 20: {q_old * 1000:.0f} ms ({q_old / floor:.2f}x floor)")
    q_hist = timed(KEEPWF + ["history", "pager", "--json"], big, n=3)
    print(f"history pager (run counts of every version, cached after the first): {q_hist * 1000:.0f} ms")

    n, uniq, rate = concurrency(tmp, *conc)
    print(f"concurrency {conc[0]} processes × {conc[1]} runs: {n} present, {n - uniq} duplicated "
          f"(want {conc[0] * conc[1]}, 0): {rate:.0f} runs/s")

    one = tmp / "one"
    make_repo(one, 1)
    t_run = timed(KEEPWF + ["run", "pager"], one)
    print(f"keepwf run (one console step): {t_run * 1000:.0f} ms ({t_run / floor:.2f}x floor; target ≤ 1.5x)")
    if not os.environ.get("KEEP_BENCH_TMP"):
        subprocess.run(["rm", "-rf", str(tmp)])


if __name__ == "__main__":
    main()
