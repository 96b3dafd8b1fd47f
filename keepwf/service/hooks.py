"""``keepwf hooks install|uninstall|status``: put keepwf's git hooks in place, chaining whatever was there.

Rules (pre-commit's): a foreign hook is moved to ``<hook>.legacy`` and still runs first; our scripts carry a
versioned marker so an upgrade replaces only ours; uninstall removes only ours and puts the legacy hook back;
installation refuses when ``core.hooksPath`` points elsewhere, unless forced (then it installs where git looks).
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from keepwf.errors import StateError
from keepwf.service.hookscript import (
    ALL_HOOKS,
    BARE_HOOKS,
    VERSION,
    WORKTREE_HOOKS,
    baked_python,
    marker_version,
    render_script,
)


@dataclass
class HookState:
    hook: str
    action: str  # installed | upgraded | unchanged | chained | removed | restored | absent | foreign | outdated | kept
    legacy: bool = False  # a chained <hook>.legacy exists
    detail: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class HooksReport:
    hooks_dir: str
    hooks_path_setting: str | None
    bare: bool
    hooks: list[HookState] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "hooks_dir": self.hooks_dir,
            "core_hooksPath": self.hooks_path_setting,
            "bare": self.bare,
            "version": VERSION,
            "hooks": [h.to_dict() for h in self.hooks],
        }


def _open(target):
    from keepwf.store.repo import Repo

    return target if isinstance(target, Repo) else Repo.discover(Path(target))


def _dir(repo, force: bool, verb: str):
    from keepwf.store import hooks as store

    hd = store.locate(repo)
    if hd.redirected and not force:
        raise StateError(
            f"core.hooksPath is set to {hd.hooks_path_setting!r}: git runs the hooks in {hd.path}, "
            f"not in {hd.default}; refusing to {verb} keepwf's hooks there",
            hint=f"another hook manager owns the hooks; run `keepwf hooks {verb} --force` to {verb} them in "
            f"{hd.path} anyway, or `git config --unset core.hooksPath` first",
        )
    return hd


def install_hooks(target, force: bool = False, python: str | None = None) -> HooksReport:
    """Install keepwf's hooks in the repository at ``target`` (a path or a Repo). Returns what was done per hook."""
    from keepwf.store import hooks as store

    repo = _open(target)
    hd = _dir(repo, force, "install")
    python = python or sys.executable
    names = BARE_HOOKS if repo.is_bare else WORKTREE_HOOKS
    # Check every hook before touching any, so a refusal leaves the folder as it was.
    for name in names:
        path, legacy = hd.path / name, hd.path / f"{name}.legacy"
        if store.exists(path) and marker_version(store.read_text(path)) is None and store.exists(legacy):
            raise StateError(
                f"{path} is not keepwf's and {legacy.name} already exists: chaining it would overwrite that file",
                hint=f"merge or remove one of them by hand (e.g. `mv {path} {path}.old`), then run `keepwf hooks install`",
            )
    report = HooksReport(str(hd.path), hd.hooks_path_setting, repo.is_bare)
    for name in names:
        path, legacy = hd.path / name, hd.path / f"{name}.legacy"
        text = render_script(name, python)
        current = store.read_text(path) if store.exists(path) else None
        version = marker_version(current)
        if current is not None and version is None:
            store.move(path, legacy)
            store.write_executable(path, text)
            report.hooks.append(HookState(name, "chained", True, f"your hook was moved to {legacy.name} and still runs first"))
            continue
        if current == text and store.is_executable(path):
            action = "unchanged"
        else:
            store.write_executable(path, text)
            action = "installed" if version is None else "upgraded"
        report.hooks.append(HookState(name, action, store.exists(legacy)))
    return report


def uninstall_hooks(target, force: bool = False) -> HooksReport:
    """Remove keepwf's hooks (only files carrying its marker) and put back the hooks they had chained."""
    from keepwf.store import hooks as store

    repo = _open(target)
    hd = store.locate(repo)
    report = HooksReport(str(hd.path), hd.hooks_path_setting, repo.is_bare)
    for name in ALL_HOOKS:
        path, legacy = hd.path / name, hd.path / f"{name}.legacy"
        present = store.exists(path)
        ours = present and marker_version(store.read_text(path)) is not None
        if present and not ours:
            report.hooks.append(HookState(name, "kept", store.exists(legacy), "not keepwf's"))
            continue
        if ours:
            store.remove(path)
        if store.exists(legacy):
            store.move(legacy, path)
            report.hooks.append(HookState(name, "restored", False, f"{legacy.name} put back as {name}"))
        elif ours:
            report.hooks.append(HookState(name, "removed"))
    return report


def hooks_status(target) -> HooksReport:
    """What is installed where: per hook, keepwf's (current or outdated), foreign, or absent."""
    from keepwf.store import hooks as store

    repo = _open(target)
    hd = store.locate(repo)
    report = HooksReport(str(hd.path), hd.hooks_path_setting, repo.is_bare)
    for name in BARE_HOOKS if repo.is_bare else WORKTREE_HOOKS:
        path, legacy = hd.path / name, hd.path / f"{name}.legacy"
        has_legacy = store.exists(legacy)
        if not store.exists(path):
            report.hooks.append(HookState(name, "absent", has_legacy))
            continue
        text = store.read_text(path)
        version = marker_version(text)
        python = baked_python(text)
        if version is None:
            report.hooks.append(HookState(name, "foreign", has_legacy, "not keepwf's"))
        elif python and not Path(python).exists():
            report.hooks.append(HookState(name, "outdated", has_legacy,
                                          f"its Python {python} is gone (falls back to keepwf on PATH); run keepwf hooks install"))
        elif version != VERSION or not store.is_executable(path):
            why = f"version {version}, current is {VERSION}" if version != VERSION else "not executable"
            report.hooks.append(HookState(name, "outdated", has_legacy, why))
        else:
            report.hooks.append(HookState(name, "installed", has_legacy))
    return report
