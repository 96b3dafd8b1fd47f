"""The kill switch: ``disable``/``enable`` a workflow in one command — edit, commit, deploy.

``disabled: true`` is Keep's own switch (the engine records such a run as ``skipped`` and runs no step). The file is
edited in place keeping its comments (``workflow.edit``), committed alone (``git commit -- PATH``) and deployed to the
env through the normal release checklist, so the switch is a version like any other: audited, visible in
``history``, undone by ``enable`` (or a rollback).
"""

from __future__ import annotations

from dataclasses import dataclass

from keepwf.errors import StateError, UsageError
from keepwf.store.repo import Repo


@dataclass
class SwitchResult:
    workflow: str
    env: str
    disabled: bool
    path: str
    commit: str
    deploy: object  # keepwf.service.deploy.DeployResult

    def to_dict(self) -> dict:
        return {"workflow": self.workflow, "env": self.env, "disabled": self.disabled, "path": self.path,
                "commit": self.commit, "deploy": self.deploy.to_dict()}


def switch(repo: Repo, wf: str, *, disabled: bool, message: str, env: str | None = None) -> SwitchResult:
    from keepwf.service import catalog
    from keepwf.service.deploy import deploy
    from keepwf.service.versions import deployed_version
    from keepwf.store.settings import load_config
    from keepwf.workflow.edit import set_disabled

    verb = "disable" if disabled else "enable"
    if not message or not message.strip():
        raise UsageError(f"say why: keepwf {verb} {wf} -m REASON", hint=f'keepwf {verb} {wf} -m "pages on every flap"')
    if repo.is_bare:
        raise UsageError(f"{verb} edits the workflow file: run it in a clone with a working tree, not a bare repository")
    config = load_config(repo)
    env = config.env(env).name
    head = repo.require_commit()
    drafts = catalog.working_tree(repo, config)
    f = drafts.workflows.get(wf)
    if f is None:
        raise catalog.unknown_workflow(wf, sorted(drafts.workflows))
    at_head = repo.blob_at(head, f.path)
    if at_head is None or at_head[0] != f.blob:
        raise StateError(f"{f.path} has uncommitted changes: {verb} would deploy them too",
                         hint=f"commit or stash them first (git stash), then keepwf {verb} {wf} -m …")
    dep = deployed_version(repo, wf, env)
    if dep is not None and dep.blob != f.blob and dep.path == f.path:
        raise StateError(f"{f.path} on this branch is not what {env} runs ({dep.label}): {verb} would also deploy "
                         "the undeployed changes", hint=f"git diff {dep.commit[:10]} HEAD -- {f.path} shows them; deploy or "
                         f"revert them first (or run {verb} in a checkout of {dep.commit[:10]})")
    text = f.data.decode("utf-8")
    new, changed = set_disabled(text, wf, disabled, f.path)
    if not changed:
        raise StateError(f"{wf} is already {'disabled' if disabled else 'enabled'} in {f.path}",
                         hint=f"keepwf status {wf} shows what {env} runs")
    (repo.root / f.path).write_bytes(new.encode("utf-8"))
    subject = f"{'Disable' if disabled else 'Enable'} {wf}: {message.strip()}"
    try:
        repo.git("commit", "-q", "-m", subject, "--", f.path)
    except StateError:
        (repo.root / f.path).write_bytes(f.data)  # nothing committed: the file goes back as it was
        raise
    commit = repo.require_commit()
    res = deploy(repo, config, [wf], env=env, message=subject, kill_switch=True)
    return SwitchResult(wf, env, disabled, f.path, commit, res)
