"""keepwf sync between two clones of a bare repository; a run interrupted by Ctrl-C / SIGTERM is still recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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
  inputs:
    - {{name: team, type: string}}
    - {{name: token, type: string}}
  steps:
    - name: first
      provider:
        type: console
        with:
          message: "started for {{{{ inputs.team }}}} on {{{{ alert.name }}}}"
    - name: wait
      provider:
        type: bash
        with:
          command: "sleep {secs}"
"""


def _running(argv: list[str]) -> bool:
    from pathlib import Path

    for d in Path("/proc").iterdir():
        try:
            if (d / "cmdline").read_bytes().split(b"\0")[:-1] == [a.encode() for a in argv]:
                return True
        except OSError:
            continue
    return False


def test_interrupted_run_is_recorded(tmp_repo):
    r = tmp_repo
    secs = f"20.{__import__('os').getpid()}{int(time.time() * 1000) % 1000}"  # this test's own sleep command
    r.write("workflows/slow.yml", SLOW.format(secs=secs))
    r.commit("slow")
    assert r.cli("deploy", "slow", "-m", "v1").code == 0
    r.write("alert.json", '{"name": "disk full", "fingerprint": "fp-9"}')
    env = dict(os.environ, KEEP_PROVIDER_PAGER='{"authentication": {"api_key": "tok-5551234"}}')  # a known secret
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # Ctrl-C, kill, a closed terminal
        p = subprocess.Popen([sys.executable, "-m", "keepwf", "run", "slow", "--alert", "alert.json", "--input", "team=db",
                              "--input", "token=tok-5551234"], cwd=r.path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             # a suite started in the background inherits SIGINT ignored; a user's terminal does not
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        seen = ""
        while "first" not in seen:  # the progress line of the first step: the run is inside `sleep 20` now
            line = p.stderr.readline()
            assert line, "keepwf ended before the first step finished"
            seen += line
        time.sleep(0.3)
        p.send_signal(sig)
        out, err = p.communicate(timeout=30)
        err = seen + err
        assert p.returncode == 130, (out, err)
        assert "interrupted" in err
        deadline = time.time() + 5
        while _running(["sleep", secs]) and time.time() < deadline:
            time.sleep(0.05)
        assert not _running(["sleep", secs]), "the bash step's command outlived the interrupted run"
    runs = r.cli("runs", "slow", "--json").json()["runs"]
    assert [x["status"] for x in runs] == ["cancelled"] * 3 and {x["error"] for x in runs} == {"interrupted"}
    for run in runs:  # as complete as a normal record for what had happened
        rec = r.cli("runs", "show", run["run_id"], "--json").json()
        steps = [(s["name"], s["status"], s.get("error")) for s in rec["steps"]]
        assert steps == [("first", "ran", None), ("wait", "error", "interrupted")]  # the step it was inside, too
        assert rec["steps"][0]["results"] == ["started for db on disk full"] and rec["steps"][0]["attempts"] == 1
        assert rec["results"] == {"first": ["started for db on disk full"]}
        assert ("first", "started for db on disk full") in [(x["step"], x["message"]) for x in rec["logs"]]
        assert rec["inputs"] == {"team": "db", "token": "***"}  # only the secret is hidden
        assert rec["event"]["name"] == "disk full" and rec["trigger"]["fingerprint"] == "fp-9"
    assert r.git("fsck", "--no-dangling", "--no-progress") == ""


def test_sync_retries_a_rejected_push_a_bounded_number_of_times(tmp_repo, tmp_path):
    r = tmp_repo
    r.write("workflows/pager.yml", workflow_yaml("pager"))
    r.commit("pager")
    assert r.cli("deploy", "pager", "-m", "v1").code == 0
    assert r.cli("run", "pager").code == 0
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    r.git("remote", "add", "origin", str(bare))
    hook = bare / "hooks" / "pre-receive"
    # someone else pushes at the same moment: the first attempt is refused, the second goes through
    hook.write_text(f"#!/bin/sh\nif [ ! -f {tmp_path}/once ]; then touch {tmp_path}/once; echo busy >&2; exit 1; fi\nexit 0\n")
    hook.chmod(0o755)
    res = r.cli("sync", "--json")
    assert res.code == 0, res
    assert res.json()["attempts"] == 2
    remote = subprocess.run(["git", "-C", str(bare), "for-each-ref", "--format=%(refname)"], capture_output=True, text=True).stdout
    assert "refs/notes/keepwf/runs" in remote and "refs/keepwf/runs/production/pager/v1" in remote
    hook.write_text("#!/bin/sh\necho busy >&2\nexit 1\n")  # never accepts: keepwf gives up, loses nothing
    assert r.cli("run", "pager").code == 0
    res = r.cli("sync")
    assert res.code == 3 and "attempts" in res.err and "nothing was lost" in res.err
    assert len(r.cli("runs", "--json").json()["runs"]) == 2
