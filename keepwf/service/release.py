"""keepwf rollback and keepwf promote: a NEW version pointing at a commit that was already deployed.

Rollback skips the branch and approvals checks (the target content was checked when it was first deployed to this
env). Promote applies the --to env's rules: the commit must be on a branch that env may deploy from (an ancestor of
one of its allowed local branches) and its approvals must hold for the promoted blob.
"""

from __future__ import annotations

from dataclasses import dataclass

from keepwf.config import Config
from keepwf.errors import StateError, UsageError
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

    def to_dict(self) -> dict:
        return {"action": self.action, "workflow": self.workflow, "env": self.env, "dry_run": self.dry_run,
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
        res.version = create_versions(repo, [res.version], who)[0]
    return res


def _on_allowed_branch(repo: Repo, commit: str, patterns: tuple[str, ...]) -> str | None:
    """The allowed local branch containing ``commit`` (None when none does)."""
    from fnmatch import fnmatchcase

    for name, tip in local_branches(repo).items():
        if any(fnmatchcase(name, p) for p in patterns) and contains(repo, tip, commit):
            return name
    return None


def promote(repo: Repo, config: Config, wf: str, from_env: str, to_env: str, message: str | None = None,
            dry_run: bool = False) -> ReleaseResult:
    src_cfg, dst_cfg = config.env(from_env), config.env(to_env)
    if src_cfg.name == dst_cfg.name:
        raise UsageError("--from and --to name the same environment", hint=f"keepwf promote {wf} --from staging --to production")
    known_workflow(repo, config, wf)
    src = deployed_version(repo, wf, src_cfg.name)
    if src is None:
        raise StateError(f"{wf} is not deployed in {src_cfg.name}: nothing to promote",
                         hint=f"keepwf deploy {wf} --env {src_cfg.name}")
    current = deployed_version(repo, wf, dst_cfg.name)
    diff = compare_sides(wf, dst_cfg.name, _side(repo, current) if current else Side("(none)", "(none)", b""), _side(repo, src))
    res = ReleaseResult("promote", wf, dst_cfg.name, current, src, diff, dry_run=dry_run, checks=[])
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
    who = tags.identity(repo)
    res.checks.append(check_approvals(repo, dst_cfg, wf, src.blob, who.email))
    failed = [c for c in res.checks if c.failed]
    if failed:
        raise StateError(f"promote refused: {failed[0].name}: {failed[0].detail}; nothing was created", hint=failed[0].hint)
    res.version = new_version(wf, dst_cfg.name, next_number(repo, wf, dst_cfg.name), src.commit, src.path, src.blob,
                              "promote", message or f"Promote {wf} {src.label} from {src_cfg.name}", who,
                              promoted_from=f"{src_cfg.name}/{src.label}")
    if not dry_run:
        res.version = create_versions(repo, [res.version], who)[0]
    return res
