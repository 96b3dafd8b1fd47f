"""Guards of the run log: a run-chain ref must hold runs, and a run is started only when it can be recorded.

- ``check_chain_commit``: a chain ref (``refs/keepwf/runs/…``, ``refs/keepwf/drafts/…``) pointed at a tree, a blob, a
  tag or a code commit (``git update-ref refs/keepwf/runs/… main``) is refused with the ref named — never walked into
  the code history, never appended onto.
- ``check_recordable``: before a run starts, its chain is checked and ``.git`` is probed with a write of
  ``PROBE_BYTES`` (then removed): read-only, full, over quota or not permitted is a StateError naming the cause.
"""

from __future__ import annotations

import os

from keepwf.errors import StateError, storage_error
from keepwf.store.reftx import current

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
PROBE_BYTES = 64 * 1024  # written (then removed) before a run starts, to know the disk can take its record


def check_chain_commit(pg, ref: str, oid):
    """The commit ``oid`` when it is one keepwf writes on a run chain (a run or a merge of runs: its tree is the empty
    tree); else StateError naming ``ref``."""
    obj = pg[oid]
    if obj.type_str != "commit":
        raise _bad_chain(ref, f"a {obj.type_str} ({str(obj.id)[:10]})")
    if str(obj.tree_id) != EMPTY_TREE:
        raise _bad_chain(ref, f"commit {str(obj.id)[:10]}, which holds files (a code commit, not a run)")
    return obj


def _bad_chain(ref: str, what: str) -> StateError:
    return StateError(f"{ref} is not a run chain: it reaches {what}; keepwf neither reads nor appends to it",
                      hint=f"inspect it with `git log --format=%H%x20%s -3 {ref}`; point it back at its last run "
                           f"(git update-ref {ref} SHA) or delete it (git update-ref -d {ref})")


def check_recordable(repo, kind: str, env: str, workflow: str, version: str | None) -> None:
    """Raise StateError (exit 3) when a run of ``workflow`` ``version`` in ``env`` could not be recorded in the
    ``kind`` log (``runs``/``drafts``) — checked before anything runs."""
    from keepwf.store.runlog import chain_ref

    ref = chain_ref(kind, {"env": env, "workflow": workflow, "version": version})
    tip = current(repo.pg, ref)
    if tip is not None:
        check_chain_commit(repo.pg, ref, tip)
    probe = repo.common_dir / "objects" / f"keepwf-probe.{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(bytes(PROBE_BYTES))
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)
        os.close(os.open(repo.common_dir / "keepwf.lock", os.O_RDWR | os.O_CREAT, 0o644))
    except OSError as e:
        err = storage_error(e, "record the run, so it was not started")
        if err is None:
            err = StateError(f"cannot record the run, so it was not started: {e.strerror or e} "
                             f"({e.filename or repo.common_dir})", hint="check the repository's .git folder")
        raise err from e
