"""docs/tutorial.md never goes stale: every `$ ` command of its ```console blocks runs, in order, in one shell,
through real `git commit` and `git push` to a bare repository on disk (scripts/run_tutorial.py), and must exit as
documented (0 unless marked `# exit N`)."""

from __future__ import annotations

import subprocess

from scripts.run_tutorial import TUTORIAL, parse, run, tutorial_env


def test_tutorial_runs_end_to_end(tmp_path):
    cmds = parse(TUTORIAL.read_text(encoding="utf-8"))
    assert len(cmds) > 30, "the tutorial lost its commands?"
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    results = run(cmds, work, tutorial_env(home))
    assert len(results) == len(cmds), results[-1][2][-3000:]
    for c, rc, out in results:
        assert rc == c.expect, f"docs/tutorial.md:{c.line}: `{c.text}` exited {rc}, expected {c.expect}\n{out[-3000:]}"
    # what the team ends up with, on the shared bare repository
    bare = work / "team.git"
    tags = subprocess.run(["git", "for-each-ref", "--format=%(refname:short)", "refs/tags/keepwf/"], cwd=bare,
                          capture_output=True, text=True).stdout.split()
    assert "keepwf/staging/hello-alert/v1" in tags and "keepwf/production/hello-alert/v1" in tags
    notes = subprocess.run(["git", "for-each-ref", "--format=%(refname)", "refs/notes/keepwf/"], cwd=bare,
                           capture_output=True, text=True).stdout.split()
    assert "refs/notes/keepwf/reviews" in notes and "refs/notes/keepwf/runs" in notes
