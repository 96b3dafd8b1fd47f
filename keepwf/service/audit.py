"""keepwf audit: every deploy, rollback, promote and prune across workflows, newest first.

Sources: the deploy tags (live and archived by prune) and the prune commits on ``refs/keepwf/audit``. Tags under
``refs/tags/keepwf/`` that keepwf did not make (lightweight, trailers missing or contradicting the name) are listed as
``foreign``, never trusted silently.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from keepwf.config import Config
from keepwf.model.timespec import parse_since
from keepwf.model.version import AUDIT_REF, Version, audit_records
from keepwf.store import tags
from keepwf.store.repo import Repo


@dataclass(frozen=True)
class AuditEntry:
    date: str
    timestamp: int
    action: str  # deploy | rollback | promote | prune
    env: str
    workflow: str
    version: str  # "v3" (prune: "v1, v2")
    commit: str
    by: str  # "Name <email>"
    message: str
    foreign: str | None = None
    pruned: bool = False
    detail: str = ""  # "of v2" / "from staging/v4"
    forced: str | None = None  # checks overridden with --force (Keepwf-Forced), e.g. "redeploy"
    force_reason: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def of(cls, v: Version) -> "AuditEntry":
        detail = f"of {v.rollback_of}" if v.rollback_of else f"from {v.promoted_from}" if v.promoted_from else ""
        return cls(v.date, v.timestamp, v.action, v.env, v.workflow, v.label, v.commit,
                   f"{v.tagger_name} <{v.tagger_email}>", v.message, v.foreign, v.pruned, detail, v.forced, v.force_reason)


def _prunes(repo: Repo) -> list[AuditEntry]:
    """One entry per (env, workflow) of each prune commit. After a sync the chain may hold merge commits (no
    trailers: skipped) and two clones' prunes of the same version: each version is listed once, by its first prune."""
    out = []
    seen: set[str] = set()
    for sha, msg, name, email, ts, off in sorted(tags.audit_commits(repo, AUDIT_REF), key=lambda c: (c[4], c[0])):
        groups: dict[tuple[str, str], list[str]] = {}
        text = msg.split("\n\nKeepwf-Action:")[0].strip()
        for kind, ref, _commit in audit_records(msg):
            env, wf, label = ref.split("/")
            if kind == "restore":  # keepwf prune --restore: one entry per restored version
                out.append(AuditEntry(tags.iso_date(ts, off), ts, "restore", env, wf, label, sha, f"{name} <{email}>",
                                      text))
            elif ref not in seen:
                seen.add(ref)
                groups.setdefault((env, wf), []).append(label)
        for (env, wf), labels in sorted(groups.items()):
            out.append(AuditEntry(tags.iso_date(ts, off), ts, "prune", env, wf, ", ".join(sorted(labels, key=_num)), sha,
                                  f"{name} <{email}>", text))
    return out


def audit(repo: Repo, config: Config, env: str | None = None, since: str | None = None, workflow: str | None = None,
          now: float | None = None) -> list[AuditEntry]:
    if env is not None:
        config.env(env)
    if workflow:
        from keepwf.service.timeline import known_workflow

        known_workflow(repo, config, workflow)  # a typo is exit 2 with a did-you-mean, not an empty audit
    cutoff = parse_since(since, time.time() if now is None else now) if since else None
    entries: list[AuditEntry] = []
    listed: set[tuple[str, str, int]] = set()
    for archived in (False, True):
        for (e, wf), by_number in tags.version_index(repo, env, archived=archived).items():
            if workflow and wf != workflow:
                continue
            for n, ref in by_number.items():
                if (e, wf, n) in listed:  # live and archived at once (a clone that has not synced a prune): once
                    continue
                listed.add((e, wf, n))
                v = tags.read_version(repo, ref)
                if v is not None:
                    entries.append(AuditEntry.of(v))
    entries += [p for p in _prunes(repo) if (env is None or p.env == env) and (not workflow or p.workflow == workflow)]
    if cutoff is not None:
        entries = [x for x in entries if x.timestamp >= cutoff]
    entries.sort(key=lambda x: (x.timestamp, x.action in ("prune", "restore"), _num(x.version)), reverse=True)
    return entries


def _num(label: str) -> int:
    return int(label[1:]) if label[:1] == "v" and label[1:].isdigit() else 0
