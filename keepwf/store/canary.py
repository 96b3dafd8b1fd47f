"""Canary state in git: ``refs/keepwf/canary/<env>/<workflow>``, an append-only chain of empty-tree commits whose
messages are JSON state records (docs/canary.md, "State in git").

Appending is a compare-and-swap under the ref's lock (``reftx.locked_update``): the writer says which tip it
decided on; if another process moved the chain meanwhile, ``Moved`` is raised and the caller re-reads and decides
again (decisions are recomputed from the run log, so a retry is idempotent). Diverged chains from two clones are
joined by a merge commit (``merge``); readers take every record reachable, ordered by time.
"""

from __future__ import annotations

import json
from typing import Any

from keepwf.config import valid_ref_component
from keepwf.errors import StateError
from keepwf.store.reftx import current, list_refs, locked_update

CANARY_PREFIX = "refs/keepwf/canary/"
_EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
MAX_RECORDS = 10_000


class Moved(Exception):
    """The chain's tip is not the one the decision was made on."""


def chain_ref(env: str, wf: str) -> str:
    if not (valid_ref_component(env) and valid_ref_component(wf)):
        raise StateError(f"cannot name a canary chain for {wf!r} in {env!r}")
    return f"{CANARY_PREFIX}{env}/{wf}"


def tip(repo, env: str, wf: str) -> str | None:
    oid = current(repo.pg, chain_ref(env, wf))
    return None if oid is None else str(oid)


def records(repo, env: str, wf: str) -> list[dict[str, Any]]:
    """Every state record of the chain (all parents of merges), oldest first by their time then commit order."""
    t = tip(repo, env, wf)
    return [] if t is None else records_from(repo, t)


def records_from(repo, tip_sha: str) -> list[dict[str, Any]]:
    pg = repo.pg
    seen: set[str] = set()
    out: list[tuple[str, int, dict]] = []
    stack = [tip_sha]
    order = 0
    while stack and len(seen) < MAX_RECORDS:
        sha = stack.pop()
        if sha in seen:
            continue
        seen.add(sha)
        c = pg[sha]
        stack.extend(str(p) for p in c.parent_ids)
        try:
            rec = json.loads(c.message)
        except ValueError:
            continue  # a merge commit, or a line this reader does not understand
        if isinstance(rec, dict) and rec.get("v") == 1 and isinstance(rec.get("event"), str):
            order += 1
            out.append((str(rec.get("at", "")), -order, rec))
    out.sort(key=lambda x: (x[0], x[1]))
    return [r for _, _, r in out]


def append(repo, env: str, wf: str, record: dict[str, Any], expected_tip: str | None) -> str:
    """Append ``record`` if the chain's tip is still ``expected_tip`` (else ``Moved``). Returns the new commit."""
    import pygit2

    ref = chain_ref(env, wf)
    pg = repo.pg
    body = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
    sig = pygit2.Signature("keepwf", "keepwf@localhost")

    def build() -> dict:
        now_tip = current(pg, ref)
        if (None if now_tip is None else str(now_tip)) != expected_tip:
            raise Moved(ref)
        if not pg.odb.exists(_EMPTY_TREE):
            pg.odb.write(pygit2.enums.ObjectType.TREE, b"")
        parents = [] if now_tip is None else [now_tip]
        oid = pg.create_commit(None, sig, sig, body + "\n", pygit2.Oid(hex=_EMPTY_TREE), parents)
        return {ref: oid}

    return str(locked_update(repo, [ref], build, "keepwf canary")[ref])


def all_chains(repo) -> dict[str, str]:
    return list_refs(repo, CANARY_PREFIX)


def merge(repo, ref: str, ours: str | None, theirs: str) -> str:
    """Join a fetched chain into ours: fast-forward when one contains the other, else a merge commit."""
    import pygit2

    pg = repo.pg
    if ours is None or ours == theirs or pg.descendant_of(theirs, ours):
        new = theirs
    elif pg.descendant_of(ours, theirs):
        return ours
    else:
        sig = pygit2.Signature("keepwf", "keepwf@localhost")
        new = str(pg.create_commit(None, sig, sig, "keepwf: merge canary state\n", pygit2.Oid(hex=_EMPTY_TREE),
                                   [pygit2.Oid(hex=ours), pygit2.Oid(hex=theirs)]))

    def build() -> dict:
        now = current(pg, ref)
        if (None if now is None else str(now)) != ours:
            raise Moved(ref)
        return {ref: pygit2.Oid(hex=new)}

    locked_update(repo, [ref], build, "keepwf sync canary")
    return new
