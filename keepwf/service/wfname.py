"""What a user may type where a workflow id is expected: the id, or the file (name or path) that holds it.

Keep's example files are rarely named after their ids (``slack_basic.yml`` holds ``slack-basic-demo``), so every
command taking a workflow id accepts ``workflows/slack_basic.yml``, ``slack_basic.yml`` or a path from the current
folder, and maps it to the id. An unknown name gets the same "did you mean" from every command.
"""

from __future__ import annotations

import os
from pathlib import Path

from keepwf.config import Config
from keepwf.errors import UsageError
from keepwf.service import catalog as cat
from keepwf.store import tags
from keepwf.store.repo import Repo

_SUFFIXES = (".yml", ".yaml")


def _deployed_ids(repo: Repo) -> set[str]:
    return {w for archived in (False, True) for (_e, w) in tags.version_index(repo, archived=archived)}


def looks_like_file(name: str) -> bool:
    return name.lower().endswith(_SUFFIXES) or "/" in name or os.sep in name


def resolve(repo: Repo, config: Config, name: str, *, cwd: Path | None = None) -> str:
    """The workflow id ``name`` stands for (``name`` itself when it is an id keepwf knows: deployed in some env,
    pruned, or in the working tree). Raises ``UsageError`` (exit 2) with a did-you-mean otherwise."""
    file_like = looks_like_file(name)
    if not file_like and name in _deployed_ids(repo):  # the common case: no file is read
        return name
    drafts = cat.working_tree(repo, config)
    if not file_like and cat.draft_file(drafts, name) is not None:  # also a broken file named after its id
        return name
    deployed = _deployed_ids(repo)
    if file_like:
        found = _by_file(repo, config, name, cwd, drafts)
        if found:
            return found
        files = sorted({w.path for w in drafts.workflows.values()})
        import difflib

        close = difflib.get_close_matches(name, files + [p.rsplit("/", 1)[-1] for p in files], n=1)
        raise UsageError(f"no workflow file {name!r} in the working tree or a deployed version",
                         hint=f"did you mean {close[0]}?" if close else "keepwf list shows each workflow with its file")
    known = sorted(deployed | set(drafts.workflows))
    # a file's stem also finds its id: `keepwf run slack_basic` → slack-basic-demo
    stems = {Path(w.path).stem: w.id for w in drafts.workflows.values()}
    if name in stems:
        raise UsageError(f"unknown workflow {name!r}; the file {name}{Path(drafts.workflows[stems[name]].path).suffix} "
                         f"holds workflow {stems[name]!r}", hint=f"did you mean {stems[name]}?")
    raise cat.unknown_workflow(name, known)


def resolve_all(repo: Repo, config: Config, names: list[str] | None, *, cwd: Path | None = None) -> list[str]:
    return [resolve(repo, config, n, cwd=cwd) for n in (names or [])]


def _candidates(repo: Repo, config: Config, name: str, cwd: Path | None) -> list[str]:
    """Repository-relative paths ``name`` may mean: from the current folder, from the top, inside the workflows
    folder (any depth, by file name)."""
    out: list[str] = []
    for base in ([cwd] if cwd else []) + [repo.root, repo.root / config.workflows_dir]:
        p = (Path(base) / name).resolve() if not Path(name).is_absolute() else Path(name).resolve()
        try:
            rel = p.relative_to(repo.root).as_posix()
        except ValueError:
            continue
        if rel not in out:
            out.append(rel)
    return out


def _by_file(repo: Repo, config: Config, name: str, cwd: Path | None, drafts) -> str | None:
    paths = _candidates(repo, config, name, cwd)
    for p in paths:  # the working tree first: the file as it is now
        ids = [w.id for w in drafts.workflows.values() if w.path == p]
        if ids:
            return ids[0]
    base = Path(name).name  # a bare file name anywhere under the workflows folder
    if "/" not in name and os.sep not in name:
        ids = sorted(w.id for w in drafts.workflows.values() if Path(w.path).name == base)
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            raise UsageError(f"{name!r} names several workflow files: give its path",
                             hint="e.g. " + " or ".join(w.path for w in drafts.workflows.values() if w.id in ids))
    from keepwf.service.versions import deployed_versions

    for (_e, wf), v in sorted(deployed_versions(repo, None).items()):  # a file deleted since it was deployed
        if v.path in paths or (v.path and "/" not in name and Path(v.path).name == base):
            return wf
    return None
