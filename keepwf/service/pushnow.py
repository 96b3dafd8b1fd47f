"""``[env.X] push = true``: a deploy, rollback, promote or prune reaches the team's remote at once.

- deploy / rollback / promote: the new tag *objects* are written first, then pushed to the remote in one atomic push
  (``git push --atomic <remote> <tag object>:refs/tags/keepwf/…``), and only then are the local refs created. A remote
  that moved (someone else created the same ``vN``) refuses the push: nothing is created here either, exit 3, and the
  message says to ``keepwf sync`` and run the command again. Never a force push.
- prune: archived and recorded locally first (the prune's one transaction), then the archive refs, the audit chain
  and the deletions of the pruned tags are pushed atomically; if the remote moved, the prune stays here and
  ``keepwf sync`` carries it (the hooks accept exactly that, ``service.prunetrust``).
- without ``push = true`` nothing is pushed and the command ends with ``not pushed yet: keepwf sync``; ``keepwf
  status`` lists the versions the remote lacks (as of the last sync or push).

The remote is ``origin``. What was pushed is also written to the sync namespace (``refs/keepwf/remotes/origin/…``,
the refs ``keepwf sync`` fetches into), so ``status`` knows the remote has it.
"""

from __future__ import annotations

from keepwf.errors import StateError
from keepwf.model.version import ARCHIVE_REF_PREFIX, AUDIT_REF, TAG_REF_PREFIX
from keepwf.store.repo import Repo

REMOTE = "origin"


def has_remote(repo: Repo, remote: str = REMOTE) -> bool:
    return remote in repo.git("remote", check=False).stdout.decode().split()


def mirror_ref(remote: str, ref: str) -> str:
    """Where ``keepwf sync`` keeps the remote's copy of ``ref`` (``refs/keepwf/remotes/<remote>/…``)."""
    from keepwf.service.sync import _namespace

    return _namespace(remote) + ref[len("refs/"):]


def require_remote(repo: Repo, env: str, remote: str = REMOTE) -> None:
    if not has_remote(repo, remote):
        raise StateError(f"[env.{env}] push = true, but this repository has no remote {remote!r}; nothing was created",
                         hint=f"git remote add {remote} URL (or set push = false for {env} in keepwf.toml)")


def push(repo: Repo, updates: dict[str, str | None], what: str, remote: str = REMOTE) -> None:
    """One atomic push of ``updates`` (ref → object SHA, None = delete); never forced. Raises StateError (exit 3)
    saying what to do when the remote refuses."""
    specs = [f"{sha}:{ref}" if sha else f":{ref}" for ref, sha in updates.items()]
    cp = repo.git("push", "--atomic", "--porcelain", "--no-follow-tags", remote, *specs, check=False,
                  env={"GIT_TERMINAL_PROMPT": "0"})
    if cp.returncode != 0:
        out = cp.stdout.decode(errors="replace")
        why = [ln.split("\t")[-1] for ln in out.splitlines() if ln[:1] == "!" and "\t" in ln and "atomic" not in ln]
        err = cp.stderr.decode(errors="replace").strip().splitlines()
        said = [ln.strip() for ln in err if "refusing" in ln or "rejected" in ln]
        detail = "; ".join(why + said[:3]) or (err[-1] if err else f"git push exited {cp.returncode}")
        raise StateError(f"{remote} refused {what} ({detail}): the remote moved (someone deployed, rolled back or "
                         "pruned meanwhile) or cannot be reached",
                         hint="keepwf sync   (takes what the others did; then run your command again)")
    note_pushed(repo, updates, remote)


def note_pushed(repo: Repo, updates: dict[str, str | None], remote: str = REMOTE) -> None:
    """Record in the sync namespace that the remote now holds ``updates`` (best effort: only ``status`` reads it)."""
    lines = []
    for ref, sha in updates.items():
        if not ref.startswith((TAG_REF_PREFIX, ARCHIVE_REF_PREFIX)) and ref != AUDIT_REF:
            continue
        lines.append(f"update {mirror_ref(remote, ref)} {sha}" if sha else f"delete {mirror_ref(remote, ref)}")
    if lines:
        repo.git("update-ref", "--stdin", input=("\n".join(lines) + "\n").encode(), check=False)
    from keepwf.store.tags import forget_refs

    forget_refs(repo)


def local_values(repo: Repo, refs: list[str]) -> dict[str, str | None]:
    """``{ref: its object here, or None when it is gone (deleted by the push)}`` for the deploy tags, archive refs and
    audit chain among ``refs`` (one ``git for-each-ref``)."""
    from keepwf.service.prunetrust import local_refs

    refs = [r for r in refs if r.startswith((TAG_REF_PREFIX, ARCHIVE_REF_PREFIX)) or r == AUDIT_REF]
    if not refs:
        return {}
    here = local_refs(TAG_REF_PREFIX, ARCHIVE_REF_PREFIX, AUDIT_REF, cwd=repo.root)
    return {r: here.get(r) for r in refs}


def unpushed(repo: Repo, remote: str = REMOTE) -> dict[tuple[str, str], list[str]]:
    """``{(env, wf): ["v5", …]}``: live versions the remote lacks, as of the last sync or push (ref names only, no
    network); {} without the remote."""
    if not has_remote(repo, remote):
        return {}
    from keepwf.store.tags import ref_names, version_index

    there = set(ref_names(repo, mirror_ref(remote, TAG_REF_PREFIX))) | set(ref_names(repo, mirror_ref(remote, ARCHIVE_REF_PREFIX)))
    out: dict[tuple[str, str], list[str]] = {}
    for key, by_number in version_index(repo).items():
        for n in sorted(by_number, reverse=True):
            ref = by_number[n]
            if mirror_ref(remote, ref) not in there and \
                    mirror_ref(remote, ARCHIVE_REF_PREFIX + ref[len(TAG_REF_PREFIX):]) not in there:
                out.setdefault(key, []).append(f"v{n}")
    return out


def remote_tags(repo: Repo, remote: str = REMOTE) -> set[str]:
    """The deploy-tag refs the remote has right now (``git ls-remote``): a prune deletes only those there."""
    cp = repo.git("ls-remote", "--refs", remote, TAG_REF_PREFIX + "*", check=False, env={"GIT_TERMINAL_PROMPT": "0"})
    if cp.returncode != 0:
        raise StateError(f"cannot reach {remote}: {cp.stderr.decode(errors='replace').strip()}; nothing was changed",
                         hint=f"check `git ls-remote {remote}` works, or set push = false in keepwf.toml")
    return {ln.split("\t", 1)[1] for ln in cp.stdout.decode().splitlines() if "\t" in ln}


def publish_note(repo: Repo, pushed: bool, remote: str = REMOTE) -> str | None:
    """The last line of a command that created versions: pushed, or not yet (None without a remote)."""
    if pushed:
        return f"pushed to {remote}"
    return "not pushed yet: keepwf sync" if has_remote(repo, remote) else None
