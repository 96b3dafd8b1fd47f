"""keepwf sync between two clones of a bare repository; a run interrupted by Ctrl-C / SIGTERM is still recorded."""

from __future__ import annotations

import signal
import subprocess
import time

from tests.helpers import GitRepo, workflow_yaml


def _clone(bare, path) -> GitRepo:
    subprocess.run(["git", "clone", "-q", str(bare), str(path)], check=True)
    return GitRepo(path)


def test_two_clones_record_runs_and_after_sync_both_see_all(tmp_repo, tmp_path):
    r = tmp_repo
    r.write("workflows/pager.yml", workflow_yaml("pager"))
    r.commit("pager")
    assert r.cli("deploy", "pager", "-m", "v1").code == 0
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    r.git("remote", "add", "origin", str(bare))
    r.git("push", "-q", "origin", "main")
    assert r.cli("sync").code == 0  # publishes the deploy tag
    a, b = _clone(bare, tmp_path / "a"), _clone(bare, tmp_path / "b")
    for c in (a, b):
        res = c.cli("sync")
        assert res.code == 0, res
    ids_a = [a.cli("run", "pager", "--json").json()["run_id"] for _ in range(3)]
    ids_b = [b.cli("run", "pager", "--json").json()["run_id"] for _ in range(2)]
    ids_b.append(b.cli("run", "pager", "--draft", "--json").json()["run_id"])
    assert a.cli("sync").code == 0
    res = b.cli("sync", "origin")  # b's push of the notes is not a fast-forward before merging: merge, then push
    assert res.code == 0, res
    assert a.cli("sync", "--json").json()["runs_after"] == 6
    for c in (a, b):
        got = [x["run_id"] for x in c.cli("runs", "--limit", "50", "--json").json()["runs"]]
        drafts = [x["run_id"] for x in c.cli("runs", "--drafts", "--json").json()["runs"]]
        assert sorted(got + drafts) == sorted(ids_a + ids_b) and len(set(got)) == len(got)
        assert len(c.cli("runs", "pager", "--version", "v1", "--json").json()["runs"]) == 5
    # the notes merged too: plain git sees recent runs of both clones on the deployed commit
    note = a.git("notes", "--ref", "keepwf/runs", "show", "keepwf/production/pager/v1^{commit}")
    assert all(i in note for i in ids_a + ids_b[:2])
    # nothing was forced: the remote's refs are ancestors of (or equal to) each clone's
    remote_notes = subprocess.run(["git", "-C", str(bare), "rev-parse", "refs/notes/keepwf/runs"], capture_output=True, text=True).stdout.strip()
    assert a.git("rev-parse", "refs/notes/keepwf/runs") == remote_notes
    assert a.cli("sync", "nowhere").code == 2


SLOW = """workflow:
  id: slow
  triggers:
    - type: manual
  steps:
    - name: first
      provider:
        type: console
        with:
          message: "started"
    - name: wait
      provider:
        type: bash
        with:
          command: "sleep 20"
"""


def test_interrupted_run_is_recorded(tmp_repo):
    r = tmp_repo
    r.write("workflows/slow.yml", SLOW)
    r.commit("slow")
    assert r.cli("deploy", "slow", "-m", "v1").code == 0
    for sig in (signal.SIGINT, signal.SIGTERM):
        p = subprocess.Popen([__import__("sys").executable, "-m", "keepwf", "run", "slow"], cwd=r.path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2.0)  # past start-up, inside `sleep 20`
        p.send_signal(sig)
        out, err = p.communicate(timeout=30)
        assert p.returncode == 130, (out, err)
        assert "interrupted" in err
    runs = r.cli("runs", "slow", "--json").json()["runs"]
    assert [x["status"] for x in runs] == ["error", "error"] and {x["error"] for x in runs} == {"interrupted"}
    assert runs[0]["steps"] and runs[0]["steps"][0]["name"] == "first"
    assert r.git("fsck", "--no-dangling", "--no-progress") == ""
