"""keepwf diff: two versions (or a version and the draft) as a unified text diff and a step-level summary."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from keepwf.config import Config
from keepwf.model.version import Version
from keepwf.service import catalog as cat
from keepwf.service.timeline import known_workflow, version_content
from keepwf.service.versions import resolve_version
from keepwf.store.repo import Repo

DRAFT = "draft"


@dataclass
class Side:
    label: str  # "v3" | "draft"
    path: str
    content: bytes
    version: Version | None = None
    commit: str | None = None  # a branch or commit that is not a version: the workflow file there

    def title(self) -> str:
        if self.version is not None:
            return f"{self.label}:{self.path}@{self.version.commit[:10]}"
        if self.commit is not None:
            return f"{self.label}:{self.path}@{self.commit[:10]}"
        return f"draft:{self.path}"

    def to_dict(self) -> dict:
        return {"label": self.label, "path": self.path, "version": self.version.to_dict() if self.version else None,
                "commit": self.commit or (self.version.commit if self.version else None)}


@dataclass
class DiffResult:
    workflow: str
    env: str
    a: Side
    b: Side
    text: str
    summary: dict[str, dict[str, list]] = field(default_factory=dict)

    @property
    def same(self) -> bool:
        return self.a.content == self.b.content

    def to_dict(self) -> dict:
        return {"workflow": self.workflow, "env": self.env, "same": self.same, "a": self.a.to_dict(),
                "b": self.b.to_dict(), "diff": self.text, "summary": self.summary}


def side(repo: Repo, config: Config, wf: str, env: str, ref: str | None, drafts) -> Side:
    if ref == DRAFT:
        from keepwf.service.catalog import draft_file

        if repo.is_bare:
            from keepwf.errors import UsageError

            raise UsageError(f"{repo.git_dir} is a bare repository: there is no working tree, so no draft of {wf}",
                             hint=f"compare two versions instead: keepwf diff {wf} previous deployed")
        from keepwf.service.versions import deployed_version

        dep = deployed_version(repo, wf, env)
        f = draft_file(drafts, wf, dep.path if dep else None)
        if f is None:
            return Side(DRAFT, "(deleted)", b"")
        return Side(DRAFT, f.path, f.data)
    from keepwf.errors import UsageError

    try:
        v = resolve_version(repo, wf, env, ref)
    except UsageError:
        at = _at_commit(repo, config, wf, env, ref)  # a branch or commit that is not a version: the file there
        if at is None:
            raise
        return at
    return Side(v.label, v.path, version_content(repo, v), v)


def _at_commit(repo: Repo, config: Config, wf: str, env: str, ref: str | None) -> Side | None:
    """The workflow's file at the commit ``ref`` names (a branch, tag, ``HEAD~2``, a SHA), or None when ``ref`` is not
    a commit. The path is the deployed version's; when the file is not there, the workflow file there holding ``wf``."""
    from keepwf.errors import UsageError
    from keepwf.service.versions import deployed_version

    commit = repo.resolve_commit(ref) if ref else None
    if commit is None:
        return None
    dep = deployed_version(repo, wf, env)
    if dep is not None and dep.path and (found := repo.blob_at(commit, dep.path)) is not None:
        return Side(ref, dep.path, found[1], commit=commit)
    from keepwf.workflow import load_source

    for path in sorted(repo.files_at(commit, config.workflows_dir)):
        if not path.endswith((".yml", ".yaml")):
            continue
        data = repo.blob_at(commit, path)
        if data is not None and any(d.id == wf for d in load_source(data[1], path).docs):
            return Side(ref, path, data[1], commit=commit)
    raise UsageError(f"{ref} (commit {commit[:12]}) holds no workflow {wf!r}",
                     hint=f"git show {commit[:12]} --stat   (was it added later, or renamed?)")


