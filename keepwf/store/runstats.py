"""Per-version run counts (runs, failed, last run) without re-reading every run each time.

A small cache in ``.git/keepwf/run-stats.json`` maps each chain ref to the tip it was counted at. The next count walks
only the commits added since (libgit2's walker with the old tip hidden), so ``keepwf history`` stays fast at 100,000
runs. The cache is only an optimisation: a missing or unreadable file means a full count; it is rewritten atomically.
"""

from __future__ import annotations

import json
import os

from keepwf.model.runrecord import decode_line
from keepwf.model.runtrust import untrusted_reason

CACHE = "keepwf/run-stats.json"
CHECKED = 1  # counts leave out untrusted records (entries without it are recounted)


def _load(repo) -> dict:
    try:
        return json.loads((repo.common_dir / CACHE).read_text())
    except (OSError, ValueError):
        return {}


def _save(repo, data: dict) -> None:
    path = repo.common_dir / CACHE
    try:
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, path)
    except OSError:  # a read-only repository: no cache, still correct
        pass


def chain_stats(repo, refs: dict[str, str]) -> dict[str, dict]:
    """``{ref: {"runs", "failed", "success", "last_started", "last_status"}}`` for the given ``{ref: tip sha}``."""
    import pygit2

    from keepwf.store.runguard import EMPTY_TREE, check_chain_commit

    pg = repo.pg
    cache = _load(repo)
    changed = False
    out = {}
    for ref, tip in refs.items():
        entry = cache.get(ref)
        if entry and entry.get("checked") != CHECKED:  # counted by a keepwf that did not leave out untrusted records
            entry = None
        if entry and entry.get("tip") == tip:
            out[ref] = entry
            continue
        base = {"runs": 0, "failed": 0, "success": 0, "last_started": None, "last_status": None, "checked": CHECKED}
        parts = ref.split("/")[3:]
        chain = tuple(parts) if len(parts) == 3 else None
        check_chain_commit(pg, ref, pygit2.Oid(hex=tip))
        walker = pg.walk(pygit2.Oid(hex=tip), pygit2.enums.SortMode.NONE)
        if entry and entry.get("tip") and entry["tip"] in pg:
            try:
                if pg.descendant_of(tip, entry["tip"]):
                    walker.hide(pygit2.Oid(hex=entry["tip"]))
                    base = dict(entry)
            except (pygit2.GitError, ValueError):
                pass
        for c in walker:
            if str(c.tree_id) != EMPTY_TREE:  # a chain pointed at a tree or code commit: refused, naming the ref
                check_chain_commit(pg, ref, c.id)
            rec = decode_line(c.message)
            if rec is None or untrusted_reason(rec, recorded_at=c.commit_time, chain=chain) is not None:
                continue  # not a run, or a record keepwf did not write (keepwf.model.runtrust): never counted
            base["runs"] += 1
            st = rec.get("status")
            if st == "success":
                base["success"] += 1
            elif st in ("error", "timeout"):
                base["failed"] += 1
            if base["last_started"] is None or rec["started"] > base["last_started"]:
                base["last_started"], base["last_status"] = rec["started"], st
        base["tip"] = tip
        cache[ref] = out[ref] = base
        changed = True
    if changed:
        _save(repo, cache)
    return out
