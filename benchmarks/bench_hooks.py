#!/usr/bin/env python3
"""The pre-commit hook's cost, against the Python floor measured in the same run.

Floor: ``python -c "import typer, pygit2, ruamel.yaml, rich"`` (what any keepwf command pays just to start).
Measured: keepwf's installed ``.git/hooks/pre-commit`` script, run as git runs it, in a repository of 100 workflows:

- a commit touching 1 of the 100 workflows (validates only the staged one)   target: within 1.3x of the floor
- a commit touching no workflow (the shell decides; Python never starts)        target: under 1.1x of the floor

Also prints the full ``git commit`` time of both cases, for information. ``--quick``: fewer repetitions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import workflow_yaml  # noqa: E402


def timed(cmd: list[str], cwd: Path, reps: int, env: dict) -> float:
    """Median wall time (seconds) of ``reps`` runs, after one warm-up run."""
    subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        cp = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
        samples.append(time.perf_counter() - t0)
        if cp.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({cp.returncode}): {cp.stderr.decode()}")
    return statistics.median(samples)


def git(cwd: Path, env: dict, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    ap.add_argument("--workflows", type=int, default=100)
    args = ap.parse_args()
    reps = 5 if args.quick else 21
    with tempfile.TemporaryDirectory(prefix="keepwf-bench-hooks-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        env = {**os.environ, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
               "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
               "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
        repo = Path(tmp) / "repo"
        repo.mkdir()
        git(repo, env, "init", "-q", "-b", "main")
        (repo / "keepwf.toml").write_text('[keepwf]\nworkflows = "workflows"\n')
        wf = repo / "workflows"
        wf.mkdir()
        for i in range(args.workflows):
            (wf / f"wf-{i:03}.yml").write_text(workflow_yaml(f"wf-{i:03}", steps=4))
        (repo / "README.md").write_text("bench\n")
        git(repo, env, "add", "-A")
        git(repo, env, "commit", "-qm", "init")
        subprocess.run([sys.executable, "-m", "keepwf", "-C", str(repo), "hooks", "install"], env=env, check=True,
                       capture_output=True)
        hook = str(repo / ".git" / "hooks" / "pre-commit")

        floor = timed([sys.executable, "-c", "import typer, pygit2, ruamel.yaml, rich"], repo, reps, env)

        (wf / "wf-042.yml").write_text(workflow_yaml("wf-042", "changed", steps=4))
        git(repo, env, "add", "workflows/wf-042.yml")
        one = timed([hook], repo, reps, env)
        git(repo, env, "commit", "-q", "--no-verify", "-m", "one")

        (repo / "README.md").write_text("bench 2\n")
        git(repo, env, "add", "README.md")
        none = timed([hook], repo, reps, env)
        git(repo, env, "reset", "-q", "--hard")

        def commit_time(path: Path, rel: str, text_of) -> float:
            samples = []
            for i in range(max(3, reps // 3)):
                path.write_text(text_of(i))
                git(repo, env, "add", rel)
                t0 = time.perf_counter()
                git(repo, env, "commit", "-qm", f"c{i}")
                samples.append(time.perf_counter() - t0)
            return statistics.median(samples)

        c_one = commit_time(wf / "wf-007.yml", "workflows/wf-007.yml", lambda i: workflow_yaml("wf-007", f"m{i}", steps=4))
        c_none = commit_time(repo / "README.md", "README.md", lambda i: f"readme {i}\n")

    print(f"repository: {args.workflows} workflows, {reps} runs each (median)")
    print(f"python floor (import typer, pygit2, ruamel.yaml, rich): {floor * 1000:7.1f} ms")
    r1, r0 = one / floor, none / floor
    print(f"pre-commit hook, 1 of {args.workflows} workflows staged:     {one * 1000:7.1f} ms  {r1:.2f}x floor  "
          f"(target <= 1.3x: {'ok' if r1 <= 1.3 else 'MISSED'})")
    print(f"pre-commit hook, no workflow staged:         {none * 1000:7.1f} ms  {r0:.2f}x floor  "
          f"(target < 1.1x: {'ok' if r0 < 1.1 else 'MISSED'})")
    print(f"whole `git commit` with hooks: 1 workflow {c_one * 1000:.1f} ms, no workflow {c_none * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
