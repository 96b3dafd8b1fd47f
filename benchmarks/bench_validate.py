#!/usr/bin/env python3
"""`keepwf validate` over 100 workflow files and `keepwf --help`, against the import floor.

The floor is `python -c "import typer, pygit2, ruamel.yaml, rich"` measured in the same run (issue 2 targets:
validate within 1.5x of it, --help under 1.2x). Runs are interleaved and the median wall time is reported.
Also prints the top `python -X importtime` entries of `keepwf validate`.

    .venv/bin/python benchmarks/bench_validate.py [--quick] [--runs N] [--files N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
FLOOR = [PY, "-c", "import typer, pygit2, ruamel.yaml, rich"]


def keepwf_cmd() -> list[str]:
    script = Path(PY).with_name("keepwf")
    return [str(script)] if script.exists() else [PY, "-m", "keepwf"]


def workflow(i: int) -> str:
    """A realistic workflow: 3 triggers, 4 steps, 3 actions, templates, conditions, keep.* calls."""
    return f"""workflow:
  id: bench-workflow-{i}
  name: Bench workflow {i}
  description: Generated for benchmarks/bench_validate.py ({i})
  triggers:
    - type: manual
    - type: alert
      filters:
        - key: source
          value: prometheus
    - type: interval
      value: {60 + i}
  consts:
    team: sre-{i % 7}
  steps:
    - name: fetch-{i}
      provider:
        type: http
        with:
          url: "http://127.0.0.1:8080/api/{i}"
          method: GET
    - name: count-{i}
      provider:
        type: console
        with:
          message: "found keep.len({{{{ steps.fetch-{i}.results.body }}}}) items for {{{{ consts.team }}}}"
    - name: shell-{i}
      provider:
        type: bash
        with:
          command: "echo {{{{ alert.name }}}}"
    - name: mock-{i}
      provider:
        type: mock
        with:
          command_output: ok
  actions:
    - name: notify-{i}
      if: "'{{{{ alert.severity }}}}' == 'critical'"
      provider:
        type: console
        with:
          message: "Alert {{{{ alert.name }}}} at keep.utcnowiso()"
    - name: hook-{i}
      condition:
        - name: too-many
          type: threshold
          value: "{{{{ steps.count-{i}.results }}}}"
          compare_to: 10
      provider:
        type: webhook
        config: "{{{{ providers.hook }}}}"
        with:
          body:
            text: "{{{{ steps.shell-{i}.results.stdout }}}}"
    - name: done-{i}
      provider:
        type: console
        with:
          message: done
"""


def timed(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    cp = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t
    if cp.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({cp.returncode}): {cp.stderr.decode()[-500:]}")
    return dt


def importtime_top(cmd: list[str], cwd: Path, n: int = 12) -> list[str]:
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    cp = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    rows = []
    for line in cp.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cum_us, name = line.removeprefix("import time:").split("|", 2)
        rows.append((int(cum_us), int(self_us), name.rstrip()))
    rows.sort(reverse=True)
    return [f"  {cum / 1000:7.1f} ms cumulative  {own / 1000:6.1f} ms self  {name}" for cum, own, name in rows[:n]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 runs, 20 files: a smoke run")
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--files", type=int, default=None)
    args = ap.parse_args()
    runs = args.runs or (3 if args.quick else 15)
    nfiles = args.files or (20 if args.quick else 100)
    tmp = Path(tempfile.mkdtemp(prefix="keepwf-bench-"))
    try:
        folder = tmp / "workflows"
        folder.mkdir()
        for i in range(nfiles):
            (folder / f"wf-{i:03d}.yml").write_text(workflow(i), encoding="utf-8")
        kw = keepwf_cmd()
        cmds = {
            "floor (import typer, pygit2, ruamel.yaml, rich)": FLOOR,
            f"keepwf validate ({nfiles} files)": [*kw, "validate", str(folder)],
            "keepwf --help": [*kw, "--help"],
        }
        for cmd in cmds.values():  # warm the OS file cache and .pyc files
            timed(cmd, tmp)
        times: dict[str, list[float]] = {k: [] for k in cmds}
        for _ in range(runs):
            for name, cmd in cmds.items():
                times[name].append(timed(cmd, tmp))
        med = {k: statistics.median(v) for k, v in times.items()}
        floor = med[next(iter(cmds))]
        print(f"median wall time over {runs} runs (python {sys.version.split()[0]}, {os.cpu_count()} cpus)")
        targets = {1: 1.5, 2: 1.2}
        for i, (name, m) in enumerate(med.items()):
            ratio = m / floor
            target = targets.get(i)
            verdict = "" if target is None else f"  target < {target}x: {'ok' if ratio < target else 'MISSED'}"
            print(f"  {name:50s} {m * 1000:7.1f} ms  {ratio:4.2f}x floor{verdict}")
        print(f"\npython -X importtime, keepwf validate ({nfiles} files), top entries:")
        print("\n".join(importtime_top([PY, "-m", "keepwf", "validate", str(folder)], tmp)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
