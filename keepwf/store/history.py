"""Branch history questions: which commits since X changed file P (for "undeployed commits")."""

from __future__ import annotations

from dataclasses import dataclass

from keepwf.store.repo import Repo


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    subject: str
    author: str
    timestamp: int

    def to_dict(self) -> dict:
        return {"sha": self.sha, "subject": self.subject, "author": self.author, "timestamp": self.timestamp}


def _entry(repo: Repo, commit, path: str):
    try:
        return commit.tree[path].id
    except KeyError:
        return None


def commits_touching(repo: Repo, head: str, since: str | None, paths: tuple[str, ...], limit: int = 50,
                     walk_limit: int = 2000) -> list[CommitInfo]:
    """Commits reachable from ``head`` but not from ``since`` that changed any of ``paths`` (newest first)."""
    import pygit2

    walker = repo.pg.walk(head, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.TIME)
    if since:
        try:
            walker.hide(since)
        except (KeyError, ValueError, pygit2.GitError):
            pass
    out: list[CommitInfo] = []
    for i, c in enumerate(walker):
        if i >= walk_limit or len(out) >= limit:
            break
        parent = c.parents[0] if c.parents else None
        for p in paths:
            mine = _entry(repo, c, p)
            theirs = _entry(repo, parent, p) if parent is not None else None
            if mine != theirs:
                out.append(CommitInfo(str(c.id), c.message.strip().split("\n")[0], c.author.name, c.commit_time))
                break
    return out


def local_branches(repo: Repo) -> dict[str, str]:
    """``{branch name: tip SHA}`` of the local branches."""
    out = {}
    for name in repo.pg.branches.local:
        try:
            out[name] = str(repo.pg.branches.local[name].target)
        except (KeyError, ValueError):
            continue
    return out


def contains(repo: Repo, tip: str, commit: str) -> bool:
    """True when ``commit`` is ``tip`` or one of its ancestors."""
    import pygit2

    if tip == commit:
        return True
    try:
        return bool(repo.pg.descendant_of(tip, commit))
    except (KeyError, ValueError, pygit2.GitError):
        return False
