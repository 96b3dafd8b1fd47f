"""Bash steps of a deployed version run in that version's tree (a read-only export), not the working copy."""

from __future__ import annotations

import os
import stat

from keepwf.store import treecache
from keepwf.store.repo import Repo
from tests.helpers import GitRepo

CHECK = """workflow:
  id: check
  triggers:
    - type: manual
  steps:
    - name: script
      provider:
        type: bash
        with:
          command: python3 scripts/check.py
    - name: where
      provider:
        type: bash
        with:
          command: pwd
"""


def _setup(r: GitRepo) -> None:
    r.write("workflows/check.yml", CHECK)
    r.write("scripts/check.py", "print('deployed script')\n")
    r.commit("add check")
    assert r.cli("deploy", "check", "-m", "release").code == 0
    r.write("scripts/check.py", "print('edited script')\n")  # an uncommitted edit of the called script
    r.commit("edit the script")  # even committed: only a deploy changes what runs


def _outputs(res) -> list[str]:
    rec = res.json()
    return [s["results"][0]["stdout"].strip() if isinstance(s["results"], list) and s["results"] else None
            for s in rec["steps"]]


def test_a_deployed_run_calls_the_deployed_script_in_a_read_only_export(tmp_repo):
    r = tmp_repo
    _setup(r)
    res = r.cli("run", "check", "--json")
    assert res.code == 0, res
    rec = res.json()
    out = {s["name"]: s for s in rec["steps"]}
    assert out["script"]["results"][0]["stdout"].strip() == "deployed script"
    cwd = out["where"]["results"][0]["stdout"].strip()
    assert os.path.realpath(cwd) != os.path.realpath(r.path)
    commit = rec["commit"]
    assert os.path.basename(cwd) == commit
    script = os.path.join(cwd, "scripts", "check.py")
    assert not stat.S_IMODE(os.stat(script).st_mode) & 0o222  # read-only (modes: tests may run as root)
    assert not stat.S_IMODE(os.stat(cwd).st_mode) & 0o222


def test_draft_runs_bash_in_the_working_tree(tmp_repo):
    r = tmp_repo
    _setup(r)
    r.write("scripts/check.py", "print('working copy')\n")
    res = r.cli("run", "check", "--draft", "--json")
    assert res.code == 0, res
    out = {s["name"]: s for s in res.json()["steps"]}
    assert out["script"]["results"][0]["stdout"].strip() == "working copy"
    assert os.path.realpath(out["where"]["results"][0]["stdout"].strip()) == os.path.realpath(r.path)


def test_exports_are_reused_and_the_least_recently_used_are_removed(tmp_repo):
    r = tmp_repo
    repo = Repo.discover(r.path)
    commits = []
    for i in range(treecache.KEEP + 2):
        r.write("f.txt", f"{i}\n")
        commits.append(r.commit(f"c{i}"))
    first = treecache.export(repo, commits[0])
    assert treecache.export(repo, commits[0]) == first  # cached
    for c in commits[1:]:
        treecache.export(repo, c)
    left = sorted(p.name for p in (repo.common_dir / treecache.DIR).iterdir())
    assert len(left) == treecache.KEEP and commits[-1] in left and commits[0] not in left
    assert (repo.common_dir / treecache.DIR / commits[-1] / "f.txt").read_text() == f"{treecache.KEEP + 1}\n"


def test_a_run_without_bash_makes_no_export(tmp_repo):
    r = tmp_repo
    assert r.cli("deploy", "hello-alert", "-m", "first").code == 0
    assert r.cli("run", "hello-alert").code == 0
    assert not (Repo.discover(r.path).common_dir / treecache.DIR).exists()


def test_threads_exporting_the_same_commit_at_once_all_get_the_tree(tmp_repo):
    """keepwf serve's workers are threads of one process: their exports of one commit must not collide."""
    import threading

    from keepwf.store import treecache
    from keepwf.store.repo import Repo

    commit = tmp_repo.git("rev-parse", "HEAD")
    got, errors = [], []

    def one():
        try:
            got.append(treecache.export(Repo.discover(tmp_repo.path), commit))
        except Exception as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(got) == 6 and len(set(got)) == 1 and (got[0] / "workflows").is_dir()
