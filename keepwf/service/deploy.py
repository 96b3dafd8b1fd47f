"""keepwf deploy: the release checklist, then one new version per changed workflow, all-or-none.

Decisions (docs/versions.md): no WF and no --all is a usage error whose hint lists what changed; a deleted
workflow file is never "deployed away": named explicitly it refuses (exit 3), with --all it is reported and the
deployed version stays; a workflow whose blob equals its deployed version is skipped and said so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from keepwf.config import Config, valid_ref_component
from keepwf.errors import CheckFailed, KeepwfError, StateError, UsageError
from keepwf.model.release import CheckItem
from keepwf.model.version import Version
from keepwf.service import catalog as cat
from keepwf.service.approvals import check_approvals
from keepwf.service.publish import create_versions, new_version
from keepwf.service.versions import deployed_versions
from keepwf.store import history, tags
from keepwf.store.repo import Repo


@dataclass
class PlanItem:
    workflow: str
    status: str  # create | unchanged | deleted
    path: str = ""
    blob: str = ""
    previous: Version | None = None
    version: Version | None = None  # the new version (planned, or created)

    def to_dict(self) -> dict:
        return {"workflow": self.workflow, "status": self.status, "path": self.path, "blob": self.blob,
                "previous": self.previous.to_dict() if self.previous else None,
                "version": self.version.to_dict() if self.version else None}


@dataclass
class DeployResult:
    env: str
    commit: str | None
    branch: str | None
    dry_run: bool
    checks: list[CheckItem] = field(default_factory=list)
    items: list[PlanItem] = field(default_factory=list)
    committed_now: str | None = None
    error: KeepwfError | None = None
    pruned: list = field(default_factory=list)  # versions pruned by [env.X] keep_versions after this deploy

    @property
    def created(self) -> list[PlanItem]:
        return [i for i in self.items if i.status == "create"]

    def to_dict(self) -> dict:
        return {"env": self.env, "commit": self.commit, "branch": self.branch, "dry_run": self.dry_run,
                "committed_now": self.committed_now, "ok": self.error is None,
                "pruned": [v.label for v in self.pruned],
                "checks": [c.to_dict() for c in self.checks], "items": [i.to_dict() for i in self.items],
                "error": self.error.to_dict() if self.error else None}


def _changed(drafts: cat.Catalog, deployed: dict, env: str) -> list[str]:
    out = [wf for wf, f in drafts.workflows.items() if (v := deployed.get((env, wf))) is None or v.blob != f.blob]
    return sorted(out)


def deploy(repo: Repo, config: Config, wf_ids: list[str], *, all_: bool = False, env: str | None = None,
           message: str | None = None, dry_run: bool = False, commit_first: bool = False,
           canary_steps: tuple[int, ...] | None = None) -> DeployResult:
    """The release checklist, then one new version per changed workflow, all or none. ``canary_steps``: the one
    workflow becomes a canary of the deployed version (docs/canary.md) instead of the deployed version."""
    env_cfg = config.env(env)
    env = env_cfg.name
    head = repo.require_commit()
    deployed = deployed_versions(repo, env)
    drafts = cat.working_tree(repo, config, cat.known_files(deployed.values()))
    deployed_ids = sorted(wf for (e, wf) in deployed)
    if wf_ids and all_:
        raise UsageError("give workflow ids or --all, not both", hint="keepwf deploy --all")
    if canary_steps is not None and (all_ or len(wf_ids) != 1):
        raise UsageError("a canary is one workflow at a time: name it", hint="keepwf deploy WF --canary")
    if not wf_ids and not all_:
        changed = _changed(drafts, deployed, env)
        hint = (f"keepwf deploy {' '.join(changed)} --env {env}   (changed since their deployed version)"
                if changed else "nothing has changed since the deployed versions; keepwf status shows where you stand")
        raise UsageError("name the workflows to deploy, or --all", hint=hint)
    selected = sorted(set(wf_ids)) if wf_ids else sorted(set(drafts.workflows) | set(deployed_ids))
    for wf in selected:
        if cat.draft_file(drafts, wf) is None and wf not in deployed_ids:
            raise cat.unknown_workflow(wf, sorted(set(drafts.workflows) | set(deployed_ids)))
    res = DeployResult(env, head, repo.branch(), dry_run)
    checks = res.checks

    # 1. tagger
    try:
        who = tags.identity(repo)
        checks.append(CheckItem("tagger", "ok", f"{who.name} <{who.email}>"))
    except StateError as e:
        who = None
        checks.append(CheckItem("tagger", "fail", e.message, e.hint))

    # 2. the files exist (a deleted file is never forgotten silently; a broken one is "modified", not deleted)
    files: dict[str, cat.WorkflowFile] = {}
    for wf in selected:
        dep = deployed.get((env, wf))
        f = cat.draft_file(drafts, wf, dep.path if dep else None)
        if f is not None:
            files[wf] = f
    present = [wf for wf in selected if wf in files]
    for wf in selected:
        if wf in files:
            continue
        v = deployed[(env, wf)]
        res.items.append(PlanItem(wf, "deleted", v.path, v.blob, previous=v))
        if wf_ids:
            checks.append(CheckItem("present", "fail", f"{wf}: its file {v.path} is gone from the working tree; "
                                    f"{v.label} stays deployed in {env} (keepwf never deploys a removal)",
                                    hint=f"restore it (git checkout -- {v.path}) or leave {wf} out of the deploy"))

    # 3. valid
    def unchanged(wf: str) -> bool:
        dep = deployed.get((env, wf))
        return dep is not None and dep.blob == files[wf].blob

    sources = {files[wf].path: files[wf].data for wf in present if not unchanged(wf)}
    if all_:  # a broken file is not silently left out of --all
        sources.update({p: drafts.sources[p] for p in cat.broken_files(drafts)})
    problems = [p for p in cat.validate(sources, config) if p.severity == "error"]
    seen_dup = {p.file for p in problems if p.code == "duplicate-id"}  # the validator saw both files: count once
    problems += [p for p in drafts.problems
                 if p.severity == "error" and p.file in sources and p.code == "duplicate-id" and p.file not in seen_dup]
    bad_ids = [wf for wf in present if not valid_ref_component(wf)]
    unreadable = [files[wf].path for wf in present if files[wf].doc is None and files[wf].parsed]
    if unreadable and not problems:
        problems = [p for p in drafts.problems if p.file in unreadable and p.severity == "error"]
    if problems or bad_ids:
        first = problems[0] if problems else None
        detail = f"{len(problems)} error(s); first: {first.location()}: {first.message}" if first else ""
        if bad_ids:
            detail = (detail + "; " if detail else "") + f"id(s) not usable in a git ref: {', '.join(bad_ids)}"
        checks.append(CheckItem("valid", "fail", detail, hint="keepwf validate " + " ".join(sorted(sources)), exit_code=1))
    else:
        checks.append(CheckItem("valid", "ok", f"{len(sources)} changed workflow file(s)" if sources else "nothing changed"))

    # 4. committed: the deployed content must be exactly what HEAD holds
    dirty = []
    for wf in present:
        f = files[wf]
        at_head = repo.blob_at(head, f.path)
        if at_head is None or at_head[0] != f.blob:
            dirty.append((wf, f.path, "modified" if at_head else _new_file_state(repo, f.path)))
    blocker = _refused_later(repo, env_cfg, files, present, deployed, env, bad_ids, who) if dirty and commit_first else None
    if dirty and commit_first and (any(c.failed for c in checks) or blocker):
        paths = sorted({p for _, p, _ in dirty})
        checks.append(CheckItem("committed", "skip", f"not committed ({blocker or 'an earlier check failed'}): "
                                + ", ".join(paths)))
        dirty = []
    elif dirty and commit_first:
        paths = sorted({p for _, p, _ in dirty})
        if dry_run:
            checks.append(CheckItem("committed", "ok", "would commit " + ", ".join(paths)))
        else:
            repo.git("add", "--", *paths)
            repo.git("commit", "-q", "-m", message or f"Deploy {', '.join(sorted({w for w, _, _ in dirty}))}", "--", *paths)
            head = repo.require_commit()
            res.commit, res.committed_now = head, head
            checks.append(CheckItem("committed", "ok", f"committed {', '.join(paths)} as {head[:10]}"))
        dirty = []
    elif dirty:
        shown = ", ".join(f"{p} ({why})" for _, p, why in dirty)
        checks.append(CheckItem("committed", "fail", f"not committed: {shown}",
                                hint=f"git add {' '.join(p for _, p, _ in dirty)} && git commit, or keepwf deploy --commit"))
    else:
        checks.append(CheckItem("committed", "ok", f"HEAD {head[:10]}"))

    # 5. branch
    branch = repo.branch()
    if env_cfg.allows_branch(branch):
        checks.append(CheckItem("branch", "ok", f"{branch or 'detached HEAD'} may deploy to {env}"))
    else:
        allowed = ", ".join(env_cfg.branches)
        what = "HEAD is detached" if branch is None else f"branch {branch}"
        checks.append(CheckItem("branch", "fail", f"{what}: {env} may be deployed only from {allowed}",
                                hint=f"git switch {env_cfg.branches[0]} (or change [env.{env}] branches in keepwf.toml)"))

    # 6. plan: one new version per changed workflow
    nexts: dict[str, int] = {}
    for wf in present:
        f = files[wf]
        prev = deployed.get((env, wf))
        if prev is not None and prev.blob == f.blob:
            res.items.append(PlanItem(wf, "unchanged", f.path, f.blob, previous=prev))
            continue
        if wf in bad_ids:  # refused by the "valid" item; it cannot even be named as a tag
            continue
        from keepwf.service.versions import next_number

        nexts[wf] = next_number(repo, wf, env)
        if canary_steps is not None and prev is not None:
            v = new_version(wf, env, nexts[wf], head, f.path, f.blob, "canary", message or f"Canary of {wf}", who,
                            canary_of=prev.label, canary_steps=",".join(map(str, canary_steps)))
        else:
            v = new_version(wf, env, nexts[wf], head, f.path, f.blob, "deploy", message or f"Deploy {wf}", who)
        res.items.append(PlanItem(wf, "create", f.path, f.blob, previous=prev, version=v))
    res.items.sort(key=lambda i: i.workflow)

    # 6b. not behind: a checkout older than the deployed commit (a stale runner, a branch not pulled) would quietly
    # put older content back as a plain "deploy"; going back on purpose is `keepwf rollback`. Shown only on failure.
    behind = [i for i in res.created if i.previous is not None and i.previous.commit != head
              and history.contains(repo, i.previous.commit, head)]
    if behind:
        names = ", ".join(f"{i.workflow} {i.previous.label} ({i.previous.commit[:10]})" for i in behind)
        checks.append(CheckItem("current", "fail", f"HEAD {head[:10]} is behind the deployed {names}: deploying it "
                                "would quietly put older content back",
                                hint="git pull (or switch to the branch holding the deployed commit); to go back on "
                                f"purpose: keepwf rollback {behind[0].workflow} --env {env} --to REF"))

    # 6c. canary: an aborted canary's content stays refused until a human retries it; a canary needs a stable version
    from keepwf.service.canary import refused_blobs

    for i in res.created:
        if i.blob in refused_blobs(repo, env, i.workflow):
            checks.append(CheckItem("aborted", "fail", f"{i.workflow}: this content ({i.blob[:10]}) failed its canary in "
                                    f"{env} and was aborted", hint=f'keepwf canary retry {i.workflow} --env {env} -m "…" '
                                    "to try it again as a canary"))
    if canary_steps is not None:
        if any(i.previous is None for i in res.created):
            checks.append(CheckItem("canary", "fail", f"{wf_ids[0]} has no deployed version in {env} to measure a "
                                    "canary against", hint=f"deploy it normally first: keepwf deploy {wf_ids[0]} --env {env}"))
        elif res.created:
            steps = ", ".join(f"{s}%" for s in canary_steps)
            checks.append(CheckItem("canary", "ok", f"{res.created[0].previous.label} stays deployed; the new version "
                                    f"gets {steps} of the events, then is promoted if it holds"))

    # 7. approvals of exactly the blobs being deployed
    approvals = [check_approvals(repo, env_cfg, i.workflow, i.blob, who.email if who else "") for i in res.created]
    failed_approvals = [a for a in approvals if a.failed]
    if failed_approvals:
        checks.extend(failed_approvals)
    elif approvals:
        checks.append(approvals[0] if len(approvals) == 1 else CheckItem("approvals", "ok", approvals[0].detail))
    else:
        checks.append(CheckItem("approvals", "skip", "nothing to deploy"))

    # 8. signed: tags of an env with signed = true are made with git tag -s
    if env_cfg.signed:
        from keepwf.store.signing import signing_setup

        ready, detail = signing_setup(repo)
        checks.append(CheckItem("signed", "ok" if ready else "fail", detail, hint=None if ready else
                                "git config user.signingkey <key> (and gpg.format ssh for an SSH key); see docs/hooks.md"))

    failed = [c for c in checks if c.failed]
    if failed:
        first = next((c for c in failed if c.exit_code == 1), failed[0])
        cls = CheckFailed if first.exit_code == 1 else StateError
        res.error = cls(f"deploy refused: {first.name}: {first.detail}; nothing was deployed", hint=first.hint)
        return res
    if dry_run or not res.created:
        return res
    made = create_versions(repo, [i.version for i in res.created], who)
    for item, v in zip(res.created, made):
        item.version = v
    if canary_steps is not None:
        from keepwf.service.canary import start

        item = res.created[0]
        start(repo, item.version, item.previous.label, canary_steps, message or f"Canary of {item.workflow}")
    if env_cfg.keep_versions:  # retention: prune by itself, recorded like `keepwf prune` (never the deployed one)
        from keepwf.service.prune import prune

        for item in res.created:
            res.pruned += prune(repo, config, item.workflow, keep=env_cfg.keep_versions, env=env,
                                message=f"keep_versions = {env_cfg.keep_versions} in [env.{env}]").pruned
    return res


def _new_file_state(repo: Repo, path: str) -> str:
    """A file absent from HEAD: 'staged, not committed' when `git add` put it in the index, else 'untracked'."""
    cp = repo.git("ls-files", "--error-unmatch", "--", path, check=False)
    return "staged, not committed" if cp.returncode == 0 else "untracked"


def _refused_later(repo: Repo, env_cfg, files, present, deployed, env: str, bad_ids, who) -> str | None:
    """Before ``--commit`` commits anything: would the branch, approvals or signing item refuse the deploy anyway?
    (Then nothing is committed: a refused deploy leaves the branch as it was.)"""
    if not env_cfg.allows_branch(repo.branch()):
        return "the branch may not deploy to " + env
    for wf in present:
        prev = deployed.get((env, wf))
        if wf in bad_ids or (prev is not None and prev.blob == files[wf].blob):
            continue
        if check_approvals(repo, env_cfg, wf, files[wf].blob, who.email if who else "").failed:
            return "approvals missing"
    if env_cfg.signed:
        from keepwf.store.signing import signing_setup

        if not signing_setup(repo)[0]:
            return "tag signing is not set up"
    return None
