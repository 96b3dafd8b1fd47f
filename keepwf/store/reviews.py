"""Reviews in git: JSON Lines notes on ``refs/notes/keepwf/reviews``, attached to the reviewed blob.

Appending is a compare-and-swap on the notes ref: build the new notes commit on top of the ref as read, then
``git update-ref REF NEW OLD`` (git locks the ref and checks OLD under the lock); if someone else appended
meanwhile, start again from their commit. No approval is ever lost to a concurrent writer. Both the flat and the
fan-out (``ab/cdef…``) note layouts that ``git notes`` produces are read and kept.
"""

from __future__ import annotations

import random
import time

from keepwf.errors import StateError
from keepwf.model.review import Review
from keepwf.store.repo import Repo

REVIEWS_REF = "refs/notes/keepwf/reviews"


def _pygit2():
    import pygit2

    return pygit2


def identity(repo: Repo) -> tuple[str, str]:
    """(name, email) of whoever runs keepwf: git's committer identity (env GIT_COMMITTER_*, then user.*)."""
    cp = repo.git("var", "GIT_COMMITTER_IDENT", check=False)
    ident = cp.stdout.decode("utf-8", "replace").strip()
    if cp.returncode != 0 or "<" not in ident:
        raise StateError(
            "git does not know who you are: a review records its reviewer (user.name and user.email are not set)",
            hint='git config --global user.name "Your Name" && git config --global user.email you@example.com',
        )
    name, _, rest = ident.partition("<")
    return name.strip(), rest.partition(">")[0].strip()


def _ref_target(repo: Repo, ref: str) -> str | None:
    cp = repo.git("rev-parse", "-q", "--verify", ref + "^{commit}", check=False)
    return cp.stdout.decode().strip() if cp.returncode == 0 else None


def _note_paths(hexsha: str) -> list[str]:
    return [hexsha, f"{hexsha[:2]}/{hexsha[2:]}", f"{hexsha[:2]}/{hexsha[2:4]}/{hexsha[4:]}"]


def _find(repo: Repo, tree, hexsha: str) -> tuple[str | None, bytes]:
    if tree is None:
        return None, b""
    for path in _note_paths(hexsha):
        try:
            entry = tree[path]
        except KeyError:
            continue
        return path, repo.pg[entry.id].data
    return None, b""


def _put(repo: Repo, tree, parts: list[str], blob_id):
    from pygit2.enums import FileMode

    tb = repo.pg.TreeBuilder(tree) if tree is not None else repo.pg.TreeBuilder()
    if len(parts) == 1:
        tb.insert(parts[0], blob_id, FileMode.BLOB)
    else:
        sub = None
        if tree is not None:
            try:
                sub = repo.pg[tree[parts[0]].id]
            except KeyError:
                sub = None
        tb.insert(parts[0], _put(repo, sub, parts[1:], blob_id), FileMode.TREE)
    return tb.write()


def append(repo: Repo, target: str, line: str, *, ref: str = REVIEWS_REF, attempts: int = 60) -> None:
    """Append ``line`` to the note of object ``target`` on ``ref``, safely under concurrent writers."""
    from keepwf.store.reftx import writer_lock
    from keepwf.store.tags import lock_wait

    name, email = identity(repo)
    with writer_lock(repo, [ref], wait=lock_wait()):  # clears the lock a killed `git update-ref` left on the ref
        _append_locked(repo, target, line, ref, attempts, name, email)


