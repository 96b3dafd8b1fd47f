"""Issue 10 #11: a read-only repository or a full disk is a clear exit 3 before anything runs, never a run with no
record nor an "internal error". Real file systems: a small tmpfs in a private mount namespace (``unshare -rm``),
remounted read-only or filled up, holding a copy of the repository."""

from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

from tests.helpers import workflow_yaml


def _namespaces_work() -> bool:
    try:
        cp = subprocess.run(["unshare", "-rm", "sh", "-c", "d=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs $d"],
                            capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return cp.returncode == 0


pytestmark = pytest.mark.skipif(not _namespaces_work(),
                                reason="needs `unshare -rm` and tmpfs mounts (user and mount namespaces)")

COMMANDS = {
    "run": ["run", "pager"],
    "run-draft": ["run", "pager", "--draft"],
    "deploy": ["deploy", "pager", "-m", "four"],
    "approve": ["approve", "pager", "-m", "ok"],
    "prune": ["prune", "--keep", "1"],
}


@pytest.fixture
def repo(tmp_repo, tmp_path):
    marker = tmp_path / "the-step-ran"
    extra = f"""
    - name: touch
      provider:
        type: bash
        with:
          command: touch {marker}
"""
    for word in ("one", "two", "three"):
        tmp_repo.write("workflows/pager.yml", workflow_yaml("pager", word, extra=extra))
        tmp_repo.commit(word)
        assert tmp_repo.cli("deploy", "pager", "-m", word).code == 0
    assert tmp_repo.cli("run", "pager").code == 0
    marker.unlink()
    tmp_repo.write("workflows/pager.yml", workflow_yaml("pager", "four", extra=extra))
    tmp_repo.commit("four, not deployed yet")
    return tmp_repo, marker


def _run_in_namespace(repo, tmp_path, mode: str, commands: dict[str, list[str]]) -> dict[str, tuple[int, str]]:
    out = tmp_path / "out"
    out.mkdir()
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    lines = ["set -e", f"mount -t tmpfs -o size=8m tmpfs {mnt}", f"cp -a {repo.path} {mnt}/repo", f"cd {mnt}/repo"]
    if mode == "read-only":
        lines.append(f"mount -o remount,ro {mnt}")
    else:
        lines.append(f"dd if=/dev/zero of={mnt}/fill bs=4k 2>/dev/null || true")
    lines.append("set +e")
    for name, args in commands.items():
        cmd = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "keepwf", *args])
        lines.append(f"{cmd} >{out}/{name}.out 2>{out}/{name}.err; echo $? >{out}/{name}.rc")
    cp = subprocess.run(["unshare", "-rm", "sh", "-c", "\n".join(lines)], capture_output=True, text=True, timeout=300)
    assert cp.returncode == 0, cp.stderr
    return {name: (int((out / f"{name}.rc").read_text()), (out / f"{name}.err").read_text()) for name in commands}


@pytest.mark.slow
@pytest.mark.parametrize("mode,words", [("read-only", "read-only"), ("full", "disk is full")])
def test_nothing_runs_when_the_run_cannot_be_recorded(repo, tmp_path, mode, words):
    r, marker = repo
    results = _run_in_namespace(r, tmp_path, mode, COMMANDS)
    for name, (code, err) in results.items():
        assert code == 3, (name, code, err)
        assert words in err and "internal error" not in err and "Traceback" not in err, (name, err)
    assert "so it was not started" in results["run"][1]
    assert not marker.exists()  # the bash step never ran


def test_check_recordable_is_one_service_call(repo, monkeypatch):
    """The check `run`, `trigger` and a server share: a disk error while probing is a StateError naming the cause."""
    import errno
    import os

    from keepwf.errors import StateError
    from keepwf.service.execute import check_recordable, resolve_target
    from keepwf.store.repo import Repo
    from keepwf.store.settings import load_config

    r, marker = repo
    rp = Repo.discover(r.path)
    t = resolve_target(rp, load_config(rp), "pager", version=None, env=None, draft=False)
    check_recordable(rp, t)  # a healthy repository: no error
    real_write = os.write

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(StateError, match="disk is full"):
        check_recordable(rp, t)
    monkeypatch.setattr(os, "write", real_write)
    assert not any(p.name.startswith("keepwf-probe") for p in (r.path / ".git" / "objects").iterdir())
