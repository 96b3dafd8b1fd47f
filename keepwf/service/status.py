"""keepwf status and keepwf list: deployed version per env, draft state, undeployed commits."""

from __future__ import annotations

from dataclasses import dataclass, field

from keepwf.config import Config
from keepwf.model.version import Version
from keepwf.service import catalog as cat
from keepwf.service.versions import scan_deployed
from keepwf.store.history import CommitInfo, commits_touching
from keepwf.store.repo import Repo

IN_SYNC, MODIFIED, NEW, DELETED = "in sync", "modified", "new", "deleted"
NO_TREE = "no working tree"  # a bare repository (e.g. the team's server): there is no draft to compare


def draft_state(draft: cat.WorkflowFile | None, deployed: Version | None) -> str:
    if draft is None:
        return DELETED if deployed is not None else "absent"
    if deployed is None:
        return NEW
    return IN_SYNC if draft.blob == deployed.blob else MODIFIED


@dataclass
class EnvStatus:
    env: str
    deployed: Version | None
    draft: str  # in sync | modified | new | deleted | absent | no working tree
    undeployed: list[CommitInfo] = field(default_factory=list)
    last_runs: list | None = None  # filled by the runs feature (see service.status.attach_runs)
    foreign: list[Version] = field(default_factory=list)  # tags newer than the deployed one that keepwf did not make
    unpushed: list[str] = field(default_factory=list)  # versions the remote (origin) lacks, as of the last sync/push
    health: dict | None = None  # the deployed version's runs: runs, success_rate, last_error (service.status.attach_runs)

    def to_dict(self) -> dict:
        return {"env": self.env, "deployed": self.deployed.to_dict() if self.deployed else None, "draft": self.draft,
                "undeployed_commits": [c.to_dict() for c in self.undeployed], "last_runs": self.last_runs,
                "foreign": [v.to_dict() for v in self.foreign], "unpushed": self.unpushed, "health": self.health}


@dataclass
class WorkflowStatus:
    workflow: str
    path: str | None  # working-tree file (None when deleted)
    envs: list[EnvStatus] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"workflow": self.workflow, "path": self.path, "envs": [e.to_dict() for e in self.envs]}


def env_names(repo: Repo, config: Config, deployed: dict) -> list[str]:
    names = list(config.envs)
    for (e, _wf) in deployed:
        if e not in names:
            names.append(e)
    return names


def collect(repo: Repo, config: Config, wf_ids: list[str] | None = None, env: str | None = None, *,
            with_commits: bool = True, problems: list | None = None) -> list[WorkflowStatus]:
    """One WorkflowStatus per workflow (working tree ∪ deployed), each with one EnvStatus per env. ``problems``, when
    given, receives the working tree's load errors (unreadable files, duplicate ids) that the rows cannot show."""
    if env is not None:
        config.env(env)  # unknown env → exit 2
    deployed, foreign = scan_deployed(repo, env)
    drafts = cat.working_tree(repo, config, cat.known_files(deployed.values()))
    if problems is not None:
        problems.extend(p for p in drafts.problems if p.severity == "error")
    envs = [env] if env else env_names(repo, config, deployed)
    ids = sorted(set(drafts.workflows) | {wf for (_e, wf) in deployed} | {wf for (_e, wf) in foreign})
    if wf_ids:
        for wf in wf_ids:
            if wf not in ids:
                raise cat.unknown_workflow(wf, ids)
        ids = [wf for wf in ids if wf in set(wf_ids)]
    head = repo.head_commit()
    from keepwf.service.pushnow import unpushed

    lacking = unpushed(repo)
    out = []
    for wf in ids:
        any_v = next((deployed[(e, wf)] for e in envs if (e, wf) in deployed), None)
        draft = cat.draft_file(drafts, wf, any_v.path if any_v else None)
        bare = repo.is_bare
        row = WorkflowStatus(wf, draft.path if draft else (any_v.path if bare and any_v else None))
        for e in envs:
            v = deployed.get((e, wf))
            st = EnvStatus(e, v, NO_TREE if bare else draft_state(draft, v), foreign=foreign.get((e, wf), []),
                           unpushed=lacking.get((e, wf), []))
            if with_commits and head and v is not None:  # never deployed there: every commit is "undeployed"
                paths = tuple({p for p in ((draft.path if draft else None), v.path) if p})
                st.undeployed = commits_touching(repo, head, v.commit, paths)
            row.envs.append(st)
        out.append(row)
    attach_runs(repo, out)
    return out


def attach_runs(repo: Repo, rows: list[WorkflowStatus]) -> None:
    """LAST RUNS: ``EnvStatus.last_runs`` = the newest runs of the deployed version (run dicts, newest first).
    HEALTH: ``EnvStatus.health`` = the deployed version's counted runs, success rate and last error (docs/runs.md,
    "Which runs count") — like Argo CD's app health, where people look."""
    from keepwf.service.runs import deployed_run_stats, last_runs

    stats = deployed_run_stats(repo, [st.deployed for row in rows for st in row.envs if st.deployed is not None])
    for row in rows:
        for st in row.envs:
            if st.deployed is not None:
                st.last_runs = last_runs(repo, row.workflow, st.env, st.deployed.label)
                st.health = health(st.deployed.label, stats.get((st.env, row.workflow)) or {})


def health(label: str, stats: dict) -> dict:
    """``{version, runs, success_rate, cancelled, trial, last_error}`` of one version (``success_rate`` None without
    counted runs)."""
    runs = stats.get("runs", 0)
    return {"version": label, "runs": runs, "success_rate": stats.get("success_rate") if runs else None,
            "cancelled": stats.get("cancelled", 0), "trial": stats.get("trial", 0), "last_error": stats.get("last_error")}
