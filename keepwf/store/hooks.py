"""The git hooks folder: where git looks for hooks, and reading/writing hook files there.

``git rev-parse --git-path hooks`` is the authority (it honours ``core.hooksPath`` and linked worktrees, whose hooks
live in the common dir). Files are written atomically and made executable; nothing here decides *what* to write.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from keepwf.store.repo import Repo


@dataclass(frozen=True)
class HooksDir:
    path: Path  # where git will look for hooks
    default: Path  # <common dir>/hooks
    hooks_path_setting: str | None  # core.hooksPath as configured, if any

    @property
    def redirected(self) -> bool:
        """True when core.hooksPath sends git somewhere other than the repository's own hooks folder."""
        return self.hooks_path_setting is not None and _same(self.path, self.default) is False


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:  # pragma: no cover
        return str(a) == str(b)


def locate(repo: Repo) -> HooksDir:
    cwd = repo.git_dir if repo.is_bare else repo.root
    out = repo.git("rev-parse", "--git-path", "hooks").stdout.decode().strip()
    path = Path(out)
    if not path.is_absolute():
        path = (cwd / path).resolve()
    cp = repo.git("config", "--get", "core.hooksPath", check=False)
    setting = cp.stdout.decode().strip() if cp.returncode == 0 else None
    return HooksDir(path=path, default=(repo.common_dir / "hooks").resolve(), hooks_path_setting=setting or None)


def read_text(path: Path) -> str | None:
    """The hook file's text (None if absent or unreadable as text; a dangling symlink reads as absent)."""
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    except OSError:
        return None


def exists(path: Path) -> bool:
    return os.path.lexists(path)


def is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def write_executable(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temp file + rename) with mode 0755."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.keepwf-tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    mode = stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def move(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst`` (a symlink is moved as a link); refuses to overwrite ``dst``."""
    if os.path.lexists(dst):
        raise FileExistsError(str(dst))
    os.rename(src, dst)


def remove(path: Path) -> None:
    os.unlink(path)
