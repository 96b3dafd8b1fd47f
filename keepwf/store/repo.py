"""The repository facade: open/discover a repository, read objects at a commit, run the git CLI when it is better.

Domain code talks to ``Repo`` (and the other ``store`` modules), never to pygit2 directly.
"""

from __future__ import annotations

import os
import subprocess
from functools import cached_property
from pathlib import Path

from keepwf.errors import KeepwfError, StateError, UsageError


def _pygit2():
    import pygit2

    return pygit2


class Repo:
    def __init__(self, pg, start: Path):
        self.pg = pg  # the pygit2.Repository; only store/ modules touch it
        self.start = start

    # -- opening ---------------------------------------------------------------------------------------------
    @classmethod
    def discover(cls, path: Path) -> "Repo":
        pygit2 = _pygit2()
        if not path.exists():
            raise UsageError(f"{path}: no such folder", hint="check the -C PATH you gave")
        found = pygit2.discover_repository(str(path))
        if found is None:
            raise StateError(
                f"{path} is not inside a git repository",
                hint="run `keepwf init` to create one, or pass -C PATH to point at your repository",
            )
        try:
            return cls(pygit2.Repository(found), path)
        except pygit2.GitError as e:  # pragma: no cover - corrupt repositories
            raise StateError(f"cannot open the git repository at {found}: {e}") from e

    @classmethod
    def init(cls, path: Path, initial_branch: str = "main") -> "Repo":
        """``git init`` (through the git CLI, so the user's init.templateDir and hooks apply)."""
        cp = subprocess.run(["git", "init", "-q", "-b", initial_branch, "--", str(path)], capture_output=True, text=True)
        if cp.returncode != 0:
            raise StateError(f"git init failed: {cp.stderr.strip()}")
        return cls.discover(path)

    # -- places ----------------------------------------------------------------------------------------------
    @property
    def is_bare(self) -> bool:
        return bool(self.pg.is_bare)

    @cached_property
    def root(self) -> Path:
        """The top of the working tree (the bare repository's folder when bare)."""
        wd = self.pg.workdir
        return Path(wd if wd else self.pg.path).resolve()

    @cached_property
    def git_dir(self) -> Path:
        """This worktree's .git folder (a linked worktree has its own)."""
        return Path(self.pg.path).resolve()

    @cached_property
    def common_dir(self) -> Path:
        """The folder shared by all worktrees: refs, objects, hooks, config live here."""
        cd = self.git_dir / "commondir"
        if cd.exists():
            return (self.git_dir / cd.read_text().strip()).resolve()
        return self.git_dir

    def rel(self, path: Path) -> str:
        """A path relative to the top of the working tree, with forward slashes."""
        return Path(os.path.relpath(Path(path).resolve(), self.root)).as_posix()

    # -- HEAD ------------------------------------------------------------------------------------------------
    def head_commit(self) -> str | None:
        if self.pg.head_is_unborn:
            return None
        return str(self.pg.head.target)

    def branch(self) -> str | None:
        """The checked-out branch name, None on a detached HEAD."""
        if self.pg.head_is_detached:
            return None
        try:
            ref = self.pg.lookup_reference("HEAD").target
        except KeyError:
            return None
        return ref.removeprefix("refs/heads/") if isinstance(ref, str) else None

    def require_commit(self) -> str:
        head = self.head_commit()
        if head is None:
            branch = self.branch()
            if not self.pg.is_empty and branch:  # an orphan branch (git switch --orphan) in a repository with history
                raise StateError(f"branch {branch} has no commits yet",
                                 hint='commit your workflows on it first (git add -A && git commit), or switch to a branch with commits')
            raise StateError("the repository has no commits yet", hint='commit your workflows first: git add -A && git commit -m "Add workflows"')
        return head

    # -- objects ---------------------------------------------------------------------------------------------
    def resolve_commit(self, rev: str) -> str | None:
        """Full SHA of the commit ``rev`` names (SHA prefix, branch, tag…), or None."""
        pygit2 = _pygit2()
        try:
            obj = self.pg.revparse_single(rev)
            return str(obj.peel(pygit2.Commit).id)
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            return None

    def blob_at(self, commit: str, path: str) -> tuple[str, bytes] | None:
        """(blob SHA, bytes) of ``path`` in ``commit``'s tree, or None if absent."""
        tree = self.pg[commit].peel(_pygit2().Tree)
        try:
            entry = tree[path]
        except KeyError:
            return None
        blob = self.pg[entry.id]
        if not isinstance(blob, _pygit2().Blob):
            return None
        return str(entry.id), blob.data

    def files_at(self, commit: str, folder: str) -> dict[str, str]:
        """``{path: blob SHA}`` of every file under ``folder`` in ``commit`` (recursively)."""
        pygit2 = _pygit2()
        tree = self.pg[commit].peel(pygit2.Tree)
        if folder not in ("", "."):
            try:
                sub = tree[folder]
            except KeyError:
                return {}
            tree = self.pg[sub.id]
            if not isinstance(tree, pygit2.Tree):
                return {}
            prefix = folder.rstrip("/") + "/"
        else:
            prefix = ""
        out: dict[str, str] = {}

        def walk(t, pre):
            for e in t:
                if e.type_str == "tree":
                    walk(self.pg[e.id], pre + e.name + "/")
                elif e.type_str == "blob":
                    out[pre + e.name] = str(e.id)

        walk(tree, prefix)
        return out

    def read_blob(self, oid: str) -> bytes:
        return self.pg[oid].data

    @staticmethod
    def hash_bytes(data: bytes) -> str:
        """The blob SHA git would give ``data`` (without writing it)."""
        return str(_pygit2().hash(data))

    # -- the git CLI -----------------------------------------------------------------------------------------
    def git(self, *args: str, input: bytes | None = None, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
        """Run ``git`` in this repository (for what git does better or safer than libgit2)."""
        cwd = self.root if not self.is_bare else self.git_dir
        full_env = None if env is None else {**os.environ, **env}
        try:
            cp = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True, env=full_env)
        except FileNotFoundError as e:
            raise KeepwfError("git is not installed or not on PATH", hint="install git 2.30 or newer") from e
        if check and cp.returncode != 0:
            msg = cp.stderr.decode(errors="replace").strip() or cp.stdout.decode(errors="replace").strip()
            raise StateError(f"git {' '.join(args)} failed: {msg}")
        return cp
