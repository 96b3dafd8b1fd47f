"""keepwf history and keepwf show: one workflow's versions, newest first, and the content of one version."""

from __future__ import annotations

from dataclasses import dataclass, field

from keepwf.config import Config
from keepwf.errors import StateError
from keepwf.model.version import Version
from keepwf.service import catalog as cat
from keepwf.service.versions import count_versions, deployed_version, list_versions, resolve_version
from keepwf.store import tags
from keepwf.store.repo import Repo


def known_workflow(repo: Repo, config: Config, wf: str) -> None:
    """Check ``wf`` has versions in some env or exists in the working tree (else exit 2, with a did-you-mean)."""
    for archived in (False, True):
        for (_e, w) in tags.version_index(repo, archived=archived):
            if w == wf:
                return
    drafts = cat.working_tree(repo, config)
    if wf in drafts.workflows:
        return
    raise cat.unknown_workflow(wf, sorted(set(drafts.workflows) | {w for (_e, w) in tags.version_index(repo)}))


@dataclass
class HistoryPage:
    workflow: str
    env: str
    total: int
    page: int
    limit: int
    deployed: str | None  # label of the deployed version
    versions: list[Version] = field(default_factory=list)
    runs: dict[str, dict] = field(default_factory=dict)  # label → {"runs": n, "success_rate": x} (runs feature)
    signatures: dict[str, str] = field(default_factory=dict)  # label → good|bad|unsigned (envs with signed = true)

    def to_dict(self) -> dict:
        rows = []
        for v in self.versions:
            d = v.to_dict()
            d["deployed"] = v.label == self.deployed
            d["runs"] = self.runs.get(v.label)
            if self.signatures:
                d["signature"] = self.signatures.get(v.label)
            rows.append(d)
        return {"workflow": self.workflow, "env": self.env, "total": self.total, "page": self.page,
                "limit": self.limit, "deployed": self.deployed, "versions": rows}


def history(repo: Repo, config: Config, wf: str, env: str | None = None, *, limit: int = 20, page: int = 1,
            include_pruned: bool = False) -> HistoryPage:
    env = config.env(env).name
    known_workflow(repo, config, wf)
    total = count_versions(repo, wf, env, include_pruned)
    versions = list_versions(repo, wf, env, limit=limit, offset=(page - 1) * limit, include_pruned=include_pruned)
    dep = deployed_version(repo, wf, env)
    res = HistoryPage(wf, env, total, page, limit, dep.label if dep else None, versions)
    res.runs = version_run_stats(repo, wf, env, versions)
    if config.envs[env].signed:  # a tag that does not verify is refused by run/trigger: history says which
        from keepwf.service.signatures import tag_signature

        res.signatures = {v.label: tag_signature(repo, v.tag, v.tag_oid or None).status for v in versions}
    return res


def version_run_stats(repo: Repo, wf: str, env: str, versions: list[Version]) -> dict[str, dict]:
    """RUNS PER VERSION: ``{label: {"runs": n, "failed": f, "success_rate": r, "last_started", "last_status"}}``."""
    from keepwf.service.runs import version_run_stats as stats

    return stats(repo, wf, env, versions)


def version_content(repo: Repo, v: Version) -> bytes:
    """The workflow file's bytes of version ``v``, from git objects (the blob its trailer names)."""
    if v.blob:
        try:
            return repo.read_blob(v.blob)
        except (KeyError, ValueError):
            pass
    found = repo.blob_at(v.commit, v.path) if v.path else None
    if found is None and v.foreign and not v.path:
        raise StateError(f"{v.tag} is not a keepwf version ({v.foreign}): it names no workflow file, so keepwf "
                         "cannot tell what it holds", hint=f"inspect it with git: git show --stat {v.tag}")
    if found is None:
        raise StateError(f"{v.tag}: the blob of {v.path or v.workflow} is missing from the repository",
                         hint="git fetch the missing objects, or check the tag with `git cat-file -p " + v.tag + "`")
    return found[1]


@dataclass
class Shown:
    version: Version
    content: bytes
    deployed: str | None

    def to_dict(self) -> dict:
        return {"version": self.version.to_dict(), "deployed": self.deployed,
                "content": self.content.decode("utf-8", "replace")}


def show(repo: Repo, config: Config, wf: str, env: str | None = None, ref: str | None = None) -> Shown:
    env = config.env(env).name
    known_workflow(repo, config, wf)
    v = resolve_version(repo, wf, env, ref)
    dep = deployed_version(repo, wf, env)
    return Shown(v, version_content(repo, v), dep.label if dep else None)
