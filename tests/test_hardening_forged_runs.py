"""Issue 10 #16: records on a run chain that keepwf did not write (bad run id, a start after their own commit, another
workflow's run) are flagged by readers: `runs` marks them, history counts and Keep's history functions leave them out.

"Future" is judged against the commit holding the record, so these tests pass under any shifted clock (make test
reruns them under faketime +400d): the forged commits carry a fixed GIT_COMMITTER_DATE, the genuine run is
recorded at whatever "now" the process sees.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from keepwf.model.runrecord import new_run_id, parse_started
from tests.helpers import workflow_yaml

CHAIN = "refs/keepwf/runs/production/pager/v1"
COMMIT_DATE = "2026-06-01T12:00:00+00:00"


@pytest.fixture
def ran(tmp_repo):
    tmp_repo.write("workflows/pager.yml", workflow_yaml("pager"))
    tmp_repo.commit("pager")
    assert tmp_repo.cli("deploy", "pager", "-m", "first").code == 0
    assert tmp_repo.cli("run", "pager").code == 0
    return tmp_repo


def _forge(repo, **changes) -> dict:
    """Append a commit holding a copy of the genuine record with ``changes`` to the chain, committed at COMMIT_DATE."""
    genuine = json.loads(repo.git("log", "-1", "--format=%B", CHAIN))
    rec = dict(genuine)
    rec.update({"started": "2026-06-01T11:59:00.000000+00:00", "status": "success"})
    rec["run_id"] = new_run_id(parse_started(rec["started"]))
    rec.update(changes)
    empty = repo.git("hash-object", "-t", "tree", "-w", "--stdin", input="")
    env = {**os.environ, "GIT_COMMITTER_DATE": COMMIT_DATE, "GIT_AUTHOR_DATE": COMMIT_DATE}
    cp = subprocess.run(["git", "commit-tree", empty, "-p", CHAIN, "-m", json.dumps(rec)], cwd=repo.path,
                        capture_output=True, text=True, env=env, check=True)
    repo.git("update-ref", CHAIN, cp.stdout.strip())
    return rec


FORGERIES = {
    "a run id that is not a ULID": dict(run_id="01ZZZZZZZZZZZZZZZZZZZZZZZU"),
    "a lower-case run id": dict(run_id=new_run_id(parse_started("2026-06-01T11:59:00.000000+00:00")).lower()),
    "a start in the future of its commit": dict(started="2026-06-03T12:00:00.000000+00:00",
                                                run_id=new_run_id(parse_started("2026-06-03T12:00:00.000000+00:00"))),
    "a start far in the future": dict(started="9999-01-01T00:00:00.000000+00:00",
                                      run_id=new_run_id(parse_started("9999-01-01T00:00:00.000000+00:00"))),
    "a run id of another time": dict(run_id=new_run_id(parse_started("2025-01-01T00:00:00.000000+00:00"))),
    "another workflow's run": dict(workflow="other"),
    "another version's run": dict(version="v7"),
    "an unknown status": dict(status="approved"),
}


@pytest.mark.parametrize("what", list(FORGERIES))
def test_forged_records_are_marked_and_left_out_of_counts(ran, what):
    forged = _forge(ran, **FORGERIES[what])
    r = ran.cli("runs", "pager", "--json")
    assert r.code == 0, r
    runs = r.json()["runs"]
    assert len(runs) == 2
    bad = [x for x in runs if x["run_id"] == forged["run_id"]]
    good = [x for x in runs if x["run_id"] != forged["run_id"]]
    assert bad and bad[0].get("untrusted"), runs
    assert good and "untrusted" not in good[0]
    human = ran.cli("runs", "pager")
    assert forged["run_id"][:12] + " !" in human.out and "not written by keepwf" in human.out
    assert good[0]["run_id"][:12] + " !" not in human.out
    shown = ran.cli("runs", "show", forged["run_id"])
    if shown.code == 0:  # a malformed id may not be findable by prefix at all
        assert "NOT WRITTEN BY KEEPWF" in shown.out
    hist = ran.cli("history", "pager", "--json").json()
    assert hist["versions"][0]["runs"]["runs"] == 1  # only the genuine run is counted
    exported = ran.cli("runs", "export").out
    assert "untrusted" not in exported


def test_a_genuine_run_is_never_flagged_whatever_the_clock(ran):
    """The genuine run was started and recorded at the process's "now" (shifted under faketime): not future."""
    for _ in range(2):
        assert ran.cli("run", "pager").code == 0
    runs = ran.cli("runs", "--json").json()["runs"]
    assert len(runs) == 3 and not any("untrusted" in x for x in runs)
    assert ran.cli("history", "pager", "--json").json()["versions"][0]["runs"]["runs"] == 3


def test_a_forged_record_does_not_feed_keeps_history_functions(ran):
    """The engine's view of past runs (last successful results, alert first seen…) ignores untrusted records."""
    from keepwf.service.history import RunLogHistory
    from keepwf.store.repo import Repo

    _forge(ran, started="2026-06-03T12:00:00.000000+00:00",
           run_id=new_run_id(parse_started("2026-06-03T12:00:00.000000+00:00")), results={"forged": True})
    h = RunLogHistory(Repo.discover(ran.path), "production")
    last = h.last_successful("pager")
    assert last is not None and "forged" not in last[0]


def test_a_forged_untrusted_key_is_not_believed(ran):
    """A record that carries its own `untrusted: null` is judged like any other."""
    forged = _forge(ran, untrusted=None, run_id="01ZZZZZZZZZZZZZZZZZZZZZZZU")
    runs = ran.cli("runs", "pager", "--json").json()["runs"]
    assert [x for x in runs if x["run_id"] == forged["run_id"]][0]["untrusted"]


def test_stats_leave_forged_records_out(ran):
    _forge(ran, run_id="01ZZZZZZZZZZZZZZZZZZZZZZZU", status="error", error="forged failure")
    r = ran.cli("stats", "pager", "--json")
    assert r.code == 0, r
    assert "forged failure" not in r.out
    assert [v["runs"] for v in r.json()["versions"]] == [1]
