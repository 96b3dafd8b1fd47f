"""Which workflows exist: in the working tree (the drafts) and in a commit's tree. id → (path, blob, document)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from keepwf.config import Config
from keepwf.errors import UsageError
from keepwf.model import Problem, WorkflowDoc
from keepwf.store.repo import Repo


@dataclass(frozen=True)
class WorkflowFile:
    id: str
    path: str  # repo-relative, forward slashes
    blob: str  # the blob SHA of the whole file
    data: bytes = field(repr=False, compare=False)
    doc: WorkflowDoc | None = field(default=None, repr=False, compare=False)
    parsed: bool = True  # False: recognised by (path, blob) of a deployed version, YAML not parsed (doc None)


@dataclass
class Catalog:
    workflows: dict[str, WorkflowFile] = field(default_factory=dict)
    sources: dict[str, bytes] = field(default_factory=dict)  # every workflow file: path → bytes
    problems: list[Problem] = field(default_factory=list)  # load problems (duplicate ids, unreadable files…)

    def get(self, wf_id: str) -> WorkflowFile | None:
        return self.workflows.get(wf_id)


def _load(catalog: Catalog, known: dict[tuple[str, str], list[str]] | None = None) -> Catalog:
    """Parse every source, except files whose (path, blob) a deployed version already names (``known``): their ids
    are known without parsing (the bytes are exactly what was deployed)."""
    for path in sorted(catalog.sources):
        data = catalog.sources[path]
        blob = Repo.hash_bytes(data)
        ids = known.get((path, blob)) if known else None
        if ids and not any(i in catalog.workflows for i in ids):
            for i in ids:
                catalog.workflows[i] = WorkflowFile(i, path, blob, data, None, parsed=False)
            continue
        from keepwf.workflow import load_source  # only when a file must really be parsed

        res = load_source(data, path)
        catalog.problems.extend(res.problems)
        for doc in res.docs:
            if not doc.id:
                continue
            if doc.id in catalog.workflows:
                other = catalog.workflows[doc.id].path
                catalog.problems.append(Problem("error", path, doc.line, 1, f"workflow id {doc.id!r} is also used in {other}",
                                                hint="workflow ids must be unique", code="duplicate-id"))
                continue
            catalog.workflows[doc.id] = WorkflowFile(doc.id, path, blob, data, doc)
    return catalog


def _is_wf(name: str) -> bool:
    return name.lower().endswith((".yml", ".yaml"))


def working_tree(repo: Repo, config: Config, known: dict[tuple[str, str], list[str]] | None = None) -> Catalog:
    """The drafts: every workflow file under the workflows folder of the working tree."""
    cat = Catalog()
    if repo.is_bare:
        return cat
    top = repo.root / config.workflows_dir
    if not top.is_dir():
        return cat
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in filenames:
            if _is_wf(fn) and not fn.startswith("."):
                p = Path(dirpath) / fn
                try:
                    cat.sources[repo.rel(p)] = p.read_bytes()
                except OSError:
                    continue
    return _load(cat, known)


def known_files(versions) -> dict[tuple[str, str], list[str]]:
    """``{(path, blob): [workflow ids]}`` of deployed versions (for ``working_tree(known=...)``)."""
    out: dict[tuple[str, str], list[str]] = {}
    for v in versions:
        if v.path and v.blob:
            ids = out.setdefault((v.path, v.blob), [])
            if v.workflow not in ids:
                ids.append(v.workflow)
    return out


def at_commit(repo: Repo, commit: str, config: Config) -> Catalog:
    """Every workflow in ``commit``'s tree (under the workflows folder)."""
    cat = Catalog()
    for path, blob in repo.files_at(commit, config.workflows_dir).items():
        if _is_wf(path):
            cat.sources[path] = repo.read_blob(blob)
    return _load(cat)


def read_draft(repo: Repo, path: str) -> bytes | None:
    """The working-tree bytes of ``path`` (None when the file is gone)."""
    p = repo.root / path
    try:
        return p.read_bytes()
    except OSError:
        return None


def validate(sources: dict[str, bytes], config: Config) -> list[Problem]:
    """Every problem the validator finds in these files (``validate_sources`` when available, else the loader's)."""
    try:
        from keepwf.workflow import validate_sources  # added by the validator feature
    except ImportError:  # pragma: no cover - before the validator lands
        validate_sources = None
    if validate_sources is not None:
        return list(validate_sources(sources, config).problems)
    from keepwf.workflow import load_source

    out: list[Problem] = []
    for path, data in sources.items():
        out.extend(load_source(data, path).problems)
    return out


def unknown_workflow(wf_id: str, known: list[str]) -> UsageError:
    import difflib

    close = difflib.get_close_matches(wf_id, known, n=1)
    hint = f"did you mean {close[0]}?" if close else "run `keepwf list` to see the workflow ids"
    return UsageError(f"unknown workflow {wf_id!r} (not in the working tree and never deployed)", hint=hint)


def draft_file(catalog: Catalog, wf_id: str, fallback_path: str | None = None) -> WorkflowFile | None:
    """The draft of ``wf_id``; when its id cannot be read (the file is broken) but the file at ``fallback_path``
    (its deployed path) is still there, that file (``doc`` None) — a broken draft is modified, not deleted."""
    f = catalog.workflows.get(wf_id)
    if f is not None:
        return f
    used = {w.path for w in catalog.workflows.values()}
    named = [p for p in catalog.sources if p.rsplit("/", 1)[-1].rsplit(".", 1)[0] == wf_id]
    for path in ([fallback_path] if fallback_path else []) + named:
        if path in catalog.sources and path not in used:
            data = catalog.sources[path]
            return WorkflowFile(wf_id, path, Repo.hash_bytes(data), data, None)
    return None


def broken_files(catalog: Catalog) -> list[str]:
    """Workflow files that yield no workflow (unparseable YAML, wrong shape)."""
    used = {w.path for w in catalog.workflows.values()}
    return sorted(p for p in catalog.sources if p not in used)
