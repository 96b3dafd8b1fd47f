"""Read-only exports of a commit's tree (``.git/keepwf/trees/<commit>/``): the working directory of bash steps of a
deployed version, so a script the workflow calls (``python3 check.py``) is the one that was deployed, never the
working copy's.

One export per commit, made once (``git read-tree`` into a private index, then ``git checkout-index`` — modes,
symlinks and ``.gitattributes`` apply as in a checkout — into a temporary folder renamed into place, so concurrent
runs never see half a tree) and reused; its files and folders are made read-only. Using an export marks it (its folder's time); past ``KEEP`` exports, the least recently used are removed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
from pathlib import Path

from keepwf.errors import StateError

DIR = "keepwf/trees"
KEEP = 8  # exports kept; older ones are removed when a new one is made


def _folder(repo) -> Path:
    return repo.common_dir / DIR


def export(repo, commit: str) -> Path:
    """The folder holding the tree of ``commit`` (a full SHA), exported on first use; read-only."""
    base = _folder(repo)
    final = base / commit
    if final.is_dir():
        _touch(final)
        return final
    base.mkdir(parents=True, exist_ok=True)
    tag = f"{os.getpid()}.{secrets.token_hex(4)}"  # unique per process and thread (serve's workers share a pid)
    tmp = base / f".{commit}.{tag}.tmp"
    index = base / f".{commit}.{tag}.index"
    try:
        _remove(tmp)
        tmp.mkdir()
        env = {"GIT_INDEX_FILE": str(index)}
        repo.git("read-tree", commit, env=env)
        repo.git(f"--work-tree={tmp}", "checkout-index", "--all", "--force", env=env)
        _read_only(tmp)
        try:
            os.rename(tmp, final)
        except OSError:  # another run exported it first: use theirs
            if not final.is_dir():
                raise
    except StateError as e:
        raise StateError(f"cannot export the tree of {commit[:10]} for bash steps: {e.message}",
                         hint="check that the commit exists (git cat-file -t " + commit[:10] + ")") from None
    finally:
        _remove(tmp)
        try:
            index.unlink()
        except OSError:
            pass
    _touch(final)
    prune(repo, keep=KEEP)
    return final


def prune(repo, keep: int = KEEP) -> list[str]:
    """Remove all but the ``keep`` most recently used exports; returns the commits removed."""
    base = _folder(repo)
    try:
        dirs = [d for d in base.iterdir() if d.is_dir() and not d.name.startswith(".")]
    except OSError:
        return []
    dirs.sort(key=lambda d: d.stat().st_mtime, reverse=True)
    removed = []
    for d in dirs[keep:]:
        _remove(d)
        removed.append(d.name)
    return removed


def _touch(d: Path) -> None:
    try:
        os.utime(d)
    except OSError:  # a read-only folder we do not own: the export still works, it just ages
        pass


def _read_only(top: Path) -> None:
    """Files lose their write bits (an executable stays executable); folders last, bottom-up."""
    for root, dirs, files in os.walk(top, topdown=False):
        for name in files:
            p = os.path.join(root, name)
            if not os.path.islink(p):
                mode = os.stat(p).st_mode
                os.chmod(p, stat.S_IMODE(mode) & ~0o222)
        for name in dirs:
            p = os.path.join(root, name)
            if not os.path.islink(p):
                os.chmod(p, 0o555)
    os.chmod(top, 0o555)


def _remove(d: Path) -> None:
    """Remove an export (its folders are read-only: make each writable first)."""
    if not d.exists():
        return
    for root, dirs, _files in os.walk(d):
        for name in dirs:
            p = os.path.join(root, name)
            if not os.path.islink(p):
                try:
                    os.chmod(p, 0o755)
                except OSError:
                    pass
    try:
        os.chmod(d, 0o755)
    except OSError:
        pass
    shutil.rmtree(d, ignore_errors=True)
