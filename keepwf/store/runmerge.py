"""Merging another clone's run log into ours: union of runs, no loss, no duplicate, no force.

The other side's refs are fetched into a private namespace (``refs/keepwf/remotes/<remote>/…``). For each run chain:
absent here → take theirs; one contains the other → fast-forward (or nothing); diverged → a merge commit joining
both (readers walk both parents and drop a run_id seen twice). For the notes ref: per annotated commit the union of
both notes' lines (by run_id, sorted by start time, trimmed like every note), in a merge commit whose parents are
both notes commits — so the result fast-forwards from either side and a later push needs no force.
"""

from __future__ import annotations

from keepwf.store import notestree
from keepwf.store.reftx import current, list_refs, locked_update
from keepwf.store.runguard import EMPTY_TREE as _EMPTY_TREE
from keepwf.store.runlog import KINDS, MERGE_MESSAGE, chain_prefix, ensure_empty_tree, notes_ref, trim_lines



def _sig():
    import pygit2

    return pygit2.Signature("keepwf", "keepwf@localhost")


def merge_commits(pg, ours, theirs, make_merge) -> object | None:
    """The new tip for a ref at ``ours`` receiving ``theirs``; None when nothing changes."""
    if theirs is None or ours == theirs:
        return None
    if ours is None:
        return theirs
    if pg.descendant_of(ours, theirs):
        return None
    if pg.descendant_of(theirs, ours):
        return theirs
    return make_merge(ours, theirs)


def merge_notes_trees(pg, ours_tree, theirs_tree):
    """A notes tree holding, for every annotated commit, the union of both sides' lines (trimmed)."""
    theirs_notes: dict[str, list] = {}
    for sha, blob in notestree.iter_notes(pg, theirs_tree):
        theirs_notes.setdefault(sha, []).append(blob)
    tree = ours_tree
    for sha, blobs in theirs_notes.items():
        mine = notestree.read_note(pg, ours_tree, sha)
        lines = mine.decode("utf-8", "replace").split("\n")
        for b in blobs:
            lines += pg[b].data.decode("utf-8", "replace").split("\n")
        text = trim_lines(lines).encode()
        if text == mine:
            continue
        tree = pg[notestree.write_note(pg, tree, sha, pg.create_blob(text))]
    return tree


def _check_new_commits(pg, src_ref: str, theirs, ours) -> None:
    """Refuse (StateError naming the remote's ref) a fetched chain that reaches a tree or a code commit; only the
    commits this side does not have yet are read."""
    import pygit2

    from keepwf.store.runguard import check_chain_commit

    check_chain_commit(pg, src_ref, theirs)
    walker = pg.walk(theirs, pygit2.enums.SortMode.NONE)
    if ours is not None:
        walker.hide(ours)
    for c in walker:
        if str(c.tree_id) != _EMPTY_TREE:
            check_chain_commit(pg, src_ref, c.id)


def merge_from(repo, src_prefix: str) -> dict[str, int]:
    """Merge the run log stored under ``src_prefix`` (e.g. ``refs/keepwf/remotes/origin/``) into ours.

    ``src_prefix`` mirrors our names: ``<src>keepwf/runs/…`` for chains, ``<src>notes/keepwf/runs`` for notes.
    Returns counts: chains taken, fast-forwarded, merged; notes merged.
    """
    import pygit2

    pg = repo.pg
    sig = _sig()
    stats = {"new": 0, "fast_forward": 0, "merged": 0, "notes": 0}
    empty = pygit2.Oid(hex=_EMPTY_TREE)
    ensure_empty_tree(pg)
    for kind in KINDS:
        theirs_chains = list_refs(repo, f"{src_prefix}keepwf/{kind}/")
        for src_ref, sha in theirs_chains.items():
            ref = chain_prefix(kind) + src_ref[len(f"{src_prefix}keepwf/{kind}/"):]
            theirs = pygit2.Oid(hex=sha)

            _check_new_commits(pg, src_ref, theirs, current(pg, ref))

            def build(ref=ref, theirs=theirs):
                ours = current(pg, ref)
                new = merge_commits(pg, ours, theirs, lambda a, b: pg.create_commit(None, sig, sig, MERGE_MESSAGE, empty, [a, b]))
                if new is None:
                    return {}
                stats["new" if ours is None else ("fast_forward" if new == theirs else "merged")] += 1
                return {ref: new}

            locked_update(repo, [ref], build, "keepwf: merge runs")
        src_notes = current(pg, f"{src_prefix}notes/keepwf/{kind}")
        if src_notes is None:
            continue
        nref = notes_ref(kind)

        def build_notes(nref=nref, theirs=src_notes):
            ours = current(pg, nref)

            def make(a, b):
                tree = merge_notes_trees(pg, pg[a].tree, pg[b].tree)
                return pg.create_commit(None, sig, sig, "keepwf: merge run notes\n", tree.id, [a, b])

            new = merge_commits(pg, ours, theirs, make)
            if new is None:
                return {}
            stats["notes"] += 1
            return {nref: new}

        locked_update(repo, [nref], build_notes, "keepwf: merge run notes")
    return stats
