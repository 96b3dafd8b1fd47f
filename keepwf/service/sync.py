"""``keepwf sync [REMOTE]``: fetch the other side's deploy tags and run log, merge runs by union, push without force.

1. fetch ``refs/tags/keepwf/*`` (tags never move: a conflicting tag stops the sync), and the other side's run chains
   and run notes into ``refs/keepwf/remotes/<remote>/…`` (a private remote-tracking namespace);
2. merge them into ours (``keepwf.store.runmerge``: no loss, no duplicate; the results fast-forward from both sides);
3. push tags, notes and chains *without* force. If someone pushed meanwhile the push is rejected: start over, at most
   ``ATTEMPTS`` times.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from keepwf.config import valid_ref_component
from keepwf.errors import StateError, UsageError
from keepwf.store.repo import Repo

ATTEMPTS = 4
PUSH_SPECS = ["refs/tags/keepwf/*:refs/tags/keepwf/*", "refs/notes/keepwf/*:refs/notes/keepwf/*",
              "refs/keepwf/runs/*:refs/keepwf/runs/*", "refs/keepwf/drafts/*:refs/keepwf/drafts/*"]


@dataclass
class SyncResult:
    remote: str
    attempts: int = 0
    merged: dict = field(default_factory=dict)
    pushed: list[str] = field(default_factory=list)
    runs_before: int = 0
    runs_after: int = 0

    def to_dict(self) -> dict:
        return {"remote": self.remote, "attempts": self.attempts, "merged": self.merged, "pushed": self.pushed,
                "runs_before": self.runs_before, "runs_after": self.runs_after}


def _namespace(remote: str) -> str:
    name = remote if valid_ref_component(remote) else "r" + hashlib.sha1(remote.encode()).hexdigest()[:10]
    return f"refs/keepwf/remotes/{name}/"


def _count(repo: Repo) -> int:
    from keepwf.store.runlog import KINDS, RunLog
    from keepwf.store.runstats import chain_stats

    return sum(st["runs"] for k in KINDS for st in chain_stats(repo, RunLog(repo, k).chain_refs()).values())


def sync(repo: Repo, remote: str = "origin") -> SyncResult:
    from keepwf.store.reviews import merge_reviews_from
    from keepwf.store.runmerge import merge_from

    known = repo.git("remote", check=False).stdout.decode().split()
    if remote not in known and not any(c in remote for c in "/:."):
        raise UsageError(f"no remote named {remote!r}" + (f" (remotes: {', '.join(known)})" if known else " (no remotes)"),
                         hint=f"git remote add {remote} URL   or   keepwf sync URL")
    ns = _namespace(remote)
    res = SyncResult(remote, runs_before=_count(repo))
    fetch_specs = ["refs/tags/keepwf/*:refs/tags/keepwf/*",
                   f"+refs/notes/keepwf/*:{ns}notes/keepwf/*",
                   f"+refs/keepwf/runs/*:{ns}keepwf/runs/*",
                   f"+refs/keepwf/drafts/*:{ns}keepwf/drafts/*"]
    for attempt in range(1, ATTEMPTS + 1):
        res.attempts = attempt
        # not --quiet: it also silences the "[rejected] … (would clobber existing tag)" lines that say what failed
        cp = repo.git("fetch", "--no-tags", remote, *fetch_specs, check=False)
        if cp.returncode != 0:
            msg = cp.stderr.decode(errors="replace").strip()
            if "would clobber existing tag" in msg or "rejected" in msg:
                tags = re.findall(r"\[rejected\]\s+(\S+)\s+->", msg)
                what = ", ".join(tags) if tags else msg
                raise StateError(f"sync from {remote}: a deploy tag differs on both sides: {what} (each side "
                                 "deployed that version of its own)",
                                 hint="deploy tags never move; compare with `git ls-remote " + remote + " 'refs/tags/keepwf/*'`")
            raise StateError(f"cannot fetch from {remote}: {msg}", hint=f"check `git fetch {remote}` works")
        stats = merge_from(repo, ns)
        stats["reviews"] = merge_reviews_from(repo, ns)  # approvals travel with the repository too
        for k, v in stats.items():
            res.merged[k] = res.merged.get(k, 0) + v
        cp = repo.git("push", "--porcelain", remote, *PUSH_SPECS, check=False)
        out = cp.stdout.decode(errors="replace")
        if cp.returncode == 0:
            res.pushed = [ln.split("\t")[1].split(":")[1] for ln in out.splitlines()
                          if ln[:1] in ("*", "+", " ") and "\t" in ln and "[up to date]" not in ln]
            res.runs_after = _count(repo)
            return res
        rejected = "[rejected]" in out or "fetch first" in out or "non-fast-forward" in out or "[remote rejected]" in out
        if not rejected:
            raise StateError(f"cannot push to {remote}: {cp.stderr.decode(errors='replace').strip() or out.strip()}",
                             hint=f"check `git push {remote}` works")
    raise StateError(f"sync to {remote}: the remote kept changing ({ATTEMPTS} attempts); nothing was lost",
                     hint=f"run `keepwf sync {remote}` again")
