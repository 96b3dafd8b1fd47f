"""Builders for tests: run the CLI in-process (fast) or as a subprocess (for hooks and concurrency)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"Result(code={self.code})\n--- stdout ---\n{self.out}\n--- stderr ---\n{self.err}"


def run_cli(*args: str, cwd: Path | None = None, stdin: str | None = None) -> Result:
    """Run ``keepwf ARGS`` in this process, capturing stdout/stderr and the exit code."""
    from keepwf.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_cwd = os.getcwd()
    old_stdin = sys.stdin
    try:
        if cwd is not None:
            os.chdir(cwd)
        if stdin is not None:
            sys.stdin = io.StringIO(stdin)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(old_cwd)
        sys.stdin = old_stdin
    return Result(code, out.getvalue(), err.getvalue())


def run_keepwf_process(*args: str, cwd: Path, stdin: str | None = None, env: dict | None = None, timeout: float = 120) -> Result:
    """Run ``python -m keepwf ARGS`` as a real process (hooks, concurrency, signals)."""
    cp = subprocess.run(
        [sys.executable, "-m", "keepwf", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return Result(cp.returncode, cp.stdout, cp.stderr)


class GitRepo:
    """A real git repository in a temp folder, with helpers to write files, commit and run keepwf in it."""

    def __init__(self, path: Path):
        self.path = path

    def git(self, *args: str, check: bool = True, input: str | None = None) -> str:
        cp = subprocess.run(["git", *args], cwd=self.path, capture_output=True, text=True, input=input)
        if check and cp.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed ({cp.returncode}):\n{cp.stdout}\n{cp.stderr}")
        return cp.stdout.strip()

    def write(self, rel: str, text: str) -> Path:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
        return p

    def commit(self, message: str = "change", *paths: str) -> str:
        self.git("add", *(paths or ("-A",)))
        self.git("commit", "-qm", message)
        return self.git("rev-parse", "HEAD")

    def cli(self, *args: str, stdin: str | None = None) -> Result:
        return run_cli(*args, cwd=self.path, stdin=stdin)

    def proc(self, *args: str, **kw) -> Result:
        return run_keepwf_process(*args, cwd=self.path, **kw)


def workflow_yaml(wf_id: str, message: str = "hello", *, steps: int = 1, extra: str = "") -> str:
    """A small valid workflow with ``steps`` console steps."""
    body = "".join(
        f"""
    - name: step-{i}
      provider:
        type: console
        with:
          message: "{message} {i}"
"""
        for i in range(steps)
    )
    return f"""workflow:
  id: {wf_id}
  name: {wf_id}
  description: test workflow {wf_id}
  triggers:
    - type: manual
  steps:{body}{extra}"""
