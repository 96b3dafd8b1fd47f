"""The run log in git: one commit per run on a per-version chain, plus a bounded note on the deployed commit.

Layout (docs/storage.md explains the reasons and the measured figures):

- ``refs/keepwf/runs/<env>/<workflow>/<vN>`` — a chain of commits, one per run of that version; the commit message
  is the record's JSON line, the tree is empty. Draft runs: ``refs/keepwf/drafts/<env>/<workflow>/draft``.
- ``refs/notes/keepwf/runs`` (drafts: ``refs/notes/keepwf/drafts``) — the note on the deployed commit (on HEAD for
  drafts) holds the newest ``NOTE_KEEP`` runs of each workflow/env at that commit, as JSON Lines sorted by start
  time: ``git notes --ref keepwf/runs show <commit>`` shows recent runs, and git's ``cat_sort_uniq`` merges it.

One append = two small commits, a note blob and two small trees, written under the locks of both refs and moved in
one transaction: the cost does not depend on how many runs came before.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any, Iterable, Iterator

from keepwf.config import valid_ref_component
from keepwf.errors import UsageError
from keepwf.model.runrecord import decode_line, decode_lines, encode_line, line_head, line_time_id
from keepwf.store import notestree
from keepwf.store.reftx import current, list_refs, locked_updates
from keepwf.store.runguard import EMPTY_TREE as _EMPTY_TREE, check_chain_commit

NOTE_KEEP = 10  # newest runs per workflow/env kept in a commit's note
NOTE_MAX_BYTES = 64 * 1024  # and at most this much (the newest line always stays)
KINDS = ("runs", "drafts")
MERGE_MESSAGE = "keepwf: merge runs\n"


def ensure_empty_tree(pg) -> None:
    """Write the empty tree object (libgit2 knows its id without it being stored; git fsck wants it stored)."""
    import pygit2

    if not pg.odb.exists(_EMPTY_TREE):
        pg.odb.write(pygit2.enums.ObjectType.TREE, b"")


def notes_ref(kind: str) -> str:
    return f"refs/notes/keepwf/{kind}"


def chain_prefix(kind: str) -> str:
    return f"refs/keepwf/{kind}/"


def chain_ref(kind: str, rec: dict[str, Any]) -> str:
    env, wf = rec["env"], rec["workflow"]
    leaf = "draft" if kind == "drafts" else str(rec.get("version") or "")
    for what, val in (("environment", env), ("workflow id", wf), ("version", leaf)):
        if not valid_ref_component(val):
            raise UsageError(f"cannot record a run: {what} {val!r} cannot be part of a git ref name",
                             hint="use letters, digits, '-', '_' and '.' (keepwf validate reports such ids)")
    return f"{chain_prefix(kind)}{env}/{wf}/{leaf}"


def _heads(lines: list[str]) -> list[tuple[tuple, str]]:
    """((started, run_id, workflow, env), line) per record line; lines not understood go to the caller as None."""
    out = []
    for ln in lines:
        h = line_head(ln)
        if h is None:
            rec = decode_line(ln)
            h = None if rec is None else (rec["started"], rec["run_id"], rec.get("workflow"), rec.get("env"))
        out.append((h, ln))
    return out


def trim_lines(lines: list[str]) -> str:
    """The note text from record lines (any order, duplicates allowed): per workflow/env the newest NOTE_KEEP runs,
    bounded to NOTE_MAX_BYTES (the newest always stays), once each, oldest first; lines not understood are kept."""
    seen: set[str] = set()
    extra: list[str] = []
    by_key: dict[tuple, list[tuple[tuple, str]]] = {}
    for h, ln in _heads([ln.strip() for ln in lines if ln.strip()]):
        if h is None:
            if ln not in extra:
                extra.append(ln)
            continue
        if h[1] in seen:
            continue
        seen.add(h[1])
        by_key.setdefault((h[2], h[3]), []).append((h, ln))
    keep: list[tuple[tuple, str]] = []
    for items in by_key.values():
        items.sort(key=lambda x: (x[0][0], x[0][1]), reverse=True)
        size = 0
        for i, (h, ln) in enumerate(items[:NOTE_KEEP]):
            size += len(ln) + 1
            if i and size > NOTE_MAX_BYTES:
                break
            keep.append((h, ln))
    keep.sort(key=lambda x: (x[0][0], x[0][1]))
    return "".join(ln + "\n" for ln in extra + [ln for _h, ln in keep])


class RunLog:
    """Append and read run records of one kind (``runs`` or ``drafts``) in a repository."""

    def __init__(self, repo, kind: str = "runs"):
        if kind not in KINDS:
            raise ValueError(kind)
        self.repo = repo
        self.pg = repo.pg
        self.kind = kind
        self.notes_ref = notes_ref(kind)
        self._where: dict[str, tuple[int, str]] = {}  # run_id → (commit time, chain ref) of the commit it was read from

    # -- writing ---------------------------------------------------------------------------------------------
    def append(self, rec: dict[str, Any]) -> str:
        """Record one run (strict: a record breaking schema v1 raises RecordError). Returns the run's commit."""
        return self.append_many([rec])[0]

    def append_many(self, recs: list[dict[str, Any]], *, gc: bool = True, graft: bool = False) -> list[str]:
        """Record several runs in one transaction (imports, benchmarks). Each record needs ``commit`` to carry a note.

        ``graft``: the records (sorted by start time) form a branch of their own, joined to each chain by a merge
        commit — for imports of older runs, so every chain stays ordered by start time along each branch.
        """
        import pygit2

        lines = [encode_line(r) for r in recs]
        chains = [chain_ref(self.kind, r) for r in recs]
        pg = self.pg
        sig = pygit2.Signature("keepwf", "keepwf@localhost")
        out: list[str] = []

        def build_chains() -> dict:
            out.clear()
            tips: dict[str, Any] = {}
            empty = pygit2.Oid(hex=_EMPTY_TREE)
            for ref, ln in zip(chains, lines):
                tip = tips[ref] if ref in tips else (None if graft else current(pg, ref))
                if tip is not None and ref not in tips:
                    check_chain_commit(pg, ref, tip)
                tips[ref] = pg.create_commit(None, sig, sig, ln + "\n", empty, [tip] if tip else [])
                out.append(str(tips[ref]))
            if graft:
                for ref in list(tips):
                    old = current(pg, ref)
                    if old is not None:
                        check_chain_commit(pg, ref, old)
                        tips[ref] = pg.create_commit(None, sig, sig, MERGE_MESSAGE, empty, [old, tips[ref]])
            return tips

        def build_notes() -> dict:
            by_commit: dict[str, list[str]] = {}
            for r, ln in zip(recs, lines):
                c = r.get("commit")
                if isinstance(c, str) and len(c) == 40 and c in pg:
                    by_commit.setdefault(c, []).append(ln)
            if not by_commit:
                return {}
            for ref in set(chains):  # runs a kill kept out of the note (after their chain moved): put back now
                for line in self._recent_lines(ref):
                    at = _commit_of(line)
                    if at in by_commit:
                        by_commit[at].append(line)  # trim_lines keeps each run once
            ntip = current(pg, self.notes_ref)
            tree = pg[ntip].tree if ntip else None
            for c, new in by_commit.items():
                old = notestree.read_note(pg, tree, c).decode("utf-8", "replace").split("\n")
                text = trim_lines(old + new)
                blob = pg.create_blob(text.encode())
                tree = pg[notestree.write_note(pg, tree, c, blob)]
            msg = f"keepwf: record {len(recs)} run(s)\n" if len(recs) > 1 else f"keepwf: run {recs[0]['run_id']}\n"
            return {self.notes_ref: pg.create_commit(None, sig, sig, msg, tree.id, [ntip] if ntip else [])}

        self._ensure_empty_tree()
        # Two transactions, chain first: the chain is the run's commit point (readers trust only it). A kill after it
        # leaves the run recorded and the note (a bounded, git-visible view) without it until the next append at that
        # commit puts it back; the note never holds a run the chains do not.
        steps = [(chains, build_chains), ([self.notes_ref], build_notes)]
        locked_updates(self.repo, steps, "keepwf: record run")
        if gc:
            from keepwf.store.housekeeping import maybe_pack

            maybe_pack(self.repo)
        return out

    def _recent_lines(self, ref: str) -> list[str]:
        """The lines of the newest NOTE_KEEP runs on chain ``ref``."""
        tip = current(self.pg, ref)
        if tip is None:
            return []
        return [line.strip() for _s, _r, line in itertools.islice(self.walk_heads(tip, ref), NOTE_KEEP)]

    def _ensure_empty_tree(self) -> None:
        ensure_empty_tree(self.pg)

    # -- reading ---------------------------------------------------------------------------------------------
    def chain_refs(self, env: str | None = None, workflow: str | None = None) -> dict[str, str]:
        prefix = chain_prefix(self.kind)
        if env:
            prefix += env + "/"
            if workflow:
                prefix += workflow + "/"
        refs = list_refs(self.repo, prefix)
        if workflow and not env:
            refs = {k: v for k, v in refs.items() if k[len(prefix):].split("/")[1:2] == [workflow]}
        return refs

    def walk_heads(self, tip, ref: str = "a run chain") -> Iterator[tuple[str, str, str]]:
        """(started, run_id, line) of every record reachable from ``tip``, newest start first, without parsing the
        JSON of each (merge commits are looked through; commits that hold no record are skipped). A linear stretch
        of the chain (the usual case) is followed parent by parent without the heap. Reaching anything but a run
        or merge commit (a tree, a code commit) raises StateError naming ``ref``."""
        pg = self.pg
        where = self._where
        seen: set = set()
        heap: list = []
        tick = itertools.count()

        def head(msg: str):
            h = line_time_id(msg)
            if h is None:
                rec = decode_line(msg)
                h = None if rec is None else (rec["started"], rec["run_id"])
            return h

        def push(oid):
            if oid in seen:
                return
            seen.add(oid)
            c = check_chain_commit(pg, ref, oid)
            msg = c.message
            h = head(msg)
            if h is None:  # a merge commit or a line from a newer keepwf: look through it
                for p in c.parent_ids:
                    push(p)
                return
            where[h[1]] = (c.commit_time, ref)
            heapq.heappush(heap, (_neg(h[0]), _neg(h[1]), next(tick), h[0], h[1], msg, c.parent_ids))

        push(pg[tip].id if isinstance(tip, str) else tip)
        while heap:
            *_, started, run_id, msg, parents = heapq.heappop(heap)
            yield started, run_id, msg
            while not heap and len(parents) == 1 and parents[0] not in seen:
                oid = parents[0]
                c = check_chain_commit(pg, ref, oid)
                msg = c.message
                h = head(msg)
                if h is None:
                    break  # push() looks through it below
                seen.add(oid)
                where[h[1]] = (c.commit_time, ref)
                yield h[0], h[1], msg
                parents = c.parent_ids
            for p in parents:
                push(p)

    def walk_chain(self, tip, ref: str = "a run chain") -> Iterator[dict[str, Any]]:
        """Records reachable from ``tip``, newest start time first (flagged like ``iter_runs``)."""
        for _s, _r, msg in self.walk_heads(tip, ref):
            rec = self.decode(msg)
            if rec is not None:
                yield rec

    def decode(self, line: str) -> dict[str, Any] | None:
        """The record on ``line`` (read by this log's walk), with ``untrusted`` set to the reason when keepwf cannot
        have written it (``keepwf.model.runtrust``: bad id, a start after its own commit, on another run's chain)."""
        from keepwf.model.runtrust import UNTRUSTED, untrusted_reason

        rec = decode_line(line)
        if rec is None:
            return None
        rec.pop(UNTRUSTED, None)  # a reader's mark, never taken from git
        at, ref = self._where.get(rec["run_id"], (None, ""))
        parts = ref[len(chain_prefix(self.kind)):].split("/") if ref.startswith(chain_prefix(self.kind)) else []
        why = untrusted_reason(rec, recorded_at=at, chain=tuple(parts) if len(parts) == 3 else None)
        if why is not None:
            rec[UNTRUSTED] = why
        return rec

    def iter_heads(self, env: str | None = None, workflow: str | None = None) -> Iterator[tuple[str, str, str]]:
        """(started, run_id, line) of every run, newest first, each run once (cheap: JSON parsed by the caller)."""
        gens = [self.walk_heads(sha, ref) for ref, sha in self.chain_refs(env, workflow).items()]
        seen = set()
        for h in heapq.merge(*gens, key=lambda h: (h[0], h[1]), reverse=True):
            if h[1] not in seen:
                seen.add(h[1])
                yield h

    def iter_runs(self, env: str | None = None, workflow: str | None = None, version: str | None = None) -> Iterator[dict[str, Any]]:
        """Every run (of that env/workflow/version), newest first, each once."""
        if version is not None:
            if not (env and workflow):
                raise ValueError("version needs env and workflow")
            ref = f"{chain_prefix(self.kind)}{env}/{workflow}/{version}"
            sha = current(self.pg, ref)
            heads = self.walk_heads(sha, ref) if sha else iter(())
            seen = set()
            for h in heads:
                if h[1] not in seen:
                    seen.add(h[1])
                    rec = self.decode(h[2])
                    if rec is not None:
                        yield rec
            return
        for h in self.iter_heads(env, workflow):
            rec = self.decode(h[2])
            if rec is not None:
                yield rec

    def note(self, commit: str) -> list[dict[str, Any]]:
        """The records in the note on ``commit`` (the bounded, git-visible view)."""
        tip = current(self.pg, self.notes_ref)
        if tip is None:
            return []
        return decode_lines(notestree.read_note(self.pg, self.pg[tip].tree, commit))

    def find(self, prefix: str, limit: int = 5) -> list[dict[str, Any]]:
        """Up to ``limit`` runs whose run_id starts with ``prefix`` (case-insensitive), newest first; the id's time
        bounds the search (a run is found after walking only the runs newer than it)."""
        from datetime import datetime, timezone

        from keepwf.model.runrecord import format_started, run_id_time_ms

        p = prefix.upper()
        rng = run_id_time_ms(p)
        if rng is None or rng[0] / 1000 > 253402300799:  # not an id, or past year 9999
            return []
        lo = format_started(datetime.fromtimestamp(max(rng[0] / 1000 - 1, 0), timezone.utc))
        out = []
        for started, run_id, line in self.iter_heads():
            if started < lo:
                break
            if run_id.upper().startswith(p):
                rec = self.decode(line)
                if rec is not None:
                    out.append(rec)
                if len(out) >= limit or len(p) >= 26:
                    break
        return out

    def all_run_ids(self) -> set[str]:
        return {h[1] for h in self.iter_heads()}


