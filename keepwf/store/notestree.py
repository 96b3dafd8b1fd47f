"""Reading and writing one note in a notes tree, whatever its fanout.

git stores the note of object ``abcdef…`` at ``abcdef…`` (flat) or ``ab/cdef…`` (fanout 1) or deeper, and re-fans
the tree by itself past ~256 notes. keepwf always writes at fanout 1 (``ab/cdef…``: the tree written per append stays
small however many commits carry notes) and reads every shape, so notes written by git and by keepwf mix.
"""

from __future__ import annotations

from typing import Iterator


def note_paths(sha: str) -> list[str]:
    return [sha, f"{sha[:2]}/{sha[2:]}", f"{sha[:2]}/{sha[2:4]}/{sha[4:]}"]


def _get(pg, tree, path: str):
    try:
        return tree[path]
    except KeyError:
        return None


def read_note(pg, tree, sha: str) -> bytes:
    """The note text on ``sha`` in ``tree`` (all paths concatenated, as git does for duplicates); b"" if none."""
    if tree is None:
        return b""
    parts = []
    for p in note_paths(sha):
        e = _get(pg, tree, p)
        if e is not None and e.type_str == "blob":
            parts.append(pg[e.id].data)
    return b"\n".join(parts)


def write_note(pg, tree, sha: str, blob_oid) -> object:
    """A new tree: ``tree`` with the note on ``sha`` replaced by ``blob_oid`` (at ``xx/rest``). Returns its oid."""
    top = pg.TreeBuilder(tree) if tree is not None else pg.TreeBuilder()
    if tree is not None and _get(pg, tree, sha) is not None:
        top.remove(sha)
    head, rest = sha[:2], sha[2:]
    sub_entry = _get(pg, tree, head) if tree is not None else None
    sub_tree = pg[sub_entry.id] if sub_entry is not None and sub_entry.type_str == "tree" else None
    sub = pg.TreeBuilder(sub_tree) if sub_tree is not None else pg.TreeBuilder()
    if sub_tree is not None:
        deeper = _get(pg, sub_tree, rest[:2])
        if deeper is not None and deeper.type_str == "tree" and _get(pg, pg[deeper.id], rest[2:]) is not None:
            db = pg.TreeBuilder(pg[deeper.id])
            db.remove(rest[2:])
            if len(db):
                sub.insert(rest[:2], db.write(), _filemode_tree())
            else:
                sub.remove(rest[:2])
    sub.insert(rest, blob_oid, _filemode_blob())
    top.insert(head, sub.write(), _filemode_tree())
    return top.write()


def iter_notes(pg, tree, prefix: str = "") -> Iterator[tuple[str, object]]:
    """(annotated sha, blob oid) of every note in ``tree``, at any fanout (duplicates are yielded each)."""
    if tree is None:
        return
    for e in tree:
        name = prefix + e.name
        if e.type_str == "tree":
            yield from iter_notes(pg, pg[e.id], name)
        elif e.type_str == "blob" and len(name) == 40:
            yield name, e.id


def _filemode_blob():
    import pygit2

    return pygit2.enums.FileMode.BLOB


def _filemode_tree():
    import pygit2

    return pygit2.enums.FileMode.TREE
