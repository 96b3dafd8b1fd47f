#!/usr/bin/env python3
"""Deploy-tag scale: 100 workflows × 100 versions (10,000 annotated deploy tags, packed).

Targets (issue 3): `keepwf history wf-1 --limit 20` and `keepwf status` each under 2x the wall time of
`git tag -l 'keepwf/production/wf-1/*'` plus the Python floor (`python -c "import typer, pygit2, ruamel.yaml, rich"`),
both measured in the same run; one `keepwf deploy` of 10 changed workflows under 0.5 s beyond the Python floor.

The repository is built with one `git fast-import` stream (commits, blobs and annotated tags whose messages carry
keepwf's trailers), not with 10,000 CLI deploys. `--quick`: 10 workflows × 10 versions.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from keepwf.model.version import format_message, tag_name  # noqa: E402

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def wf_text(i: int, n: int) -> bytes:
    return (f"workflow:\n  id: wf-{i}\n  name: wf-{i}\n  description: bench workflow {i}, revision {n}\n"
            f"  triggers:\n    - type: manual\n  steps:\n    - name: say\n      provider:\n        type: console\n"
            f"        with:\n          message: \"revision {n}\"\n").encode()


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


def build(path: Path, workflows: int, versions: int) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=ENV)
    out = []
    mark = 0
    t0 = 1_700_000_000
    for n in range(1, versions + 1):
        mark += 1
        msg = f"revision {n}".encode()
        out.append(b"commit refs/heads/main\nmark :%d\ncommitter Bench <bench@example.com> %d +0000\ndata %d\n%s\n"
                   % (mark, t0 + n * 60, len(msg), msg))
        if n > 1:
            out.append(b"from :%d\n" % (mark - 1))
        for i in range(1, workflows + 1):
            data = wf_text(i, n)
            out.append(b"M 100644 inline workflows/wf-%d.yml\ndata %d\n%s\n" % (i, len(data), data))
        for i in range(1, workflows + 1):
            data = wf_text(i, n)
            tmsg = format_message(f"Deploy revision {n}", {
                "Keepwf-Workflow": f"wf-{i}", "Keepwf-Env": "production", "Keepwf-Version": f"v{n}",
                "Keepwf-Path": f"workflows/wf-{i}.yml", "Keepwf-Blob": blob_sha(data), "Keepwf-Action": "deploy"}).encode()
            out.append(b"tag %s\nfrom :%d\ntagger Bench <bench@example.com> %d +0000\ndata %d\n%s\n"
                       % (tag_name("production", f"wf-{i}", n).encode(), mark, t0 + n * 60 + 1, len(tmsg), tmsg))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(out), check=True, env=ENV)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=path, check=True, env=ENV)
    subprocess.run(["git", "pack-refs", "--all"], cwd=path, check=True, env=ENV)
    subprocess.run(["git", "gc", "-q"], cwd=path, check=True, env=ENV)


def timed(cmd: list[str], cwd: Path, runs: int, setup=None) -> float:
    """Median wall time (ms) of ``cmd``; ``setup`` runs before each (not timed)."""
    times = []
    for _ in range(runs):
        if setup:
            setup()
        t = time.perf_counter()
        cp = subprocess.run(cmd, cwd=cwd, capture_output=True, env=ENV)
        times.append((time.perf_counter() - t) * 1000)
        if cp.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({cp.returncode}):\n{cp.stderr.decode()}")
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10 workflows x 10 versions")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    wfs, vers = (10, 10) if args.quick else (100, 100)
    py = sys.executable
    keepwf = [py, "-m", "keepwf"]
    tmp = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    try:
        repo = tmp / "repo"
        t = time.perf_counter()
        build(repo, wfs, vers)
        print(f"built {wfs} workflows x {vers} versions = {wfs * vers} packed deploy tags in {time.perf_counter() - t:.1f} s")
        git_tag = timed(["git", "tag", "-l", "keepwf/production/wf-1/*"], repo, args.runs)
        floor = timed([py, "-c", "import typer, pygit2, ruamel.yaml, rich"], repo, args.runs)
        budget = git_tag + floor
        print(f"git tag -l 'keepwf/production/wf-1/*': {git_tag:7.1f} ms")
        print(f"python floor (import typer, pygit2, ruamel.yaml, rich): {floor:7.1f} ms")
        print(f"budget (git tag + floor) = {budget:.1f} ms; target: under 2x = {2 * budget:.1f} ms")
        for label, cmd in (("history wf-1 --limit 20", ["history", "wf-1", "--limit", "20"]),
                           ("status (all workflows)", ["status"]),
                           ("list", ["list"])):
            ms = timed(keepwf + cmd, repo, args.runs)
            print(f"keepwf {label:<26} {ms:7.1f} ms = {ms / budget:4.2f}x budget  {'OK' if ms < 2 * budget else 'OVER'}")

        changed = list(range(1, min(10, wfs) + 1))
        counter = [vers]

        def change():
            counter[0] += 1
            for i in changed:
                (repo / f"workflows/wf-{i}.yml").write_bytes(wf_text(i, counter[0]))
            subprocess.run(["git", "commit", "-qam", f"change {counter[0]}"], cwd=repo, check=True, env=ENV)

        ms = timed(keepwf + ["deploy", *[f"wf-{i}" for i in changed], "-m", "bench"], repo, args.runs, setup=change)
        extra = ms - floor
        print(f"keepwf deploy of {len(changed)} changed workflows: {ms:7.1f} ms = floor + {extra:.1f} ms "
              f"(target: under floor + 500 ms)  {'OK' if extra < 500 else 'OVER'}")
        tags = subprocess.run(["git", "tag", "-l", "keepwf/production/wf-1/*"], cwd=repo, capture_output=True, text=True).stdout.split()
        print(f"wf-1 now has {len(tags)} versions; loose tag refs: "
              f"{sum(1 for _ in (repo / '.git/refs/tags').rglob('v*'))}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
