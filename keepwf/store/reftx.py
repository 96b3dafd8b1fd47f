"""Atomic multi-ref updates with git's own ``<ref>.lock`` files, retried on contention; listing refs by prefix.

``locked_update`` runs ``build(tx_view)`` while holding the locks of every ref it names, then moves all of them in one
libgit2 transaction (each ref is renamed from its lock file: a kill leaves either the old or the new value, never a
torn ref). Contention (another keepwf or git holding a lock) is retried with jittered exponential backoff.

A process killed while holding a ``<ref>.lock`` leaves the file behind, and git would refuse that ref forever. So
keepwf writers also hold an fcntl lock on ``.git/keepwf.lock`` (the kernel drops it when the process dies): a writer
holding it that still finds a ref lock file knows no keepwf holds it; if the file is older than ``STALE_LOCK_S``
(git's own commands hold such locks for milliseconds) it is a leftover of a kill and is removed. A lock's age is
measured in file time (its mtime against a file touched just now in the same directory tree), never against the
process clock: the two disagree under clock skew on shared filesystems and under a shifted test clock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import time
from pathlib import Path
from typing import Callable, Iterable

from keepwf.errors import StateError, storage_error

STALE_LOCK_S = 2.0
RETRY_BUDGET_S = 30.0


def _is_lock_error(e: Exception) -> bool:
    s = str(e).lower()
    return "lock" in s or "exists" in s


def file_clock_now(common_dir: Path) -> float:
    """"Now" as the filesystem holding ``common_dir`` stamps files: the mtime of a file created just now (by the
    kernel, like the lock files it is compared with; ``utime`` would take the process clock)."""
    probe = common_dir / f"keepwf-clock.{os.getpid()}"
    try:
        fd = os.open(probe, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, b"t")
            return os.fstat(fd).st_mtime
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)
    except OSError:  # pragma: no cover - read-only .git: nothing can be cleared anyway
        return time.time()


def _clear_stale_locks(common_dir: Path, refs: Iterable[str]) -> None:
    now = file_clock_now(common_dir)
    for ref in refs:
        lock = common_dir / (ref + ".lock")
        try:
            if now - lock.stat().st_mtime > STALE_LOCK_S:
                lock.unlink()
        except FileNotFoundError:
            pass
        except OSError:  # pragma: no cover - permissions
            pass


@contextlib.contextmanager
def writer_lock(repo, refs: Iterable[str] = (), wait: float = RETRY_BUDGET_S):
    """Every keepwf writer of refs holds this: the fcntl ``keepwf.lock`` (waited for up to ``wait`` seconds), then the
    ref locks a killed process left behind are removed — the journal of a dead keepwf writer at once, and any
    ``<ref>.lock`` of ``refs`` or ``packed-refs.lock`` older than ``STALE_LOCK_S`` (a killed ``git update-ref`` or
    ``git pack-refs``). Not reentrant: a holder must not call another writer (the flock would wait for itself)."""
    with _process_lock(repo, time.monotonic() + wait):
        clear_stale(repo, refs)
        yield


def clear_stale(repo, refs: Iterable[str] = ()) -> None:
    """Remove stale locks of ``refs`` and of packed-refs (call only while holding ``writer_lock``)."""
    _clear_stale_locks(repo.common_dir, [*refs, "packed-refs"])


def current(pg, ref: str):
    """The oid a ref points at, or None."""
    r = pg.references.get(ref)
    return None if r is None else r.target


def locked_update(repo, refs: list[str], build: Callable[[], dict], message: str) -> dict:
    """Lock ``refs``, call ``build()`` (which reads the refs and writes objects) → ``{ref: new oid}``, move them.

    Returns the dict ``build`` returned. Raises StateError when the locks cannot be had within the retry budget.
    """
    return locked_updates(repo, [(refs, build)], message)[0]


def locked_updates(repo, steps: list[tuple[list[str], Callable[[], dict]]], message: str) -> list[dict]:
    """``locked_update`` for several ``(refs, build)`` steps in order, under one hold of ``keepwf.lock``. Each step is
    its own all-or-none transaction and is committed before the next one locks anything: a kill between two steps
    leaves the earlier ones done and the later ones untouched (the run log makes its chain the first step: the
    commit point of a run). A step whose build returns ``{}`` moves nothing."""
    deadline = time.monotonic() + RETRY_BUDGET_S
    with _process_lock(repo, deadline):
        return [_update(repo, sorted(set(refs)), build, message, deadline) for refs, build in steps]


@contextlib.contextmanager
def _process_lock(repo, deadline: float):
    fd = os.open(repo.common_dir / "keepwf.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        delay = 0.0005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StateError("another keepwf process has been writing runs or deploy tags for too long",
                                     hint="retry when it has finished") from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.02)
        from keepwf.store.packedcreate import recover

        recover(repo.common_dir)  # a deploy killed while holding ref locks: its locks go now, not at the next deploy
        yield
    finally:
        os.close(fd)  # closing drops the lock


def _update(repo, refs, build, message, deadline):
    import pygit2

    from keepwf.store import packedcreate

    pg = repo.pg
    delay = 0.001
    while True:
        try:
            # the journal names the locks about to be taken: if this process is killed holding them, the next writer
            # (holding keepwf.lock, so knowing no keepwf holds them) removes them at once (packedcreate.recover)
            packedcreate.write_journal(repo.common_dir, refs, packed=False)
            with pg.transaction() as tx:
                for ref in refs:
                    tx.lock_ref(ref)
                updates = build()
                for ref, oid in updates.items():
                    tx.set_target(ref, oid, message=message)
            return updates
        except pygit2.GitError as e:
            if not _is_lock_error(e):
                raise (storage_error(e, f"update {', '.join(refs)}") or StateError(f"cannot update {', '.join(refs)}: {e}")) from e
            if time.monotonic() > deadline:
                raise StateError(
                    f"cannot update {', '.join(refs)}: another process holds the lock ({e})",
                    hint="retry; if no keepwf or git process is running, remove the .lock file named above",
                ) from e
            _clear_stale_locks(repo.common_dir, refs)
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.05)
        finally:
            packedcreate.clear_journal(repo.common_dir)


def list_refs(repo, prefix: str) -> dict[str, str]:
    """``{refname: sha}`` of every ref starting with ``prefix`` (loose refs override packed ones), read like git does.

    Reading the ref files directly costs a directory walk under the prefix, not a pass over every tag of the
    repository; a reftable repository falls back to libgit2's iterator.
    """
    common = repo.common_dir
    if (common / "reftable").exists():  # pragma: no cover - git ≥ 2.45 option
        return {r.name: str(r.target) for r in repo.pg.references.objects if r.name.startswith(prefix)}
    out: dict[str, str] = {}
    packed = common / "packed-refs"
    if packed.exists():
        pb = prefix.encode()
        with open(packed, "rb") as f:
            for ln in f:
                if ln[:1] in (b"#", b"^"):
                    continue
                sha, _, name = ln.rstrip(b"\n").partition(b" ")
                if name.startswith(pb):
                    out[name.decode()] = sha.decode()
    base = common / prefix.rstrip("/")
    if base.is_dir():
        for dirpath, _dirs, files in os.walk(base):
            for fn in files:
                if fn.endswith(".lock"):
                    continue
                p = Path(dirpath) / fn
                name = p.relative_to(common).as_posix()
                if not name.startswith(prefix):
                    continue
                try:
                    sha = p.read_text().strip()
                except OSError:
                    continue
                if len(sha) == 40:
                    out[name] = sha
    return out
