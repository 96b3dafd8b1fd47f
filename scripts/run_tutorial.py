#!/usr/bin/env python3
"""Run docs/tutorial.md: every ```console block's `$ ` commands, in order, in one shell, in a throwaway folder
(real `git commit` and `git push` to a bare repository on disk). Each must exit 0 unless marked `# exit N`.

    .venv/bin/python scripts/run_tutorial.py      # prints every command with its real output (make demo runs it)

tests/test_tutorial.py runs the same commands and fails on any surprise, so the tutorial never goes stale.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"
_EXIT = re.compile(r"#\s*exit\s+(\d+)\s*$")
_HEREDOC = re.compile(r"<<-?\s*'?\"?(\w+)'?\"?")


@dataclass
class Command:
    text: str
    expect: int
    line: int


def parse(markdown: str) -> list[Command]:
    """Commands of every ```console block: `$ ` lines (with `\\` continuations and here-documents)."""
    cmds: list[Command] = []
    in_block = False
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.strip().startswith("```"):
            in_block = ln.strip() == "```console" if not in_block else False
            i += 1
            continue
        if in_block and ln.startswith("$ "):
            start = i + 1
            text = ln[2:]
            while text.endswith("\\") and i + 1 < len(lines):
                i += 1
                text += "\n" + lines[i]
            m = _HEREDOC.search(text)
            if m:
                end = m.group(1)
                while i + 1 < len(lines):
                    i += 1
                    text += "\n" + lines[i]
                    if lines[i].strip() == end:
                        break
            first = text.splitlines()[0]
            em = _EXIT.search(first)
            cmds.append(Command(text, int(em.group(1)) if em else 0, start))
        i += 1
    return cmds


def run(cmds: list[Command], workdir: Path, env: dict) -> list[tuple[Command, int, str]]:
    """Run the commands in ONE bash (so cd and variables carry over); returns (command, exit code, output)."""
    parts = ["exec 2>&1", f'cd "{workdir}"']
    for n, c in enumerate(cmds):
        parts.append(f"echo '@@CMD {n}'")
        parts.append(c.text)
        parts.append(f"echo \"@@RC {n} $?\"")
    script = "\n".join(parts) + "\n"
    cp = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=600, cwd=workdir,
                        stdin=subprocess.DEVNULL)
    out = cp.stdout + cp.stderr
    results = []
    for n, c in enumerate(cmds):
        m = re.search(rf"^@@CMD {n}\n(.*?)^@@RC {n} (\d+)$", cp.stdout, re.S | re.M)
        if not m:
            results.append((c, -1, out))
            break
        results.append((c, int(m.group(2)), m.group(1)))
    return results


def tutorial_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "KEEP"))}
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n")
    env.update({
        "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb",
    })
    return env


def main() -> int:
    cmds = parse(TUTORIAL.read_text(encoding="utf-8"))
    color = sys.stdout.isatty()
    with tempfile.TemporaryDirectory(prefix="keepwf-tutorial-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        work = Path(tmp) / "work"
        work.mkdir()
        bad = 0
        for c, rc, out in run(cmds, work, tutorial_env(home)):
            flag = "" if rc == c.expect else f"   <-- exit {rc}, expected {c.expect}"
            bad += bool(flag)
            print(f"\033[1;36m$ {c.text}\033[0m{flag}" if color else f"$ {c.text}{flag}")
            print(out.replace(tmp, "/tmp/xyz"), end="")
        print(f"\n{len(cmds)} commands of docs/tutorial.md, " + ("all as documented" if not bad else f"{bad} not as documented"))
        return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
