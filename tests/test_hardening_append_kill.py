"""Issue 10 #8: a run's two refs (its chain, the note on the deployed commit) move all-or-none as readers see it.

The chain is the commit point: it moves in its own transaction first, then the note. A real SIGKILL at each point of
an append (inside the chain's transaction, between the two, inside the note's) must leave: every run in the note
also on a chain (the note never shows a run `keepwf runs` does not), no lock that blocks the next run, and after the
next run the note holds every run again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.helpers import workflow_yaml

KILLER = textwrap.dedent("""
    import os, signal, sys
    from keepwf.store import reftx

    point, real, calls = sys.argv[1], reftx._update, []

    def update(repo, refs, build, message, deadline):
        calls.append(refs)
        n = len(calls)
        if point == "between" and n == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        if (point == "in-chain" and n == 1) or (point == "in-note" and n == 2):
            def killing_build():
                build()  # objects written, locks held, nothing moved yet
                os.kill(os.getpid(), signal.SIGKILL)
            return real(repo, refs, killing_build, message, deadline)
        return real(repo, refs, build, message, deadline)

    reftx._update = update
    from keepwf.cli import main
    sys.exit(main(["run", "pager"]))
""")


@pytest.fixture
def deployed(tmp_repo):
    tmp_repo.write("workflows/pager.yml", workflow_yaml("pager"))
    tmp_repo.commit("pager")
    assert tmp_repo.cli("deploy", "pager", "-m", "first").code == 0
    assert tmp_repo.cli("run", "pager").code == 0
    return tmp_repo


def _chain_ids(repo) -> list[str]:
    return [r["run_id"] for r in repo.cli("runs", "--json").json()["runs"]]


def _note_ids(repo) -> list[str]:
    text = repo.git("notes", "--ref", "keepwf/runs", "show", "keepwf/production/pager/v1^{commit}", check=False)
    return [json.loads(ln)["run_id"] for ln in text.splitlines() if ln.strip()]


@pytest.mark.parametrize("point,recorded", [("in-chain", False), ("between", True), ("in-note", True)])
def test_a_kill_at_any_point_of_the_append(deployed, point, recorded):
    before = _chain_ids(deployed)
    cp = subprocess.run([sys.executable, "-c", KILLER, point], cwd=deployed.path, capture_output=True, text=True)
    assert cp.returncode == -9, cp.stderr
    after = _chain_ids(deployed)
    assert len(after) == len(before) + (1 if recorded else 0)
    assert set(_note_ids(deployed)) <= set(after)  # the note never holds a run the chains do not
    if point != "in-chain":
        assert set(_note_ids(deployed)) == set(before)  # killed before the note moved
    r = deployed.cli("run", "pager")  # no lock left blocks the next run
    assert r.code == 0, r
    final = _chain_ids(deployed)
    assert len(final) == len(after) + 1
    assert set(_note_ids(deployed)) == set(final)  # the next append at that commit puts the missing run back
    assert [p.name for p in (deployed.path / ".git").rglob("*.lock")] == ["keepwf.lock"]  # the flock file only


def test_the_chain_moves_before_the_note(deployed, monkeypatch):
    """The order itself, seen from the transactions: chain first, in a transaction of its own."""
    from keepwf.store import reftx

    seen = []
    real = reftx._update

    def spy(repo, refs, build, message, deadline):
        seen.append(list(refs))
        return real(repo, refs, build, message, deadline)

    monkeypatch.setattr(reftx, "_update", spy)
    assert deployed.cli("run", "pager").code == 0
    assert seen == [["refs/keepwf/runs/production/pager/v1"], ["refs/notes/keepwf/runs"]]