def _append_locked(repo: Repo, target: str, line: str, ref: str, attempts: int, name: str, email: str) -> None:
    from keepwf.store.reftx import clear_stale

    pygit2 = _pygit2()
    for attempt in range(attempts):
        old = _ref_target(repo, ref)
        tree = repo.pg[old].peel(pygit2.Tree) if old else None
        path, existing = _find(repo, tree, target)
        if existing and not existing.endswith(b"\n"):
            existing += b"\n"
        blob = repo.pg.create_blob(existing + line.encode("utf-8") + b"\n")
        new_tree = _put(repo, tree, (path or target).split("/"), blob)
        sig = pygit2.Signature(name, email)
        commit = repo.pg.create_commit(None, sig, sig, "keepwf: review\n", new_tree, [pygit2.Oid(hex=old)] if old else [])
        cp = repo.git("update-ref", "-m", "keepwf: review", ref, str(commit), old or "", check=False)
        if cp.returncode == 0:
            return
        clear_stale(repo, [ref])  # a git process killed while holding the ref's lock (removed once it is stale)
        time.sleep(random.uniform(0.005, 0.03) * (1 + min(attempt, 10)))
    raise StateError(
        f"could not record the review: {ref} kept changing under {attempts} attempts (many concurrent writers?)",
        hint="run the same command again",
    )


def _parse(data: bytes) -> list[Review]:
    out = []
    for line in data.decode("utf-8", "replace").splitlines():
        r = Review.from_line(line)
        if r is not None:
            out.append(r)
    return out


def reviews_of_blob(repo: Repo, blob: str, ref: str = REVIEWS_REF) -> list[Review]:
    """Every review line attached to ``blob`` (oldest first)."""
    pygit2 = _pygit2()
    old = _ref_target(repo, ref)
    if old is None:
        return []
    _path, data = _find(repo, repo.pg[old].peel(pygit2.Tree), blob)
    return sorted(_parse(data), key=lambda r: r.time)


def all_reviews(repo: Repo, ref: str = REVIEWS_REF) -> list[Review]:
    """Every review in the notes ref (oldest first)."""
    pygit2 = _pygit2()
    old = _ref_target(repo, ref)
    if old is None:
        return []
    out: list[Review] = []

    def walk(tree) -> None:
        for e in tree:
            obj = repo.pg[e.id]
            if isinstance(obj, pygit2.Tree):
                walk(obj)
            elif isinstance(obj, pygit2.Blob):
                out.extend(_parse(obj.data))

    walk(repo.pg[old].peel(pygit2.Tree))
    return sorted(out, key=lambda r: r.time)


def _union(*texts: bytes) -> bytes:
    """git's ``cat_sort_uniq``: every non-empty line of every side, sorted, each once."""
    lines = {ln for t in texts for ln in t.decode("utf-8", "replace").split("\n") if ln.strip()}
    return "".join(ln + "\n" for ln in sorted(lines)).encode("utf-8")


def merge_reviews_from(repo: Repo, src_prefix: str, ref: str = REVIEWS_REF) -> int:
    """Merge the reviews notes fetched to ``<src_prefix>notes/keepwf/reviews`` into ours (union of lines per object,
    in a merge commit with both sides as parents, so a later push fast-forwards). Returns 1 if ours changed."""
    from keepwf.store import notestree
    from keepwf.store.reftx import current, locked_update
    from keepwf.store.runmerge import merge_commits

    pygit2 = _pygit2()
    pg = repo.pg
    theirs = current(pg, f"{src_prefix}notes/keepwf/{ref.rsplit('/', 1)[-1]}")
    if theirs is None:
        return 0
    name, email = identity(repo)
    sig = pygit2.Signature(name, email)

    def make(a, b):
        tree = pg[a].tree
        for sha, blob in notestree.iter_notes(pg, pg[b].tree):
            mine = notestree.read_note(pg, tree, sha)
            text = _union(mine, pg[blob].data)
            if text != mine:
                tree = pg[notestree.write_note(pg, tree, sha, pg.create_blob(text))]
        return pg.create_commit(None, sig, sig, "keepwf: merge reviews\n", tree.id, [a, b])

    def build():
        new = merge_commits(pg, current(pg, ref), theirs, make)
        return {} if new is None else {ref: new}

    return 1 if locked_update(repo, [ref], build, "keepwf: merge reviews") else 0
