"""Syncing deploy tags, the prune archive and the audit chain with another clone (fetched into a private namespace).

Rules (docs/runs.md, "keepwf sync"):

- a version ``<env>/<wf>/vN`` is one tag object, whether live (``refs/tags/keepwf/…``) or archived by prune
  (``refs/keepwf/archive/…``). Both are write-once: the same name pointing at a different object on the two sides is
  a *conflict* — reported, never resolved by moving or deleting anything;
- archived wins over live *for the same object*: a prune done in one clone reaches the other, whose live tag then
  moves to the archive (same object, nothing lost) — and the remote's live tag is deleted by the push;
- ``refs/keepwf/audit`` is an append-only chain: diverged chains are joined by a merge commit (like run chains);
- a version whose newest audit record (on either side's chain) is a restore (``keepwf prune --restore``) is live:
  its archive entries are removed here and on the remote, its tag is created where it is missing.

All local changes of one sync are one ``git update-ref --stdin`` transaction: all or none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from keepwf.model.version import ARCHIVE_REF_PREFIX, AUDIT_REF, TAG_REF_PREFIX, audit_records
from keepwf.store.reftx import list_refs

AUDIT_MERGE_MESSAGE = "keepwf: merge audit\n"


@dataclass
class Conflict:
    name: str  # "production/pager/v2"
    ours: str  # the full ref here
    theirs: str  # the full ref on the remote
    ours_oid: str
    theirs_oid: str


@dataclass
class VersionPlan:
    conflicts: list[Conflict] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)  # update-ref --stdin lines
    new_tags: int = 0
    new_archived: int = 0
    archived_here: int = 0  # live tags here that the other side pruned
    remote_deletes: list[str] = field(default_factory=list)  # remote tag refs to delete (we archived them)
    audit_merged: bool = False
    refused: list[tuple[str, str]] = field(default_factory=list)  # (version name, why) of archive entries refused


def _by_name(refs: dict[str, str], prefix: str) -> dict[str, tuple[str, str]]:
    return {r[len(prefix):]: (r, sha) for r, sha in refs.items()}


def plan(repo, ns: str) -> VersionPlan:
    """Compare our versions with the ones fetched under ``ns`` (``<ns>tags/keepwf/…``, ``<ns>keepwf/archive/…``,
    ``<ns>keepwf/audit``); the returned plan holds either conflicts or the updates to make."""
    tag_pfx = TAG_REF_PREFIX if TAG_REF_PREFIX.endswith("/") else TAG_REF_PREFIX + "/"
    our_tags = _by_name(list_refs(repo, tag_pfx), tag_pfx)
    our_arch = _by_name(list_refs(repo, ARCHIVE_REF_PREFIX), ARCHIVE_REF_PREFIX)
    their_tag_pfx = ns + tag_pfx[len("refs/"):]
    their_arch_pfx = ns + ARCHIVE_REF_PREFIX[len("refs/"):]
    their_tags = _by_name(list_refs(repo, their_tag_pfx), their_tag_pfx)
    their_arch = _by_name(list_refs(repo, their_arch_pfx), their_arch_pfx)
    p = VersionPlan()
    restored = restored_names(repo, ns)
    # one object per version name, across both sides and both places
    for name in sorted(set(our_tags) | set(our_arch) | set(their_tags) | set(their_arch)):
        seen = [x for x in (our_tags.get(name), our_arch.get(name)) if x]
        remote = [x for x in (their_tags.get(name), their_arch.get(name)) if x]
        ours = seen[0] if seen else None
        for theirs in remote:
            if ours is not None and ours[1] != theirs[1]:
                p.conflicts.append(Conflict(name, ours[0], theirs[0], ours[1], theirs[1]))
                break
        else:
            if p.conflicts:
                continue
            oid = (seen or remote)[0][1]
            archived = name in our_arch or name in their_arch
            if archived and name in restored:  # un-pruned: live again on both sides
                if name in our_arch:
                    p.updates.append(f"delete {ARCHIVE_REF_PREFIX}{name} {oid}")
                if name not in our_tags:
                    p.updates.append(f"create {tag_pfx}{name} {oid}")
                    p.new_tags += 1
                if name in their_arch:
                    p.remote_deletes.append(ARCHIVE_REF_PREFIX + name)
            elif archived:
                if name not in our_arch:
                    p.updates.append(f"create {ARCHIVE_REF_PREFIX}{name} {oid}")
                    p.new_archived += 1
                if name in our_tags:
                    p.updates.append(f"delete {tag_pfx}{name} {oid}")
                    p.archived_here += 1
                if name in their_tags:
                    p.remote_deletes.append(tag_pfx + name)
            elif name not in our_tags:
                p.updates.append(f"create {tag_pfx}{name} {oid}")
                p.new_tags += 1
    if p.conflicts:
        p.updates = []
        return p
    p.refused = _refused_archives(repo, ns, our_tags, their_tags, our_arch, their_arch)
    if p.refused:
        p.updates = []
        return p
    new_audit = _merge_audit(repo, ns)
    if new_audit is not None:
        old = repo.pg.references.get(AUDIT_REF)
        p.updates.append(f"update {AUDIT_REF} {new_audit} {old.target if old is not None else '0' * 40}")
        p.audit_merged = True
    return p


def restored_names(repo, ns: str) -> set[str]:
    """Version names (``env/wf/vN``) whose newest prune-or-restore record, on our or their audit chain, is a restore.
    "Newest" is by commit time, and between records of the same second by ancestry (a restore on top of the prune
    it undoes is newer)."""
    from keepwf.store.reftx import current

    pg = repo.pg
    commits: dict[str, object] = {}
    stack = [str(t) for t in (current(pg, AUDIT_REF), current(pg, ns + AUDIT_REF[len("refs/"):])) if t is not None]
    while stack:
        sha = stack.pop()
        if sha not in commits:
            commits[sha] = c = pg[sha]
            stack.extend(str(x) for x in c.parent_ids)
    depth: dict[str, int] = {}
    for sha in commits:  # distance from the root, without recursion
        todo = [sha]
        while todo:
            top = todo[-1]
            parents = [str(x) for x in commits[top].parent_ids if str(x) in commits]
            missing = [x for x in parents if x not in depth]
            if missing:
                todo.extend(missing)
                continue
            depth[top] = 1 + max((depth[x] for x in parents), default=0)
            todo.pop()
    word: dict[str, tuple[int, int, str]] = {}
    for sha, c in commits.items():
        for kind, name, _commit in audit_records(c.message):
            mark = (c.commit_time, depth[sha], kind)
            if name not in word or mark[:2] > word[name][:2]:
                word[name] = mark
    return {n for n, (_t, _d, k) in word.items() if k == "restore"}


def _refused_archives(repo, ns, our_tags, their_tags, our_arch, their_arch) -> list[tuple[str, str]]:
    """The remote's archive entries this sync must not take, with why. An archive entry takes a version out of
    service, so only a prune may make one: it needs a prune record for that version and commit on the audit chain
    (either side's), and it may never archive the version that is deployed — the newest trusted live version on
    either side (prune never archives that one). Without this, a remote adding refs/keepwf/archive/<env>/<wf>/v7
    would quietly un-deploy v7 here."""
    from keepwf.store.tags import audit_commits, read_version

    taken = [n for n in their_arch if n not in our_arch]  # entries that would change something here
    if not taken:
        return []
    pruned = _prune_records(audit_commits(repo, AUDIT_REF)) | _prune_records(audit_commits(repo, ns + AUDIT_REF[5:]))
    deployed: dict[tuple[str, str], str | None] = {}
    out = []
    for name in sorted(taken):
        env, wf, label = name.rsplit("/", 2)
        if (env, wf) not in deployed:
            deployed[(env, wf)] = _deployed_name(repo, env, wf, our_tags, their_tags, read_version)
        v = read_version(repo, their_arch[name][0], name=ARCHIVE_REF_PREFIX + name)
        commit = v.commit if v is not None else ""
        if deployed[(env, wf)] == name:
            out.append((name, f"it is the deployed version of {wf} in {env}; prune never archives that one"))
        elif (name, commit) not in pruned:
            out.append((name, "no prune of it is recorded on the audit chain (refs/keepwf/audit)"))
    return out


def _prune_records(commits) -> set[tuple[str, str]]:
    """``(env/wf/vN, commit)`` of every prune line on an audit chain."""
    return {(name, commit) for _sha, msg, *_ in commits for kind, name, commit in audit_records(msg) if kind == "prune"}


def _deployed_name(repo, env, wf, our_tags, their_tags, read_version) -> str | None:
    """The version name deployed once both sides' live tags are together: the newest keepwf trusts."""
    names = {n for n in (*our_tags, *their_tags) if n.startswith(f"{env}/{wf}/v") and n.count("/") == 2}
    for name in sorted(names, key=lambda n: int(n.rsplit("/v", 1)[1]) if n.rsplit("/v", 1)[1].isdigit() else -1,
                       reverse=True):
        ref = (our_tags.get(name) or their_tags[name])[0]
        v = read_version(repo, ref, name=TAG_REF_PREFIX + name)
        if v is not None and v.trusted:
            return name
    return None


def refusal_error(remote: str, refused: list[tuple[str, str]]):
    """The StateError for archive entries a sync refuses: what, why, and how to drop them on the remote."""
    from keepwf.errors import StateError

    lines = [f"  keepwf/archive/{name}: {why}" for name, why in refused[:10]]
    more = f"\n  … and {len(refused) - 10} more" if len(refused) > 10 else ""
    first = refused[0][0]
    return StateError(
        f"sync with {remote} stopped, nothing was changed: {remote} has {len(refused)} archived version(s) that no "
        "prune made here or there — taking them would change what is deployed without a deploy:\n"
        + "\n".join(lines) + more,
        hint=f"if nobody pruned it, remove it on {remote}: git push {remote} :{ARCHIVE_REF_PREFIX}{first}   then "
             f"`keepwf sync {remote}` again; to retire a version, use keepwf prune (it records the prune)")


def _merge_audit(repo, ns: str):
    import pygit2

    from keepwf.store.reftx import current
    from keepwf.store.runmerge import merge_commits

    pg = repo.pg
    theirs = current(pg, ns + AUDIT_REF[len("refs/"):])
    ours = current(pg, AUDIT_REF)
    sig = pygit2.Signature("keepwf", "keepwf@localhost")
    empty = pg.TreeBuilder().write()
    return merge_commits(pg, ours, theirs, lambda a, b: pg.create_commit(None, sig, sig, AUDIT_MERGE_MESSAGE, empty, [a, b]))


def apply(repo, p: VersionPlan) -> None:
    """Make the plan's local updates in one transaction (all or none)."""
    from keepwf.errors import StateError, storage_error
    from keepwf.store.tags import forget_refs

    import time

    from keepwf.store.reftx import clear_stale, writer_lock
    from keepwf.store.tags import lock_wait

    if not p.updates:
        return
    text = "start\n" + "".join(u + "\n" for u in p.updates) + "prepare\ncommit\n"
    refs = [u.split(" ")[1] for u in p.updates]
    deadline = time.monotonic() + lock_wait()
    with writer_lock(repo, refs, wait=lock_wait()):  # a killed git's ref locks are cleared first
        while True:
            cp = repo.git("update-ref", "--stdin", input=text.encode(), check=False)
            if cp.returncode == 0 or b"lock" not in cp.stderr or time.monotonic() > deadline:
                break
            clear_stale(repo, refs)  # held by a live git for a moment, or left by a kill (gone once stale)
            time.sleep(0.05)
    forget_refs(repo)
    if cp.returncode != 0:
        err = storage_error(RuntimeError(cp.stderr.decode(errors="replace")), "update the local deploy tags (sync changed nothing)")
        if err is not None:
            raise err
        raise StateError(f"sync could not update the local deploy tags: {cp.stderr.decode(errors='replace').strip()}; "
                         "nothing was changed", hint="retry when no other keepwf or git process is writing refs")


def describe(repo, oid: str) -> str:
    """``commit 1a2b3c4 by Ann <a@x> on 2026-…: "message"`` for a tag object (or a bare commit)."""
    import pygit2

    from keepwf.store.tags import iso_date

    obj = repo.pg[pygit2.Oid(hex=oid)] if isinstance(oid, str) else repo.pg[oid]
    try:
        commit = obj.peel(pygit2.Commit)
        short = str(commit.id)[:7]
    except (pygit2.GitError, ValueError, KeyError):
        return f"{obj.type_str} {str(obj.id)[:7]}"
    if isinstance(obj, pygit2.Tag) and obj.tagger is not None:
        t = obj.tagger
        first = (obj.message or "").strip().splitlines()[0] if (obj.message or "").strip() else ""
        return (f"commit {short}, tagged by {t.name} <{t.email}> on {iso_date(t.time, t.offset)[:19]}"
                + (f' ("{first[:60]}")' if first else ""))
    return f"commit {short} (lightweight tag)"