def _commit_of(line: str) -> str | None:
    """The ``commit`` of a record line encode_line wrote, found without parsing the JSON."""
    i = line.find('"commit": "')
    return line[i + 11:i + 51] if i >= 0 else None


def _neg(s: str) -> str:
    """A key that sorts the text ``s`` descending in a min-heap (started strings are fixed-width ASCII)."""
    return s.translate(_NEG)


_NEG = str.maketrans({chr(c): chr(0x7F - (c - 0x20)) for c in range(0x20, 0x7F)})


def import_records(repo, recs: Iterable[dict[str, Any]], batch: int = 500) -> tuple[int, int]:
    """Append the records not yet present (by run_id), per kind. Returns (added, already present)."""
    added = present = 0
    recs = list(recs)
    for kind in KINDS:
        log = RunLog(repo, kind)
        have = log.all_run_ids()
        todo = []
        for r in recs:
            if bool(r.get("draft")) != (kind == "drafts"):
                continue
            if r["run_id"] in have:
                present += 1
                continue
            have.add(r["run_id"])
            todo.append(r)
        todo.sort(key=lambda r: (r["started"], r["run_id"]))
        for i in range(0, len(todo), batch):
            log.append_many(todo[i:i + batch], graft=True)
        added += len(todo)
    return added, present

