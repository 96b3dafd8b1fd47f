"""Find the repository around a folder and read its keepwf.toml without loading libgit2.

Commands that only read the working tree (``keepwf validate``, run by git hooks on every commit) use this instead of
``Repo.discover``: a walk up for ``.git`` costs microseconds, importing pygit2 costs tens of milliseconds.
"""

from __future__ import annotations

import os
from pathlib import Path

from keepwf.config import CONFIG_FILE, Config, parse_config
from keepwf.errors import UsageError


def find_worktree_root(start: Path) -> Path | None:
    """The top of the git working tree containing ``start`` (a folder with ``.git``), or None outside any.

    Honours ``GIT_WORK_TREE`` (set by git while it runs hooks) before walking up.
    """
    env = os.environ.get("GIT_WORK_TREE")
    if env and Path(env).is_dir():
        return Path(env).resolve()
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None


def read_config(root: Path) -> Config:
    """keepwf.toml at the top of the working tree; defaults when absent."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{CONFIG_FILE}: cannot read: {e}", hint=f"fix or remove {CONFIG_FILE}") from e
    return parse_config(text, CONFIG_FILE)
