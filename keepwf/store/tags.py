"""Deploy tags in git: list them fast, read them into Version values, create them all-or-none and race-free.

Creating a version is two steps: the annotated tag *object* is written to the object database (harmless garbage if
nothing points at it), then every ref of one deploy is locked (git's own ``<ref>.lock`` files), re-checked under the
lock not to exist yet, and all are added to ``packed-refs`` in ONE atomic rename (``keepwf.store.packedcreate``). So a
deploy killed at any instant leaves all of its versions or none, its stale locks are cleared by the next writer, and
two concurrent deploys can never create (or overwrite) the same ``vN``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from keepwf.errors import StateError, storage_error
from keepwf.model.version import (
    ARCHIVE_REF_PREFIX,
    TAG_REF_PREFIX,
    Version,
    check_trailers,
    parse_message,
    parse_tag_name,
)
from keepwf.store.repo import Repo


def _pygit2():
    import pygit2

    return pygit2


@dataclass(frozen=True)
class Identity:
    name: str
    email: str
    timestamp: int
    offset: int  # minutes east of UTC

    def raw(self) -> str:
        sign = "+" if self.offset >= 0 else "-"
        h, m = divmod(abs(self.offset), 60)
        return f"{self.name} <{self.email}> {self.timestamp} {sign}{h:02d}{m:02d}"


def iso_date(timestamp: int, offset_minutes: int) -> str:
    tz = timezone(timedelta(minutes=offset_minutes))
    return datetime.fromtimestamp(timestamp, tz).isoformat()


def identity(repo: Repo) -> Identity:
    """git's committer identity, exactly as ``git tag`` would record it (``git var GIT_COMMITTER_IDENT``: the
    GIT_COMMITTER_* variables, then user.name/user.email; GIT_COMMITTER_DATE is honoured)."""
    import re

    cp = repo.git("var", "GIT_COMMITTER_IDENT", check=False, env={"GIT_TERMINAL_PROMPT": "0"})
    text = cp.stdout.decode("utf-8", "replace").strip()
    m = re.match(r"^(.*) <(.*)> (\d+) ([+-])(\d\d)(\d\d)$", text)
    if cp.returncode != 0 or not m or not m.group(1).strip() or not m.group(2).strip() or "(none)" in m.group(2):
        raise StateError(
            "git does not know who you are: a deploy tag records its tagger (user.name and user.email are not set)",
            hint='git config --global user.name "Your Name" && git config --global user.email you@example.com',
        )
    offset = (int(m.group(5)) * 60 + int(m.group(6))) * (1 if m.group(4) == "+" else -1)
    return Identity(m.group(1).strip(), m.group(2).strip(), int(m.group(3)), offset)


# -- listing ---------------------------------------------------------------------------------------------------------
def _all_keepwf_refs(repo: Repo) -> list[str]:
    """Every ref under refs/tags/keepwf/ and refs/keepwf/, read once per Repo (forget_refs after writing)."""
    cached = getattr(repo, "_keepwf_refs", None)
    if cached is None:
        cached = sorted(
            r.decode("utf-8", "replace") for r in repo.pg.raw_listall_references()
            if r.startswith((b"refs/tags/keepwf/", b"refs/keepwf/"))
        )
        repo._keepwf_refs = cached
    return cached


def forget_refs(repo: Repo) -> None:
    repo._keepwf_refs = None


def ref_names(repo: Repo, prefix: str = TAG_REF_PREFIX) -> list[str]:
    """Every ref name under ``prefix`` (one listing per process; fast when refs are packed, see pack_refs)."""
    import bisect

    names = _all_keepwf_refs(repo)
    lo = bisect.bisect_left(names, prefix)
    hi = bisect.bisect_left(names, prefix[:-1] + chr(ord(prefix[-1]) + 1)) if prefix else len(names)
    return names[lo:hi]


def version_index(repo: Repo, env: str | None = None, *, archived: bool = False) -> dict[tuple[str, str], dict[int, str]]:
    """``{(env, workflow): {number: ref}}`` from ref names alone (no object reads)."""
    prefix = ARCHIVE_REF_PREFIX if archived else TAG_REF_PREFIX
    if env:
        prefix += env + "/"
    groups: dict[str, dict[str, str]] = {}
    for name in ref_names(repo, prefix):  # group by folder first: 10,000 names in a few ms
        head, _, vn = name.rpartition("/")
        g = groups.get(head)
        if g is None:
            g = groups[head] = {}
        g[vn] = name
    base = len(ARCHIVE_REF_PREFIX if archived else TAG_REF_PREFIX)
    out: dict[tuple[str, str], dict[int, str]] = {}
    for head, g in groups.items():
        parts = head[base:].split("/")
        if len(parts) != 2:
            continue
        nums = {int(vn[1:]): n for vn, n in g.items() if vn[:1] == "v" and vn[1:].isdigit() and vn[1:2] != "0"}
        if nums:
            out[(parts[0], parts[1])] = nums
    return out


def read_version(repo: Repo, ref: str, *, name: str | None = None) -> Version | None:
    """The Version a tag ref (or archive ref) names; None if the ref vanished. Tags keepwf cannot trust (lightweight,
    trailers missing or not matching the name) come back with ``foreign`` set, never silently trusted. ``name``: the
    version name to judge it by when ``ref`` is elsewhere (a remote's tag fetched into ``refs/keepwf/remotes/…``)."""
    pygit2 = _pygit2()
    parsed = parse_tag_name(name or ref)
    if parsed is None:
        return None
    env, wf, n = parsed
    try:
        target = repo.pg.references[ref].target
    except KeyError:
        return None
    obj = repo.pg[target]
    pruned = (name or ref).startswith(ARCHIVE_REF_PREFIX)
    short = f"keepwf/{env}/{wf}/v{n}"
    if not isinstance(obj, pygit2.Tag):
        try:
            commit = obj.peel(pygit2.Commit)
        except (pygit2.GitError, ValueError, KeyError):  # a hand-made tag on a blob or tree
            return Version(wf, env, n, str(obj.id), short, foreign=f"lightweight tag on a {obj.type_str}, not a commit",
                           pruned=pruned)
        return Version(wf, env, n, str(commit.id), short, message=commit.message.strip().split("\n")[0],
                       tagger_name=commit.committer.name, tagger_email=commit.committer.email,
                       date=iso_date(commit.committer.time, commit.committer.offset), timestamp=commit.committer.time,
                       foreign="lightweight tag (not made by keepwf)", pruned=pruned)
    commit = None
    try:
        commit = obj.peel(pygit2.Commit)
        commit_id = str(commit.id)
    except (pygit2.GitError, ValueError, KeyError):  # InvalidSpecError (tag on a tree or blob) is a ValueError
        commit_id = str(obj.target)
    message, trailers = parse_message(obj.message or "")
    foreign = check_trailers(env, wf, n, trailers)
    if commit is None:
        foreign = "tag on a tree or blob, not a commit (made by hand?)"
    elif foreign is None:
        foreign = _blob_mismatch(commit, trailers.get("Keepwf-Path", ""), trailers.get("Keepwf-Blob", ""))
    tagger = obj.tagger
    return Version(
        workflow=wf, env=env, number=n, commit=commit_id, tag=short,
        blob=trailers.get("Keepwf-Blob", ""), path=trailers.get("Keepwf-Path", ""),
        action=trailers.get("Keepwf-Action", "deploy"), message=message,
        tagger_name=tagger.name if tagger else "", tagger_email=tagger.email if tagger else "",
        date=iso_date(tagger.time, tagger.offset) if tagger else "", timestamp=tagger.time if tagger else 0,
        rollback_of=trailers.get("Keepwf-Rollback-Of"), promoted_from=trailers.get("Keepwf-Promoted-From"),
        canary_of=trailers.get("Keepwf-Canary-Of"), canary_steps=trailers.get("Keepwf-Canary-Steps"),
        tag_oid=str(obj.id), foreign=foreign, pruned=pruned,
    )


def _blob_mismatch(commit, path: str, blob: str) -> str | None:
    """Why the commit a tag points at does not hold the file its trailers name (a tag moved or made by hand with
    copied trailers), or None. A commit whose tree cannot be read (shallow clone) is not held against the tag."""
    try:
        entry = commit.tree[path]
    except KeyError:
        return f"commit {str(commit.id)[:10]} has no {path} (moved or made by hand?)"
    except Exception:  # noqa: BLE001 - missing tree objects: nothing to compare with
        return None
    if str(entry.id) != blob:
        return f"commit {str(commit.id)[:10]} does not hold its Keepwf-Blob (moved or made by hand?)"
    return None


# -- writing ---------------------------------------------------------------------------------------------------------
def write_tag_object(repo: Repo, commit: str, short_name: str, tagger: Identity, message: str) -> str:
    """Write an annotated tag object (no ref yet) and return its SHA."""
    pygit2 = _pygit2()
    data = f"object {commit}\ntype commit\ntag {short_name}\ntagger {tagger.raw()}\n\n{message}"
    return str(repo.pg.write(pygit2.enums.ObjectType.TAG, data.encode("utf-8")))


class RefExists(StateError):
    def __init__(self, ref: str, winner: Version | None):
        self.ref = ref
        self.winner = winner
        who = ""
        if winner is not None:
            who = f" by {winner.tagger_name} <{winner.tagger_email}> at {winner.date}"
            if winner.foreign:
                who += f" — not made by keepwf: {winner.foreign}"
        super().__init__(
            f"{ref.removeprefix('refs/tags/')} already exists (created{who or ' by someone else'}); nothing was deployed",
            hint="another deploy won the race or the tag was made by hand: check `keepwf history` and run your command again",
        )


def lock_wait() -> float:
    """Seconds to wait for a ref lock held by another process (KEEPWF_LOCK_TIMEOUT, default 3)."""
    try:
        return max(0.0, float(os.environ.get("KEEPWF_LOCK_TIMEOUT", "3")))
    except ValueError:
        return 3.0


def create_refs(repo: Repo, refs: dict[str, str], delete: tuple[str, ...] = (), *, wait: float | None = None) -> None:
    """Create every ref in ``refs`` (name → object SHA) and delete the refs in ``delete``, all or none.

    Each ref is locked with git's ``<ref>.lock`` first; a ref to be created that exists once locked raises
    RefExists (the winner is named). A lock held by someone else is waited for up to ``wait`` seconds."""
    pygit2 = _pygit2()
    forget_refs(repo)
    deadline = time.monotonic() + (lock_wait() if wait is None else wait)
    if not delete and not (repo.common_dir / "reftable").exists():  # reftable: its transactions are atomic already
        return _create_packed(repo, refs, deadline)
    from keepwf.store.reftx import writer_lock

    with writer_lock(repo, [*refs, *delete], wait=max(0.0, deadline - time.monotonic())):
        _create_loose(repo, refs, delete, deadline)


def _create_loose(repo: Repo, refs: dict[str, str], delete: tuple[str, ...], deadline: float) -> None:
    from keepwf.store.reftx import clear_stale

    pygit2 = _pygit2()
    while True:
        try:
            with repo.pg.transaction() as tx:
                for name in [*refs, *delete]:
                    tx.lock_ref(name)
                for name in refs:
                    if _exists(repo, name):
                        raise RefExists(name, read_version(repo, name))
                for name, oid in refs.items():
                    tx.set_target(name, oid, message="keepwf")
                for name in delete:
                    tx.remove(name)
            return
        except RefExists:
            raise
        except pygit2.GitError as e:
            text = str(e)
            if not _transient(text):
                raise (storage_error(e, "write the deploy refs (nothing was deployed)")
                       or StateError(f"could not write the deploy refs: {text}; nothing was deployed")) from e
            if time.monotonic() > deadline:
                raise StateError(
                    f"another keepwf or git process holds the lock on a deploy ref ({text}); nothing was deployed",
                    hint="wait for the other deploy to finish and retry; if none is running, remove the stale "
                    f"*.lock file under {repo.common_dir}/refs/",
                ) from e
            clear_stale(repo, [*refs, *delete])  # a killed git's lock: gone once older than git ever holds one
            time.sleep(0.05)


def _create_packed(repo: Repo, refs: dict[str, str], deadline: float) -> None:
    """create_refs without deletions: all refs appear in one atomic rename of packed-refs (keepwf.store.packedcreate),
    under every new ref's loose lock and the keepwf process lock; a dead writer's locks are removed first."""
    from keepwf.store import packedcreate
    from keepwf.store.reftx import STALE_LOCK_S, _clear_stale_locks, _process_lock

    pygit2 = _pygit2()
    common = repo.common_dir
    names = sorted(refs)
    with _process_lock(repo, deadline):  # also removes the locks a killed writer left (packedcreate.recover)
        while True:
            tx = repo.pg.transaction()
            try:
                packedcreate.write_journal(common, names)
                for name in names:
                    tx.lock_ref(name)
                for name in names:
                    if _exists(repo, name):
                        raise RefExists(name, read_version(repo, name))
                packedcreate.write_packed(repo.pg, common, refs)
                return
            except RefExists:
                raise
            except (pygit2.GitError, FileExistsError) as e:
                text = str(e)
                if isinstance(e, pygit2.GitError) and not _transient(text):
                    raise (storage_error(e, "write the deploy refs (nothing was deployed)")
                       or StateError(f"could not write the deploy refs: {text}; nothing was deployed")) from e
                if time.monotonic() > deadline:
                    raise StateError(
                        f"another git process holds the lock on a deploy ref ({text}); nothing was deployed",
                        hint="wait for it to finish and retry; if no git process is running, remove the stale "
                        f"*.lock file named above (older than {STALE_LOCK_S:g}s: keepwf removes it itself)",
                    ) from e
                # no keepwf holds a lock now (we hold keepwf.lock): a lock file older than git ever holds one is a
                # leftover of a killed process
                _clear_stale_locks(common, [*names, "packed-refs"])
                time.sleep(0.05)
            finally:
                tx.__exit__(StateError, None, None)  # frees it: removes the loose locks it took, commits nothing
                packedcreate.clear_journal(common)
                forget_refs(repo)


def _transient(text: str) -> bool:
    """Errors another writer causes for a moment: a held lock, or a ref folder `git pack-refs` just removed."""
    t = text.lower()
    return "lock" in t or "failed to make directory" in t or "no such file" in t


def _exists(repo: Repo, name: str) -> bool:
    # read the ref straight from disk (loose file, else packed-refs): libgit2 may cache packed-refs
    try:
        repo.pg.references[name]
        return True
    except KeyError:
        return False


def pack_refs(repo: Repo) -> None:
    """Pack refs so listing 10,000 deploy tags stays fast (``git pack-refs``: safe with concurrent git users). Under
    the writer lock, so a ``packed-refs.lock`` a killed git left is cleared first; skipped while others write."""
    from keepwf.store.reftx import writer_lock

    forget_refs(repo)
    try:
        with writer_lock(repo, (), wait=lock_wait()):
            repo.git("pack-refs", check=False)
    except StateError:  # another keepwf is writing: packing is only an optimisation, the next writer packs
        pass


def archive_and_delete(repo: Repo, moves: dict[str, str], record: str, who: Identity, audit_ref: str, *,
                       wait: float | None = None) -> str:
    """Prune: for each ``tag ref → archive ref`` point the archive ref at the tag's object, delete the tag ref, and
    append one commit (message ``record``) to ``audit_ref`` — all in one transaction. Returns the audit commit."""
    from keepwf.store.reftx import clear_stale, writer_lock

    pygit2 = _pygit2()
    forget_refs(repo)
    deadline = time.monotonic() + (lock_wait() if wait is None else wait)
    empty_tree = repo.pg.TreeBuilder().write()
    sig = pygit2.Signature(who.name, who.email, who.timestamp, who.offset)
    names = [*moves, *moves.values(), audit_ref]
    with writer_lock(repo, names, wait=max(0.0, deadline - time.monotonic())):
        while True:
            try:
                return _archive_once(repo, moves, record, sig, empty_tree, audit_ref)
            except pygit2.GitError as e:
                if not _transient(str(e)) or time.monotonic() > deadline:
                    raise (storage_error(e, "prune (nothing was pruned)")
                           or StateError(f"could not prune: {e}; nothing was pruned",
                                         hint="retry when no other keepwf or git process is writing refs")) from e
                clear_stale(repo, names)  # a killed git's lock on one of them (or on packed-refs)
                time.sleep(0.05)


def _archive_once(repo: Repo, moves: dict[str, str], record: str, sig, empty_tree, audit_ref: str) -> str:
    """One attempt of archive_and_delete (raises pygit2.GitError when a lock is held)."""
    with repo.pg.transaction() as tx:
        for name in [*moves, *moves.values(), audit_ref]:
            tx.lock_ref(name)
        targets = {}
        for tag, arch in moves.items():
            try:
                targets[tag] = repo.pg.references[tag].target
            except KeyError as e:
                raise StateError(f"{tag} vanished while pruning; nothing was pruned", hint="run keepwf prune again") from e
            if _exists(repo, arch):
                raise StateError(f"{arch} already exists; nothing was pruned", hint="check it: git show " + arch)
        try:
            parents = [repo.pg.references[audit_ref].target]
        except KeyError:
            parents = []
        commit = repo.pg.create_commit(None, sig, sig, record, empty_tree, parents)
        for tag, arch in moves.items():
            tx.set_target(arch, targets[tag], message="keepwf prune")
            tx.remove(tag)
        tx.set_target(audit_ref, commit, message="keepwf prune")
    return str(commit)


def restore_archived(repo: Repo, arch: str, tag: str, record: str, who: Identity, audit_ref: str) -> str:
    """Un-prune: point ``tag`` at the tag object ``arch`` holds, delete ``arch``, and append one commit (message
    ``record``) to ``audit_ref`` — in one transaction. Returns the audit commit."""
    pygit2 = _pygit2()
    forget_refs(repo)
    deadline = time.monotonic() + lock_wait()
    empty_tree = repo.pg.TreeBuilder().write()
    sig = pygit2.Signature(who.name, who.email, who.timestamp, who.offset)
    while True:
        try:
            with repo.pg.transaction() as tx:
                for name in (arch, tag, audit_ref):
                    tx.lock_ref(name)
                try:
                    target = repo.pg.references[arch].target
                except KeyError as e:
                    raise StateError(f"{arch} vanished while restoring; nothing was restored") from e
                if _exists(repo, tag):
                    raise StateError(f"{tag} exists again; nothing was restored", hint="keepwf history --pruned")
                try:
                    parents = [repo.pg.references[audit_ref].target]
                except KeyError:
                    parents = []
                commit = repo.pg.create_commit(None, sig, sig, record, empty_tree, parents)
                tx.set_target(tag, target, message="keepwf prune --restore")
                tx.remove(arch)
                tx.set_target(audit_ref, commit, message="keepwf prune --restore")
            return str(commit)
        except pygit2.GitError as e:
            if not _transient(str(e)) or time.monotonic() > deadline:
                raise StateError(f"could not restore: {e}; nothing was restored",
                                 hint="retry when no other keepwf or git process is writing refs") from e
            time.sleep(0.05)


def audit_commits(repo: Repo, audit_ref: str, limit: int = 10000) -> list[tuple[str, str, str, str, int, int]]:
    """``(sha, message, name, email, time, offset)`` of the audit chain, newest first."""
    try:
        tip = repo.pg.references[audit_ref].target
    except KeyError:
        return []
    out = []
    for i, c in enumerate(repo.pg.walk(tip)):
        if i >= limit:
            break
        out.append((str(c.id), c.message, c.author.name, c.author.email, c.author.time, c.author.offset))
    return out
