"""The runs table fits the terminal: low-value columns go first, long text is cut with …; the trigger names its alert."""

from __future__ import annotations

import contextlib
import io
import os
import re

import pytest

from keepwf.render.styled import clip, fit

FAILING = """workflow:
  id: failing-workflow-with-a-long-name
  triggers:
    - type: alert
  steps:
    - name: boom
      provider:
        type: http
        with:
          url: "http://127.0.0.1:9/{{ alert.name }}/a/very/long/path/that/makes/the/error/message/much/longer/than/fits"
          method: GET
          timeout: 1
"""


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _runs_on_a_terminal(r) -> list[str]:
    """`keepwf runs` with stdout a terminal (its width: COLUMNS, pinned by the test)."""
    from keepwf.cli import main

    out = _Tty()
    old = os.getcwd()
    try:
        os.chdir(r.path)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            assert main(["runs"]) == 0
    finally:
        os.chdir(old)
    return re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue()).splitlines()


@pytest.fixture
def repo(tmp_repo):
    r = tmp_repo
    r.write("workflows/f.yml", FAILING)
    r.commit("add")
    assert r.cli("deploy", "failing-workflow-with-a-long-name", "-m", "x").code == 0
    r.write("alert.json", '{"name": "DiskFull", "severity": "critical"}')
    for _ in range(2):
        assert r.cli("run", "failing-workflow-with-a-long-name", "--alert", "alert.json").code == 1
    return r


@pytest.mark.parametrize("columns", [160, 100, 80])
def test_the_runs_table_fits_the_terminal_and_cuts_with_an_ellipsis(repo, columns, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(columns))
    lines = _runs_on_a_terminal(repo)
    assert len(lines) == 3 and all(len(x.rstrip()) <= columns for x in lines), lines
    header = lines[0].split()
    assert header[:3] == ["run", "started", "workflow"] and "status" in header and "error" in header
    assert lines[1].rstrip().endswith("…")  # the error, cut where it no longer fits
    if columns == 160:
        assert "alert DiskFull" in lines[1]  # the trigger's alert name, not just `alert`
    if columns <= 100:
        assert "duration" not in header  # dropped before anything is cut


def test_piped_the_runs_table_keeps_every_column(repo):
    res = repo.cli("runs")
    assert res.out.splitlines()[0].split() == ["run", "started", "workflow", "version", "env", "status", "duration",
                                               "trigger", "error"]
    assert "alert DiskFull" in res.out


def test_fit_drops_then_shrinks():
    headers, rows = fit(["a", "b", "c"], [["x" * 10, "y" * 10, ("z" * 30, "red")]], 30, drop=("b",), shrink=(("c", 5),))
    assert headers == ["a", "c"] and rows == [["x" * 10, ("z" * 17 + "…", "red")]]
    assert clip("abc", 3) == "abc" and clip("abcd", 3) == "ab…"
