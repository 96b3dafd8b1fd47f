"""``keepwf validate``: which files to check, reading them, and the report (no terminal here)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from keepwf.errors import UsageError
from keepwf.model import Problem
from keepwf.model.workflow import HasProblems


@dataclass
class ValidationReport(HasProblems):
    files: list[str]
    problems: list[Problem]
    workflows: int = 0
    notes: list[str] = field(default_factory=list)
    strict: bool = False

    def summary(self) -> dict:
        return {"files": len(self.files), "workflows": self.workflows, "errors": len(self.errors), "warnings": len(self.warnings)}

    def to_dict(self) -> dict:
        return {"ok": self.ok, "summary": self.summary(), "files": self.files, "problems": [p.to_dict() for p in self.problems], "notes": self.notes}


def _is_workflow(name: str) -> bool:
    return name.lower().endswith((".yml", ".yaml"))


def _folder_files(folder: Path, shown: str) -> list[tuple[Path, str]]:
    """Workflow files below ``folder`` (sorted, hidden folders skipped) with their display paths."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel = os.path.relpath(dirpath, folder)
        for name in sorted(filenames):
            if _is_workflow(name):
                sub = name if rel == "." else f"{rel}/{name}"
                out.append((Path(dirpath) / name, f"{shown.rstrip('/')}/{sub}" if shown not in ("", ".") else sub))
    return out


def collect(cwd: Path, paths: list[str]) -> tuple[list[tuple[Path, str]], list[tuple[str, str]], object]:
    """(files with display paths, [(folder, note)] for folders with nothing to check, config) for the given PATHs,
    or the repository's workflows folder when none is given."""
    from keepwf.store.locate import find_worktree_root, read_config

    from keepwf.config import Config

    root = find_worktree_root(cwd)
    config = read_config(root) if root else Config()
    notes: list[tuple[str, str]] = []
    if not paths:
        if root is None:
            raise UsageError(
                f"{cwd} is not inside a git working tree (not a repository, or a bare one), so there is no workflows folder "
                "to check",
                hint="name the files or folders to check: keepwf validate PATH…  (or create a repository: keepwf init)",
            )
        folder = root / config.workflows_dir
        shown = os.path.relpath(folder, cwd)
        if not folder.is_dir():
            notes.append((shown, f"no workflows folder {shown}/ (keepwf.toml › keepwf › workflows): nothing to check"))
            return [], notes, config
        files = _folder_files(folder, shown)
        if not files:
            notes.append((shown, f"no workflow files (*.yml, *.yaml) in {shown}/: nothing to check"))
        return files, notes, config
    missing = [p for p in paths if not (cwd / p).exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}", hint="check the path (relative paths start at the current folder, or -C PATH)")
    files: list[tuple[Path, str]] = []
    for p in paths:
        full = cwd / p
        if full.is_dir():
            found = _folder_files(full, p)
            if not found:
                notes.append((p, f"no workflow files (*.yml, *.yaml) in {p}: nothing to check there"))
            files.extend(found)
        else:
            files.append((full, p))
    seen: set[Path] = set()
    unique = []
    for full, shown in files:
        key = full.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((full, shown))
    return unique, notes, config


def _deployable(cwd: Path, files: list[tuple[Path, str]], config) -> bool:
    """True when every file lies in the repository's workflows folder (deployed together, so ids must be unique)."""
    from keepwf.store.locate import find_worktree_root

    root = find_worktree_root(cwd)
    if root is None:
        return False
    folder = (root / config.workflows_dir).resolve()
    return all(full.resolve().is_relative_to(folder) for full, _shown in files)


def validate_paths(cwd: Path, paths: list[str], strict: bool = False) -> ValidationReport:
    """Validate PATHs (files or folders), or every workflow file of the repository's workflows folder."""
    from keepwf.workflow import validate_sources

    files, notes, config = collect(cwd, paths)
    sources: dict[str, bytes] = {}
    unreadable: list[Problem] = []
    for full, shown in files:
        try:
            sources[shown] = full.read_bytes()
        except OSError as e:
            unreadable.append(Problem("error", shown, 0, 0, f"cannot read the file: {e.strerror or e}", hint="check its permissions", code="io"))
    res = validate_sources(sources, config, duplicate_ids="error" if _deployable(cwd, files, config) else "warning")  # type: ignore[arg-type]
    problems = unreadable + res.problems
    if strict:
        problems = [replace(p, severity="error") if p.severity == "warning" else p for p in problems]
    if strict:
        problems += [Problem("error", folder, 0, 0, "no workflow files here", hint="--strict treats a folder with nothing to check as a failure", code="no-files") for folder, _n in notes]
    return ValidationReport(files=[s for _f, s in files], problems=problems, workflows=len(res.docs), notes=[n for _f, n in notes], strict=strict)
