"""docs/tutorial.md never goes stale: every `$ ` command of its ```console blocks runs, in order, in one shell,
through real `git commit` and `git push` to a bare repository on disk (scripts/run_tutorial.py), and must exit as
documented (0 unless marked `# exit N`)."""

from __future__ import annotations

import re
import subprocess

import pytest

from scripts.run_tutorial import TUTORIAL, parse, run, tutorial_env


def _norm(text: str) -> str:
    """What may differ between the page and a real run: hashes, run ids, times, durations, temp paths, spacing."""
    text = re.sub(r"\b[0-9A-Z]{12}(?:[0-9A-Z]{14})?\b", "R", text)  # run ids (ULID) and their 12-char prefix
    text = re.sub(r"\b[0-9a-f]{7,40}\b", "H", text)
    text = re.sub(r"\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z?)?", "T", text)  # dates, with or without a time
    text = re.sub(r"\b\d+ms\b", "Nms", text)
    text = re.sub(r"/tmp/\S+?/work", "/W", text)
    return " ".join(text.split())


def _documented_output(lines: list[str], c) -> list[str]:
    """The output lines the page shows under command ``c`` (up to the next `$ ` or the end of the block)."""
    j = c.line - 1 + len(c.text.splitlines())
    out = []
    while j < len(lines) and not lines[j].startswith(("$ ", "```")):
        out.append(lines[j])
        j += 1
    return out


def _shown_in(doc_line: str, got: str) -> bool:
    """``doc_line`` appears in the real output, `…` standing for anything."""
    pos = 0
    for part in (_norm(p) for p in doc_line.split("…")):
        k = got.find(part, pos)
        if k < 0:
            return False
        pos = k + len(part)
    return True


@pytest.mark.slow
def test_tutorial_runs_end_to_end(tmp_path):
    cmds = parse(TUTORIAL.read_text(encoding="utf-8"))
    assert len(cmds) > 30, "the tutorial lost its commands?"
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    results = run(cmds, work, tutorial_env(home))
    assert len(results) == len(cmds), results[-1][2][-3000:]
    lines = TUTORIAL.read_text(encoding="utf-8").splitlines()
    for c, rc, out in results:
        assert rc == c.expect, f"docs/tutorial.md:{c.line}: `{c.text}` exited {rc}, expected {c.expect}\n{out[-3000:]}"
        got = _norm(out.replace(str(tmp_path), "/tmp/xyz"))
        stale = [d for d in _documented_output(lines, c) if d.strip() and not _shown_in(d, got)]
        assert not stale, f"docs/tutorial.md:{c.line}: `{c.text}` no longer prints {stale}\n--- real output:\n{out[-3000:]}"
    # what the team ends up with, on the shared bare repository
    bare = work / "team.git"
    tags = subprocess.run(["git", "for-each-ref", "--format=%(refname:short)", "refs/tags/keepwf/"], cwd=bare,
                          capture_output=True, text=True).stdout.split()
    assert "keepwf/staging/hello-alert/v1" in tags and "keepwf/production/hello-alert/v3" in tags
    # the prune reached the server through the hooks: v1's tag is gone there, archived with its prune record
    archive = subprocess.run(["git", "for-each-ref", "--format=%(refname)", "refs/keepwf/"], cwd=bare,
                             capture_output=True, text=True).stdout.split()
    assert "keepwf/production/hello-alert/v1" not in tags
    assert "refs/keepwf/archive/production/hello-alert/v1" in archive and "refs/keepwf/audit" in archive
    notes = subprocess.run(["git", "for-each-ref", "--format=%(refname)", "refs/notes/keepwf/"], cwd=bare,
                           capture_output=True, text=True).stdout.split()
    assert "refs/notes/keepwf/reviews" in notes and "refs/notes/keepwf/runs" in notes
