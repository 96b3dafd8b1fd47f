"""``keepwf sync [REMOTE]``: fetch the other side's deploy tags and run log, merge runs by union, push without force.

1. fetch the other side's deploy tags, prune archive (``refs/keepwf/archive/**``), audit chain, run chains and run
   notes into ``refs/keepwf/remotes/<remote>/…`` (a private remote-tracking namespace);
2. versions first (``keepwf.store.versionsync``): a version name pointing at different objects on the two sides is a
   conflict that stops the sync before anything changes (tags never move); missing tags and archived versions are
   taken, a version the other side pruned is archived here too, the audit chains are joined;
3. merge the runs into ours (``keepwf.store.runmerge``: no loss, no duplicate; the results fast-forward from both sides);
4. push tags, archive, audit, notes and chains *without* force (plus deleting the remote's live tags of versions that
   are archived). If someone pushed meanwhile the push is rejected: start over, at most
   ``ATTEMPTS`` times.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass, field

from keepwf.config import valid_ref_component
from keepwf.errors import StateError, UsageError
from keepwf.store.repo import Repo

ATTEMPTS = 4
PUSH_SPECS = ["refs/tags/keepwf/*:refs/tags/keepwf/*", "refs/notes/keepwf/*:refs/notes/keepwf/*",
              "refs/keepwf/runs/*:refs/keepwf/runs/*", "refs/keepwf/drafts/*:refs/keepwf/drafts/*",
              "refs/keepwf/archive/*:refs/keepwf/archive/*", "refs/keepwf/audit*:refs/keepwf/audit*",
              "refs/keepwf/canary/*:refs/keepwf/canary/*"]


@dataclass
class SyncResult:
    remote: str
    attempts: int = 0
    merged: dict = field(default_factory=dict)
    pushed: list[str] = field(default_factory=list)
    runs_before: int = 0
    runs_after: int = 0
    versions: dict = field(default_factory=dict)
    not_deleted: list[str] = field(default_factory=list)  # pruned here, but the remote refused to delete its tag

    def to_dict(self) -> dict:
        return {"remote": self.remote, "attempts": self.attempts, "merged": self.merged, "pushed": self.pushed,
                "runs_before": self.runs_before, "runs_after": self.runs_after, "versions": self.versions,
                "not_deleted": self.not_deleted}


def _namespace(remote: str) -> str:
    name = remote if valid_ref_component(remote) else "r" + hashlib.sha1(remote.encode()).hexdigest()[:10]
    return f"refs/keepwf/remotes/{name}/"


def _count(repo: Repo) -> int:
    from keepwf.store.runlog import KINDS, RunLog
    from keepwf.store.runstats import chain_stats

    return sum(st["runs"] for k in KINDS for st in chain_stats(repo, RunLog(repo, k).chain_refs()).values())


def sync(repo: Repo, remote: str = "origin") -> SyncResult:
    from keepwf.store.reviews import merge_reviews_from
    from keepwf.store import versionsync
    from keepwf.store.runmerge import merge_from

    from keepwf.store.gitcli import not_an_option

    not_an_option(remote, "remote")  # `keepwf sync -- --upload-pack=CMD` must never reach git as an option
    known = repo.git("remote", check=False).stdout.decode().split()
    if remote not in known and not any(c in remote for c in "/:."):
        raise UsageError(f"no remote named {remote!r}" + (f" (remotes: {', '.join(known)})" if known else " (no remotes)"),
                         hint=f"git remote add {remote} URL   or   keepwf sync URL")
    ns = _namespace(remote)
    res = SyncResult(remote, runs_before=_count(repo))
    fetch_specs = [f"+refs/tags/keepwf/*:{ns}tags/keepwf/*",
                   f"+refs/keepwf/archive/*:{ns}keepwf/archive/*",
                   f"+refs/keepwf/audit*:{ns}keepwf/audit*",  # a glob: a remote without prunes has no audit ref
                   f"+refs/notes/keepwf/*:{ns}notes/keepwf/*",
                   f"+refs/keepwf/runs/*:{ns}keepwf/runs/*",
                   f"+refs/keepwf/drafts/*:{ns}keepwf/drafts/*",
                   f"+refs/keepwf/canary/*:{ns}keepwf/canary/*"]
    last = ""
    for attempt in range(1, ATTEMPTS + 1):
        res.attempts = attempt
        cp = repo.git("fetch", "--quiet", "--prune", "--no-tags", "--", remote, *fetch_specs, check=False)
        if cp.returncode != 0:
            msg = cp.stderr.decode(errors="replace").strip()
            raise StateError(f"cannot fetch from {remote}: {msg}", hint=f"check `git fetch {remote}` works")
        plan = versionsync.plan(repo, ns)
        if plan.conflicts:
            raise _conflict_error(repo, remote, plan.conflicts)
        if plan.refused:  # archive entries no prune made: taking them would un-deploy without a deploy
            raise versionsync.refusal_error(remote, plan.refused)
        versionsync.apply(repo, plan)
        for k, v in (("tags", plan.new_tags), ("archived", plan.new_archived), ("pruned_here", plan.archived_here),
                     ("audit", int(plan.audit_merged))):
            res.versions[k] = res.versions.get(k, 0) + v
        res.merged["canary"] = res.merged.get("canary", 0) + _merge_canary(repo, ns)
        stats = merge_from(repo, ns)
        stats["reviews"] = merge_reviews_from(repo, ns)  # approvals travel with the repository too
        for k, v in stats.items():
            res.merged[k] = res.merged.get(k, 0) + v
        deletes = [":" + r for r in plan.remote_deletes]
        cp = repo.git("push", "--porcelain", "--", remote, *PUSH_SPECS, *deletes, check=False)
        out = cp.stdout.decode(errors="replace")
        failed = [ln.split("\t") for ln in out.splitlines() if ln[:1] == "!" and ln.count("\t") >= 2]
        if cp.returncode != 0 and failed and all(f[1] in deletes for f in failed):
            # the remote refuses to delete tags (a protected-tags rule, an update hook): everything else went through;
            # other clones still archive those versions (an archived version wins over a live tag of the same object)
            res.not_deleted = [f[1][1:] for f in failed]
            cp = subprocess.CompletedProcess(cp.args, 0, cp.stdout, cp.stderr)
        if cp.returncode == 0:
            res.pushed = [ln.split("\t")[1].split(":")[1] for ln in out.splitlines()
                          if ln[:1] in ("*", "+", " ") and "\t" in ln and "[up to date]" not in ln]
            res.runs_after = _count(repo)
            return res
        rejected = "[rejected]" in out or "fetch first" in out or "non-fast-forward" in out or "[remote rejected]" in out
        last = f"{failed[0][1].split(':')[-1]} {failed[0][2]}" if failed else ""
        if not rejected:
            raise StateError(f"cannot push to {remote}: {cp.stderr.decode(errors='replace').strip() or out.strip()}",
                             hint=f"check `git push {remote}` works")
    raise StateError(f"sync to {remote}: the push was refused {ATTEMPTS} times (someone pushing meanwhile, or a hook "
                     f"or protection rule; last: {last}); {ATTEMPTS} attempts, nothing was lost",
                     hint=f"run `keepwf sync {remote}` again")


def _merge_canary(repo: Repo, ns: str) -> int:
    """Canary state chains from the other side: joined to ours (a merge commit when both moved); the state of a
    joined chain is folded with abort winning (docs/canary.md, "Two clones")."""
    from keepwf.store import canary
    from keepwf.store.reftx import list_refs

    theirs_prefix = f"{ns}keepwf/canary/"
    changed = 0
    for ref, theirs in list_refs(repo, theirs_prefix).items():
        ours_ref = canary.CANARY_PREFIX + ref[len(theirs_prefix):]
        ours = canary.all_chains(repo).get(ours_ref)
        if ours != theirs:
            for _ in range(5):
                try:
                    if canary.merge(repo, ours_ref, ours, theirs) != ours:
                        changed += 1
                    break
                except canary.Moved:
                    ours = canary.all_chains(repo).get(ours_ref)
    return changed


def _conflict_error(repo: Repo, remote: str, conflicts) -> StateError:
    """Which version differs, what each side points at, and the commands that resolve it (docs/runs.md)."""
    from keepwf.store.versionsync import describe

    lines = []
    w = max(len("here"), len(remote)) + 2
    for c in conflicts[:10]:
        env, wf, label = c.name.rsplit("/", 2)
        where = lambda ref: "archived" if "/archive/" in ref else "tag"  # noqa: E731
        lines.append(f"  {wf} in {env}, {label} (keepwf/{c.name}):\n"
                     f"    {'here:':<{w}}{where(c.ours)} -> {describe(repo, c.ours_oid)}\n"
                     f"    {remote + ':':<{w}}{where(c.theirs)} -> {describe(repo, c.theirs_oid)}")
    more = f"\n  … and {len(conflicts) - 10} more" if len(conflicts) > 10 else ""
    first = conflicts[0]
    env, wf, _label = first.name.rsplit("/", 2)
    if "/archive/" in first.ours:
        fix = f"git update-ref -d {first.ours} && keepwf sync {remote}"
    else:
        fix = (f"git tag -d keepwf/{first.name} && keepwf sync {remote} && keepwf deploy {wf} --env {env} "
               f"-m 'redeploy after a sync conflict'")
    return StateError(
        f"sync with {remote} stopped, nothing was changed: the same deploy version differs on both sides (each clone "
        f"deployed it on its own without syncing first; {len(conflicts)} version(s)):\n" + "\n".join(lines) + more,
        hint=f"keep {remote}'s version and redeploy yours as the next version (repeat for each version listed; "
             f"see docs/runs.md, 'Two clones deployed the same version'): {fix}")
