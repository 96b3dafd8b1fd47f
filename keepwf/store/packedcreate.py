"""Create many refs at once, truly all or none, and survive ``kill -9`` at any instant.

A libgit2 (or git) reference transaction on loose refs renames one ``<ref>.lock`` after another: a process killed
in that loop leaves some refs created and the rest as stale ``.lock`` files that make git and keepwf refuse those
names. So new deploy refs are written the way ``git pack-refs`` writes: every new ref's loose ``<ref>.lock`` is
taken (so no other writer, keepwf or git, can create the same name meanwhile; existence is re-checked under the
lock), then ``packed-refs`` is rewritten with the new entries under ``packed-refs.lock`` and renamed into place — one
atomic rename makes all of them visible at once. Then the loose locks are released.

Stale locks: every writer holds the fcntl lock on ``.git/keepwf.lock`` (the kernel drops it when a process dies)
and, while it holds ref locks, lists them in ``.git/keepwf-locks``. A writer that gets the fcntl lock and finds that
journal knows its author died holding those locks, and removes them at once (the next deploy works immediately).
"""

from __future__ import annotations

import os
from pathlib import Path

JOURNAL = "keepwf-locks"
HEADER = b"# pack-refs with: peeled fully-peeled sorted \n"


def recover(common: Path) -> list[str]:
    """Remove the ref locks a dead keepwf writer left (call while holding ``keepwf.lock``). Returns their paths."""
    journal = common / JOURNAL
    try:
        names = journal.read_text().split("\n")
    except FileNotFoundError:
        return []
    removed = []
    for name in filter(None, names):
        lock = common / (name + ".lock")
        try:
            lock.unlink()
            removed.append(str(lock))
        except FileNotFoundError:
            pass
    journal.unlink(missing_ok=True)
    return removed


def write_journal(common: Path, names: list[str], packed: bool = True) -> None:
    """Name the ref locks this writer is about to take (and ``packed-refs``'s unless ``packed`` is False)."""
    tmp = common / (JOURNAL + ".tmp")
    tmp.write_text("\n".join([*names, *(["packed-refs"] if packed else [])]) + "\n")
    os.replace(tmp, common / JOURNAL)  # whole or absent


def clear_journal(common: Path) -> None:
    (common / JOURNAL).unlink(missing_ok=True)


def _entries(data: bytes) -> tuple[bytes, dict[bytes, bytes]]:
    """``(header, {refname: the entry's lines})`` of a packed-refs file."""
    header = HEADER
    out: dict[bytes, bytes] = {}
    last = None
    for ln in data.splitlines(keepends=True):
        if ln.startswith(b"#"):
            header = ln
        elif ln.startswith(b"^") and last is not None:
            out[last] += ln
        elif ln.strip():
            last = ln.rstrip(b"\n").split(b" ", 1)[1]
            out[last] = ln if ln.endswith(b"\n") else ln + b"\n"
    return header, out


def write_packed(pg, common: Path, refs: dict[str, str]) -> None:
    """Add ``refs`` (name → object SHA; none of them may exist) to ``packed-refs`` in one atomic rename.
    Raises FileExistsError when another writer holds ``packed-refs.lock`` (retry)."""
    import pygit2

    lock = common / "packed-refs.lock"
    fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            data = (common / "packed-refs").read_bytes()
        except FileNotFoundError:
            data = b""
        header, entries = _entries(data)
        for name, sha in refs.items():
            obj = pg[pygit2.Oid(hex=sha)]
            text = f"{sha} {name}\n"
            if isinstance(obj, pygit2.Tag):
                text += f"^{obj.peel(pygit2.Commit).id}\n"
            entries[name.encode()] = text.encode()
        body = header + b"".join(entries[k] for k in sorted(entries))
        view = memoryview(body)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(lock, common / "packed-refs")
    except BaseException:
        if fd >= 0:
            os.close(fd)
        lock.unlink(missing_ok=True)
        raise
