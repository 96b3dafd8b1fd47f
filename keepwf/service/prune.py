"""keepwf prune: drop old version tags, keep every pruned version reachable and audited.

Never pruned: the deployed version, the default rollback target (the "last good" one), foreign tags (not ours).
A pruned tag's object moves to ``refs/keepwf/archive/<env>/<wf>/v<N>`` (so its commit, blob, tagger and message stay
reachable for ``git gc``, run notes and ``audit``), and the prune itself is one commit on ``refs/keepwf/audit``.
Numbers are never reused (the next version counts archived ones too).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from keepwf.config import Config
from keepwf.errors import UsageError
from keepwf.model.timespec import parse_age
from keepwf.model.version import AUDIT_REF, T_PRUNED, T_RESTORED, Version, archive_ref, normalize_message
from keepwf.service.timeline import known_workflow, version_run_stats
from keepwf.service.versions import default_rollback_target, list_versions
from keepwf.store import tags
from keepwf.store.repo import Repo

DEFAULT_KEEP = 10


@dataclass
class PruneResult:
    dry_run: bool
    pruned: list[Version] = field(default_factory=list)
    kept: int = 0
    audit_commit: str | None = None
    publish: str | None = None  # "pushed to origin" / "not pushed yet: keepwf sync" (service.pushnow)

    def to_dict(self) -> dict:
        return {"publish": self.publish, "dry_run": self.dry_run, "pruned": [v.to_dict() for v in self.pruned], "kept": self.kept,
                "audit_commit": self.audit_commit}


def select(versions: list[Version], keep: int | None, older_than: int | None, now: float, protected: set[str]) -> list[Version]:
    """Which of ``versions`` (newest first) to prune: beyond the ``keep`` newest AND older than ``older_than``
    seconds (each condition only when given), never a protected label nor a foreign tag."""
    out = []
    for i, v in enumerate(versions):
        if v.label in protected or v.foreign or v.pruned:
            continue
        if keep is not None and i < keep:
            continue
        if older_than is not None and now - v.timestamp < older_than:
            continue
        out.append(v)
    return out


def prune(repo: Repo, config: Config, wf: str | None = None, *, keep: int | None = None, older_than: str | None = None,
          env: str | None = None, dry_run: bool = False, message: str | None = None, now: float | None = None) -> PruneResult:
    if keep is not None and keep < 0:
        raise UsageError("--keep must be 0 or more", hint="keepwf prune --keep 10")
    age = parse_age(older_than) if older_than else None
    if keep is None and age is None:
        keep = DEFAULT_KEEP
    if env is not None:
        config.env(env)
    if wf is not None:
        known_workflow(repo, config, wf)
    now = time.time() if now is None else now
    res = PruneResult(dry_run)
    for (e, w) in sorted(tags.version_index(repo, env)):
        if wf is not None and w != wf:
            continue
        versions = list_versions(repo, w, e)
        trusted = [v for v in versions if v.trusted]
        protected = set()
        if trusted:
            protected.add(trusted[0].label)
            target = default_rollback_target(versions, version_run_stats(repo, w, e, versions) or None)
            if target is not None:
                protected.add(target.label)
        chosen = select(versions, keep, age, now, protected)
        res.pruned.extend(chosen)
        res.kept += len(versions) - len(chosen)
    if dry_run or not res.pruned:
        return res
    who = tags.identity(repo)
    moves = {v.ref: archive_ref(v.env, v.workflow, v.number) for v in res.pruned}
    head = f"Prune {len(res.pruned)} version(s)"
    body = normalize_message(message) if message else ""
    trailers = "\n".join(f"{T_PRUNED}: {v.env}/{v.workflow}/{v.label} {v.commit}" for v in res.pruned)
    record = head + ("\n\n" + body if body else "") + "\n\nKeepwf-Action: prune\n" + trailers + "\n"
    from keepwf.service import pushnow

    pushing = sorted({v.env for v in res.pruned if v.env in config.envs and config.envs[v.env].push})
    for e in pushing:
        pushnow.require_remote(repo, e)
    before = None
    if pushing:  # push = true: the remote gets the archive, the prune record and the deletions first (atomically)
        there = pushnow.remote_tags(repo)

        def before(updates):
            pushnow.push(repo, {r: sha for r, sha in updates.items() if sha is not None or r in there},
                         f"the prune of {len(res.pruned)} version(s)")
    res.audit_commit = tags.archive_and_delete(repo, moves, record, who, AUDIT_REF, before=before)
    res.publish = pushnow.publish_note(repo, bool(pushing))
    tags.pack_refs(repo)
    return res


def restore(repo: Repo, config: Config, wf: str, label: str, *, env: str | None = None,
            message: str | None = None) -> Version:
    """Bring a pruned version back from the archive as a live tag (the same tag object), recorded on the audit chain.
    A restored version is listed again; it is deployed only if it is the newest version (as any version)."""
    from keepwf.model.version import parse_number

    env = config.env(env).name
    known_workflow(repo, config, wf)
    n = parse_number(label)
    if n is None:
        raise UsageError(f"--restore needs a version like v3, not {label!r}", hint=f"keepwf history {wf} --pruned")
    v = next((x for x in list_versions(repo, wf, env, include_pruned=True) if x.number == n), None)
    if v is None:
        raise UsageError(f"{wf} has no version v{n} in {env}, pruned or not", hint=f"keepwf history {wf} --env {env} --pruned")
    if not v.pruned:
        raise UsageError(f"{wf} v{n} in {env} is not pruned", hint=f"keepwf history {wf} --env {env}")
    who = tags.identity(repo)
    body = normalize_message(message) if message else ""
    record = (f"Restore {wf} v{n} in {env}" + ("\n\n" + body if body else "")
              + f"\n\nKeepwf-Action: restore\n{T_RESTORED}: {env}/{wf}/v{n} {v.commit}\n")
    tags.restore_archived(repo, archive_ref(env, wf, n), v.ref, record, who, AUDIT_REF)
    tags.pack_refs(repo)
    return tags.read_version(repo, v.ref) or v