def diff_envs(repo: Repo, config: Config, wf: str, env: str | None, against: str) -> DiffResult:
    """``keepwf diff WF --env staging --against production``: what runs in ``against`` (a) vs in ``env`` (b) — what
    promoting ``env`` to ``against`` would change."""
    env = config.env(env).name
    against = config.env(against).name
    known_workflow(repo, config, wf)
    sides = []
    for e in (against, env):
        v = resolve_version(repo, wf, e, "deployed")
        sides.append(Side(f"{e}/{v.label}", v.path, version_content(repo, v), v))
    return compare_sides(wf, env, sides[0], sides[1])


def diff(repo: Repo, config: Config, wf: str, a: str | None = None, b: str | None = None, env: str | None = None,
         against: str | None = None) -> DiffResult:
    if against is not None:
        if a is not None or b is not None:
            from keepwf.errors import UsageError

            raise UsageError("--against compares the versions deployed in two envs: give no REF with it",
                             hint=f"keepwf diff {wf} --env staging --against production")
        return diff_envs(repo, config, wf, env, against)
    env = config.env(env).name
    known_workflow(repo, config, wf)
    drafts = cat.working_tree(repo, config)
    sa = side(repo, config, wf, env, a or "deployed", drafts)
    sb = side(repo, config, wf, env, b or DRAFT, drafts)
    return compare_sides(wf, env, sa, sb)


def compare_sides(wf: str, env: str, sa: Side, sb: Side) -> DiffResult:
    ta = sa.content.decode("utf-8", "replace").splitlines(keepends=True)
    tb = sb.content.decode("utf-8", "replace").splitlines(keepends=True)
    text = "".join(difflib.unified_diff(ta, tb, fromfile=sa.title(), tofile=sb.title()))
    if text and not text.endswith("\n"):
        text += "\n"
    return DiffResult(wf, env, sa, sb, text, summarize(_workflow_data(sa, wf), _workflow_data(sb, wf)))


def _workflow_data(s: Side, wf: str) -> dict:
    from keepwf.workflow import load_source

    if not s.content:
        return {}
    for doc in load_source(s.content, s.path).docs:
        if doc.id == wf:
            return doc.data
    return {}


# -- step-level summary (pure) -------------------------------------------------------------------------------------
def _keyed(items: Any, kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(items, list):
        return out
    for i, item in enumerate(items):
        if kind == "triggers" and isinstance(item, dict):
            key = str(item.get("type", f"#{i}"))
        elif isinstance(item, dict) and item.get("name"):
            key = str(item["name"])
        else:
            key = f"#{i}"
        while key in out:
            key += "'"
        out[key] = item
    return out


def changed_keys(a: Any, b: Any, prefix: str = "", depth: int = 4) -> list[str]:
    """Dotted paths where ``a`` and ``b`` differ (mappings descended ``depth`` levels)."""
    if a == b:
        return []
    if isinstance(a, dict) and isinstance(b, dict) and depth > 0:
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            out += changed_keys(a.get(k), b.get(k), f"{prefix}.{k}" if prefix else str(k), depth - 1)
        return out
    return [prefix or "(whole)"]


def summarize(old: dict, new: dict) -> dict[str, dict[str, list]]:
    """``{"triggers"|"steps"|"actions": {"added": [...], "removed": [...], "changed": [{"name", "keys"}]},
    "workflow": {"changed": [top-level keys]}}``; sections with nothing to say are left out."""
    out: dict[str, dict[str, list]] = {}
    for kind in ("triggers", "steps", "actions"):
        a, b = _keyed(old.get(kind), kind), _keyed(new.get(kind), kind)
        sec = {"added": [k for k in b if k not in a], "removed": [k for k in a if k not in b],
               "changed": [{"name": k, "keys": changed_keys(a[k], b[k])} for k in a if k in b and a[k] != b[k]]}
        if any(sec.values()):
            out[kind] = sec
    other = [k for k in changed_keys({k: v for k, v in old.items() if k not in ("triggers", "steps", "actions")},
                                     {k: v for k, v in new.items() if k not in ("triggers", "steps", "actions")}, depth=1)]
    if other:
        out["workflow"] = {"changed": other}
    return out
