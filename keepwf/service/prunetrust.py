"""Which deploy-tag deletions a push may carry: only the propagation of keepwf's own, audited prune.

``keepwf prune`` never just deletes a tag: in one transaction it points ``refs/keepwf/archive/<env>/<wf>/v<N>`` at
the tag object and appends a commit to ``refs/keepwf/audit`` whose message holds ``Keepwf-Action: prune`` and one
``Keepwf-Pruned: <env>/<wf>/v<N> <commit>`` line per version. ``keepwf sync`` pushes the archive, the audit chain and
the deletion of the remote's live tag together. So a deletion of ``refs/tags/keepwf/X`` (old object O) is *trusted*
when, once the push is done,

1. ``refs/keepwf/archive/X`` points at O itself (the version lives on, same tag object), and
2. the audit chain's newest prune-or-restore record of X is a prune naming the commit O points at.

Anything else (a hand-made ``git push origin :refs/tags/keepwf/...``, an archive ref without its prune record) is
refused by the pre-push and pre-receive hooks. The archive and the audit chain are themselves write-once: the
pre-receive hook refuses to move an archive ref, to delete one except for a ``keepwf prune --restore`` propagating
(the live tag holds the same object again and the newest record is a restore), and to rewind or delete the audit
chain.

Reads go through the git CLI (``store.gitcli``): inside ``pre-receive`` the pushed objects are only visible to git
commands (the quarantine environment git sets up), not to libgit2.
"""

from __future__ import annotations

from keepwf.model.version import ARCHIVE_REF_PREFIX, AUDIT_REF, TAG_REF_PREFIX, audit_records
from keepwf.store import gitcli



def _zero(sha: str) -> bool:
    return not sha.strip("0")


def newest_records(tip: str | None, cwd=None) -> dict[str, tuple[str, str]]:
    """``{name: (kind, commit)}``: per version (``env/wf/vN``) the newest prune or restore record on the audit chain
    ending at ``tip`` (kind ``prune`` or ``restore``; newest by commit time, children before parents)."""
    if not tip or _zero(tip):
        return {}
    cp = gitcli.git("log", "--date-order", "--format=%B%x00", tip, cwd=cwd, check=False)
    if cp.returncode != 0:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for msg in cp.stdout.decode("utf-8", "replace").split("\0"):
        for kind, name, commit in audit_records(msg.strip("\n")):
            out.setdefault(name, (kind, commit))
    return out


def _peel(shas: list[str], cwd) -> dict[str, str | None]:
    """The commit each object peels to (None when it does not peel to a commit)."""
    out: dict[str, str | None] = {}
    for sha in dict.fromkeys(shas):
        cp = gitcli.git("rev-parse", "-q", "--verify", sha + "^{commit}", cwd=cwd, check=False)
        out[sha] = cp.stdout.decode().strip() if cp.returncode == 0 else None
    return out


def local_refs(*prefixes: str, cwd=None) -> dict[str, str]:
    """``{ref: object}`` of this repository's refs under ``prefixes`` (one ``git for-each-ref``)."""
    cp = gitcli.git("for-each-ref", "--format=%(refname) %(objectname)", *prefixes, cwd=cwd, check=False)
    return dict(ln.split(" ", 1) for ln in cp.stdout.decode().splitlines() if " " in ln)


def untrusted_deletions(deletions: list[tuple[str, str]], archive: dict[str, str], audit_tip: str | None,
                        cwd=None) -> list[tuple[str, str]]:
    """``(tag ref, why)`` for each deletion ``(tag ref, old object)`` that is not the propagation of a keepwf prune.
    ``archive`` = the archive refs (full names → object) and ``audit_tip`` the audit chain as they are *after* the
    push."""
    if not deletions:
        return []
    records = newest_records(audit_tip, cwd)
    peeled = _peel([old for _ref, old in deletions], cwd)
    out = []
    for ref, old in deletions:
        name = ref[len(TAG_REF_PREFIX):]
        arch = ARCHIVE_REF_PREFIX + name
        if archive.get(arch) != old:
            out.append((ref, f"{arch} does not hold this tag (keepwf prune archives a tag before deleting it)"))
        elif peeled.get(old) is None or records.get(name) != ("prune", peeled[old]):
            out.append((ref, f"{AUDIT_REF} has no prune record of {name} (keepwf prune records every version it prunes)"))
    return out


def pushed_deletions(updates: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """``(tag ref, old object)`` of the deploy-tag deletions among ``(ref, old, new)`` updates."""
    return [(ref, old) for ref, old, new in updates if ref.startswith(TAG_REF_PREFIX) and not _zero(old) and _zero(new)]


def archive_after(updates: list[tuple[str, str, str]], cwd=None) -> dict[str, str]:
    """The archive refs of this repository as they will be once ``updates`` are made."""
    arch = local_refs(ARCHIVE_REF_PREFIX, cwd=cwd)
    for ref, _old, new in updates:
        if ref.startswith(ARCHIVE_REF_PREFIX):
            if _zero(new):
                arch.pop(ref, None)
            else:
                arch[ref] = new
    return arch


def audit_after(updates: list[tuple[str, str, str]], cwd=None) -> str | None:
    for ref, _old, new in updates:
        if ref == AUDIT_REF:
            return None if _zero(new) else new
    return local_refs(AUDIT_REF, cwd=cwd).get(AUDIT_REF)


def record_refusals(updates: list[tuple[str, str, str]], cwd=None) -> list[str]:
    """Server side: an archive ref is never moved, and deleted only by a restore propagating (``keepwf prune
    --restore``: the live tag holds the same object again and the newest record of that version is a restore); the
    audit chain only grows (fast-forward)."""
    out = []
    arch_dels = [(ref, old) for ref, old, new in updates
                 if ref.startswith(ARCHIVE_REF_PREFIX) and not _zero(old) and _zero(new)]
    restorable: set[str] = set()
    if arch_dels:
        tags_after = local_refs(TAG_REF_PREFIX, cwd=cwd)
        for ref, _old, new in updates:
            if ref.startswith(TAG_REF_PREFIX):
                tags_after[ref] = new
        records = newest_records(audit_after(updates, cwd), cwd)
        peeled = _peel([old for _ref, old in arch_dels], cwd)
        for ref, old in arch_dels:
            name = ref[len(ARCHIVE_REF_PREFIX):]
            if tags_after.get(TAG_REF_PREFIX + name) == old and peeled.get(old) and records.get(name) == ("restore", peeled[old]):
                restorable.add(ref)
    for ref, old, new in updates:
        if ref.startswith(ARCHIVE_REF_PREFIX) and not _zero(old) and old != new and ref not in restorable:
            verb = "delete" if _zero(new) else "move"
            out.append(f"refusing to {verb} pruned version {ref}: the archive of pruned versions is write-once "
                       "(only `keepwf prune --restore`, recorded on the audit chain, takes a version out of it)")
        elif ref == AUDIT_REF and not _zero(old) and old != new:
            if _zero(new):
                out.append(f"refusing to delete {AUDIT_REF}: the audit chain is append-only")
            elif gitcli.git("merge-base", "--is-ancestor", old, new, cwd=cwd, check=False).returncode != 0:
                out.append(f"refusing to rewind {AUDIT_REF}: the audit chain is append-only (new records go on top)")
    return out
