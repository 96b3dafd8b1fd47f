"""keepwf rollback and keepwf promote: a NEW version pointing at a commit that was already deployed.

Rollback skips the branch and approvals checks (the target content was checked when it was first deployed to this
env). Promote applies the --to env's rules: the commit must be on a branch that env may deploy from (an ancestor of
one of its allowed local branches) and its approvals must hold for the promoted blob.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from keepwf.config import Config
from keepwf.errors import KeepwfError, StateError, UsageError
from keepwf.model.release import CheckItem
from keepwf.model.version import Version
from keepwf.service.approvals import check_approvals
from keepwf.service.compare import DiffResult, Side, compare_sides
from keepwf.service.publish import create_versions, new_version
from keepwf.service.timeline import known_workflow, version_content, version_run_stats
from keepwf.service.versions import default_rollback_target, deployed_version, list_versions, next_number, resolve_version
from keepwf.store import tags
from keepwf.store.history import contains, local_branches
from keepwf.store.repo import Repo


@dataclass
class ReleaseResult:
    action: str  # rollback | promote
    workflow: str
    env: str
    current: Version | None  # deployed before
    target: Version  # the version whose commit goes live
    diff: DiffResult | None
    version: Version | None = None  # the new version (planned on --dry-run)
    dry_run: bool = False
    noop: bool = False  # the target content is already deployed: nothing created
    checks: list[CheckItem] | None = None
    still_on_branch: dict | None = None  # rollback: the branch still holds the rolled-back change (and how to revert it)
    publish: str | None = None  # "pushed to origin" / "not pushed yet: keepwf sync" (service.pushnow)

    def to_dict(self) -> dict:
        return {"still_on_branch": self.still_on_branch, "publish": self.publish, "action": self.action, "workflow": self.workflow, "env": self.env, "dry_run": self.dry_run,
                "noop": self.noop, "current": self.current.to_dict() if self.current else None,
                "target": self.target.to_dict(), "version": self.version.to_dict() if self.version else None,
                "diff": self.diff.to_dict() if self.diff else None,
                "checks": [c.to_dict() for c in self.checks or []]}


def _side(repo: Repo, v: Version) -> Side:
    return Side(v.label, v.path, version_content(repo, v), v)


def rollback(repo: Repo, config: Config, wf: str, to: str | None = None, env: str | None = None,
             message: str | None = None, dry_run: bool = False) -> ReleaseResult:
    env = config.env(env).name
    known_workflow(repo, config, wf)
    current = deployed_version(repo, wf, env)
    if current is None:
        raise StateError(f"{wf} has never been deployed to {env}: nothing to roll back",
                         hint=f"keepwf deploy {wf} --env {env}")
    from keepwf.service import canary
    from keepwf.service.versions import is_live

    _t, running = canary.active(repo, env, wf, current.label)
    if running is not None:
        raise StateError(f"a canary of {running.canary} is running in {env} ({running.weight}% of the events); "
                         f"{current.label} is still the deployed version",
                         hint=f'stop the canary instead: keepwf canary abort {wf} --env {env} -m "…"')
    if to:
        target = resolve_version(repo, wf, env, to)
        if target.blob in canary.refused_blobs(repo, env, wf):
            raise StateError(f"{target.label}'s content failed its canary in {env} and was aborted; refusing to make "
                             "it live", hint=f'keepwf canary retry {wf} --env {env} -m "…" tries it again as a canary')
    else:
        versions = [v for v in list_versions(repo, wf, env) if is_live(repo, v)]
        target = default_rollback_target(versions, version_run_stats(repo, wf, env, versions) or None)
        if target is None:
            raise StateError(f"{wf} has no version before {current.label} in {env} to roll back to",
                             hint=f"keepwf history {wf} --env {env}")
    if target.foreign:
        raise UsageError(f"{target.tag} is not a keepwf version ({target.foreign}); refusing to make it live",
                         hint=f"pick another version: keepwf history {wf} --env {env}")
    res = ReleaseResult("rollback", wf, env, current, target, compare_sides(wf, env, _side(repo, current), _side(repo, target)),
                        dry_run=dry_run)
    if target.blob == current.blob:
        res.noop = True
        return res
    who = tags.identity(repo)
    res.version = new_version(wf, env, next_number(repo, wf, env), target.commit, target.path, target.blob, "rollback",
                              message or f"Roll back {wf} to {target.label}", who, rollback_of=current.label)
    if not dry_run:
        from keepwf.service.pushnow import publish_note, require_remote

        push = config.env(env).push
        if push:
            require_remote(repo, env)
        res.version = create_versions(repo, [res.version], who)[0]
        res.publish = publish_note(repo, push)
    res.still_on_branch = _branch_still_holds(repo, current, target)
    return res


def _branch_still_holds(repo: Repo, current: Version, target: Version) -> dict | None:
    """The checked-out branch still holds the change the rollback took back (the rolled-back version's commit is in
    it, or its file is that version's content): the next `deploy --all` would meet the redeploy guard. The commits
    to revert are the non-merge commits between the target and the rolled-back version that touched the file."""
    head = repo.head_commit()
    if head is None or repo.is_bare or not current.path:
        return None
    at = repo.blob_at(head, current.path)
    blob = at[0] if at else None
    if blob is None or blob == target.blob or (blob != current.blob and not contains(repo, head, current.commit)):
        return None
    cp = repo.git("rev-list", "--no-merges", f"{target.commit}..{current.commit}", "--", current.path, check=False)
    commits = [c for c in cp.stdout.decode().split() if contains(repo, head, c)]
    if not commits:
        return None
    return {"branch": repo.branch() or "HEAD", "version": current.label, "commits": commits,
            "command": "git revert --no-edit " + " ".join(c[:10] for c in commits)}


def _on_allowed_branch(repo: Repo, commit: str, patterns: tuple[str, ...]) -> str | None:
    """The allowed local branch containing ``commit`` (None when none does)."""
    from fnmatch import fnmatchcase

    for name, tip in local_branches(repo).items():
        if any(fnmatchcase(name, p) for p in patterns) and contains(repo, tip, commit):
            return name
    return None


@dataclass
class PromoteResult:
    """One promotion of one or more workflows: one checklist, one ref transaction (all or none)."""

    from_env: str
    to_env: str
    dry_run: bool
    items: list[ReleaseResult] = field(default_factory=list)
    error: KeepwfError | None = None
    publish: str | None = None

    @property
    def checks(self) -> list[CheckItem]:
        return [c for i in self.items for c in i.checks or []]

    def to_dict(self) -> dict:
        return {"publish": self.publish, "from": self.from_env, "to": self.to_env, "dry_run": self.dry_run, "ok": self.error is None,
                "items": [i.to_dict() for i in self.items], "error": self.error.to_dict() if self.error else None}


def promote(repo: Repo, config: Config, wf_ids: list[str], from_env: str | None, to_env: str, message: str | None = None,
            dry_run: bool = False, *, all_: bool = False, force: bool = False) -> PromoteResult:
    """Promote what ``from_env`` runs to ``to_env`` for each workflow (``all_``: every workflow deployed in
    ``from_env`` whose content differs in ``to_env``). ``from_env`` defaults to ``to_env``'s ``promote_from``."""
    from keepwf.service import guards

    dst_cfg = config.env(to_env)
    from_env = from_env or dst_cfg.promote_from
    if not from_env:
        raise UsageError("--from is needed: [env.%s] sets no promote_from" % dst_cfg.name,
                         hint=f"keepwf promote WF --from staging --to {dst_cfg.name}")
    src_cfg = config.env(from_env)
    if src_cfg.name == dst_cfg.name:
        raise UsageError("--from and --to name the same environment", hint="keepwf promote WF --from staging --to production")
    if dst_cfg.promote_from and dst_cfg.promote_from != src_cfg.name:
        raise StateError(f"{dst_cfg.name} is promoted to only from {dst_cfg.promote_from} (promote_from in keepwf.toml), "
                         f"not from {src_cfg.name}", hint=f"keepwf promote WF --from {dst_cfg.promote_from} --to {dst_cfg.name}")
    if wf_ids and all_:
        raise UsageError("give workflow ids or --all, not both", hint=f"keepwf promote --all --from {src_cfg.name} --to {dst_cfg.name}")
    if not wf_ids and not all_:
        raise UsageError("name the workflows to promote, or --all", hint=f"keepwf promote --all --from {src_cfg.name} --to {dst_cfg.name}")
    reason = guards.force_reason(force, message, f"keepwf promote {' '.join(wf_ids) or '--all'} --to {dst_cfg.name}")
    if all_:
        from keepwf.service.versions import deployed_versions

        wf_ids = sorted(wf for (_e, wf) in deployed_versions(repo, src_cfg.name))
    res = PromoteResult(src_cfg.name, dst_cfg.name, dry_run)
    who = tags.identity(repo)
    nexts: list[Version] = []
    for wf in wf_ids:
        known_workflow(repo, config, wf)  # a typo is exit 2 with a did-you-mean
    for wf in sorted(set(wf_ids)):
        item = _promote_one(repo, dst_cfg, src_cfg.name, wf, who, reason, strict=not all_)
        if item is None:
            continue
        res.items.append(item)
        if not item.noop:
            forced = ",".join(c.name for c in item.checks if c.status == "warn") or None
            item.version = new_version(wf, dst_cfg.name, next_number(repo, wf, dst_cfg.name), item.target.commit,
                                       item.target.path, item.target.blob, "promote",
                                       message or f"Promote {wf} {item.target.label} from {src_cfg.name}", who,
                                       promoted_from=f"{src_cfg.name}/{item.target.label}", forced=forced,
                                       force_reason=reason if forced else None)
            nexts.append(item.version)
    failed = [c for c in res.checks if c.failed]
    if failed:
        res.error = StateError(f"promote refused: {failed[0].name}: {failed[0].detail}; nothing was created",
                               hint=failed[0].hint)
        return res
    if not dry_run and nexts:
        from keepwf.service.pushnow import publish_note, require_remote

        if dst_cfg.push:
            require_remote(repo, dst_cfg.name)
        made = {v.tag: v for v in create_versions(repo, nexts, who)}
        res.publish = publish_note(repo, dst_cfg.push)
        for item in res.items:
            if item.version is not None:
                item.version = made.get(item.version.tag, item.version)
    return res


def _promote_one(repo: Repo, dst_cfg, src_env: str, wf: str, who, reason: str | None, strict: bool) -> ReleaseResult | None:
    from keepwf.service import guards

    src = deployed_version(repo, wf, src_env)
    if src is None:
        if not strict:
            return None
        raise StateError(f"{wf} is not deployed in {src_env}: nothing to promote", hint=f"keepwf deploy {wf} --env {src_env}")
    current = deployed_version(repo, wf, dst_cfg.name)
    diff = compare_sides(wf, dst_cfg.name, _side(repo, current) if current else Side("(none)", "(none)", b""), _side(repo, src))
    res = ReleaseResult("promote", wf, dst_cfg.name, current, src, diff, checks=[])
    if current is not None and current.blob == src.blob and current.commit == src.commit:
        res.noop = True
        return res
    from keepwf.service.canary import refused_blobs

    if src.blob in refused_blobs(repo, dst_cfg.name, wf):
        res.checks.append(CheckItem("aborted", "fail", f"{src.label}'s content failed its canary in {dst_cfg.name} and "
                                    "was aborted", hint=f'keepwf canary retry {wf} --env {dst_cfg.name} -m "…"'))
    if "*" in dst_cfg.branches:
        res.checks.append(CheckItem("branch", "ok", f"{dst_cfg.name} may be deployed from any branch"))
    else:
        on = _on_allowed_branch(repo, src.commit, dst_cfg.branches)
        if on is None:
            res.checks.append(CheckItem("branch", "fail", f"commit {src.short} is not on a branch {dst_cfg.name} may be "
                                        f"deployed from ({', '.join(dst_cfg.branches)})",
                                        hint=f"merge it into {dst_cfg.branches[0]} first, then deploy from there"))
        else:
            res.checks.append(CheckItem("branch", "ok", f"commit {src.short} is on {on}"))
    res.checks.append(check_approvals(repo, dst_cfg, wf, src.blob, who.email))
    for line in (guards.gate_check(repo, dst_cfg, src_env, wf, src, reason),
                 guards.redeploy_check(repo, wf, dst_cfg.name, src.blob, reason,
                                       f"keepwf promote {wf} --from {src_env} --to {dst_cfg.name}")):
        if line is not None:
            res.checks.append(line)
    return res

