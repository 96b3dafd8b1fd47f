"""Light git reads through the git CLI, for git hooks: no pygit2 import, a handful of short subprocesses.

Inside a hook git has already set up the environment (``GIT_DIR``, ``GIT_INDEX_FILE`` for ``git commit PATH``…);
the git CLI honours all of it, which is why hooks read the index through git rather than through libgit2.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from keepwf.errors import KeepwfError, StateError, UsageError

ZERO = "0" * 40
WORKFLOW_PATHSPECS = (":(icase)*.yml", ":(icase)*.yaml")


def not_an_option(value: str, what: str) -> str:
    """``value`` unchanged, or a UsageError when git would read it as an option (``--upload-pack=…``): user input
    goes to git after ``--`` where git allows it, and is refused when it starts with ``-`` everywhere else."""
    if value.startswith("-"):
        raise UsageError(f"{what} {value!r} starts with '-', which git would read as an option; refused",
                         hint=f"give a {what} that does not start with '-'")
    return value


def git(*args: str, cwd: Path | None = None, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess:
    try:
        cp = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True)
    except FileNotFoundError as e:  # pragma: no cover - git is always there when git runs a hook
        raise KeepwfError("git is not installed or not on PATH", hint="install git 2.30 or newer") from e
    if check and cp.returncode != 0:
        msg = cp.stderr.decode(errors="replace").strip()
        raise StateError(f"git {' '.join(args)} failed: {msg}")
    return cp


def _split_z(data: bytes) -> list[str]:
    return [p.decode("utf-8", "surrogateescape") for p in data.split(b"\0") if p]


def staged_changes(cwd: Path | None = None, pathspecs: tuple[str, ...] = ()) -> list[str]:
    """Paths added, copied, modified or renamed in the index relative to HEAD (deletions are left out)."""
    cp = git("diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR", "--", *pathspecs, cwd=cwd)
    return _split_z(cp.stdout)


def changed_between(old: str, new: str, cwd: Path | None = None, pathspecs: tuple[str, ...] = ()) -> list[str]:
    cp = git("diff", "--name-only", "-z", "--diff-filter=ACMR", not_an_option(old, "revision"),
             not_an_option(new, "revision"), "--", *pathspecs, cwd=cwd)
    return _split_z(cp.stdout)


def grep_index(patterns: list[str], folder: str = "", cwd: Path | None = None) -> list[str]:
    """Paths of staged files (under ``folder``) with a line matching any of the extended regexes ``patterns``."""
    if not patterns:
        return []
    args = ["grep", "--cached", "-l", "-z", "-I", "-E"]
    for pat in patterns:
        args += ["-e", pat]
    args += ["--", folder.rstrip("/") + "/" if folder not in ("", ".") else "."]
    cp = git(*args, cwd=cwd, check=False)  # exit 1 = no match
    return _split_z(cp.stdout) if cp.returncode == 0 else []


def files_in_tree(rev: str, folder: str = "", cwd: Path | None = None) -> dict[str, str]:
    """``{path: blob SHA}`` under ``folder`` in ``rev``'s tree."""
    args = ["ls-tree", "-r", "-z", "--full-tree", not_an_option(rev, "revision")]
    if folder not in ("", "."):
        args += ["--", folder.rstrip("/") + "/"]
    out: dict[str, str] = {}
    for entry in git(*args, cwd=cwd).stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, path = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == b"blob":
            out[path.decode("utf-8", "surrogateescape")] = parts[2].decode()
    return out


def read_objects(names: list[str], cwd: Path | None = None) -> dict[str, bytes | None]:
    """Contents of each object name (``:path`` = staged, ``REV:path``, a SHA) in one ``git cat-file --batch``;
    None for names that do not exist."""
    if not names:
        return {}
    if any("\n" in n for n in names):
        raise StateError("a path with a newline cannot be read through git cat-file --batch")
    cp = git("cat-file", "--batch", cwd=cwd, input="".join(n + "\n" for n in names).encode("utf-8", "surrogateescape"))
    data = cp.stdout
    out: dict[str, bytes | None] = {}
    pos = 0
    for name in names:
        nl = data.index(b"\n", pos)
        header = data[pos:nl].decode("utf-8", "surrogateescape")
        pos = nl + 1
        if header.endswith(" missing") or header.endswith(" ambiguous"):
            out[name] = None
            continue
        size = int(header.rsplit(" ", 1)[1])
        out[name] = data[pos : pos + size]
        pos += size + 1
    return out


def tag_refs(prefix: str = "refs/tags/keepwf/", cwd: Path | None = None) -> list[tuple[str, str, str]]:
    """``(refname, peeled commit SHA, tag message)`` of every tag under ``prefix``."""
    fmt = "%(refname)%00%(*objectname)%00%(objectname)%00%(contents)%00%00"
    cp = git("for-each-ref", f"--format={fmt}", prefix, cwd=cwd)
    out = []
    for rec in cp.stdout.decode("utf-8", "replace").split("\0\0\n"):
        if not rec.strip("\n"):
            continue
        name, peeled, oid, contents = (rec.split("\0") + ["", "", ""])[:4]
        out.append((name.strip("\n"), peeled or oid, contents))
    return out


def is_bare(cwd: Path | None = None) -> bool:
    return git("rev-parse", "--is-bare-repository", cwd=cwd).stdout.strip() == b"true"


def rev_exists(rev: str, cwd: Path | None = None) -> bool:
    return git("cat-file", "-e", not_an_option(rev, "revision") + "^{commit}", cwd=cwd, check=False).returncode == 0


def head(cwd: Path | None = None) -> str | None:
    cp = git("rev-parse", "-q", "--verify", "HEAD^{commit}", cwd=cwd, check=False)
    return cp.stdout.decode().strip() if cp.returncode == 0 else None
