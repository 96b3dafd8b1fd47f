"""Versions of a workflow in an env: list them, find the deployed one, resolve a version REF.

Stable API (other features call these):

- ``list_versions(repo, wf_id, env, *, limit=None, include_pruned=False) -> list[Version]`` newest first
- ``deployed_version(repo, wf_id, env) -> Version | None`` the newest version keepwf trusts
- ``resolve_version(repo, wf_id, env, ref) -> Version`` REF = ``v3`` | ``3`` | commit SHA (prefix) | tag name |
  ``deployed`` | ``previous`` (None = deployed); raises UsageError (exit 2) for a bad or foreign REF
- ``default_rollback_target(versions, run_stats=None) -> Version | None``
"""

from __future__ import annotations

import re

from keepwf.config import valid_ref_component
from keepwf.errors import UsageError
from keepwf.model.version import ARCHIVE_REF_PREFIX, Version, parse_number, parse_tag_name, workflow_prefix
from keepwf.store import tags
from keepwf.store.repo import Repo

_HEX = re.compile(r"^[0-9a-fA-F]{4,40}$")


def _numbered_refs(repo: Repo, wf_id: str, env: str, include_pruned: bool) -> list[tuple[int, str]]:
    prefix = workflow_prefix(env, wf_id)
    found: dict[int, str] = {}
    if include_pruned:
        for name in tags.ref_names(repo, ARCHIVE_REF_PREFIX + f"{env}/{wf_id}/"):
            p = parse_tag_name(name)
            if p:
                found[p[2]] = name
    for name in tags.ref_names(repo, prefix):
        p = parse_tag_name(name)
        if p:
            found[p[2]] = name  # a live tag wins over an archived one of the same number
    return sorted(found.items(), reverse=True)


def list_versions(repo: Repo, wf_id: str, env: str, *, limit: int | None = None, offset: int = 0,
                  include_pruned: bool = False) -> list[Version]:
    """The versions of ``wf_id`` in ``env``, newest first (foreign tags included, flagged)."""
    if not valid_ref_component(wf_id) or not valid_ref_component(env):
        return []
    refs = _numbered_refs(repo, wf_id, env, include_pruned)
    refs = refs[offset : None if limit is None else offset + limit]
    out = []
    for _, name in refs:
        v = tags.read_version(repo, name)
        if v is not None:
            out.append(v)
    return out


def count_versions(repo: Repo, wf_id: str, env: str, include_pruned: bool = False) -> int:
    if not valid_ref_component(wf_id) or not valid_ref_component(env):
        return 0
    return len(_numbered_refs(repo, wf_id, env, include_pruned))


def next_number(repo: Repo, wf_id: str, env: str) -> int:
    """The number the next version gets: one past every number ever used (live or pruned; never reused)."""
    refs = _numbered_refs(repo, wf_id, env, include_pruned=True)
    return (refs[0][0] + 1) if refs else 1


def deployed_version(repo: Repo, wf_id: str, env: str) -> Version | None:
    """The newest version keepwf trusts (foreign tags are skipped, see ``foreign_versions``) that is live: a canary
    version counts only once its canary was promoted (docs/canary.md)."""
    if not valid_ref_component(wf_id) or not valid_ref_component(env):
        return None
    for _, name in _numbered_refs(repo, wf_id, env, False):
        v = tags.read_version(repo, name)
        if v is not None and v.trusted and is_live(repo, v):
            return v
    return None


stable_version = deployed_version  # during a canary, the deployed version is its stable arm


def is_live(repo: Repo, v: Version) -> bool:
    """A trusted version that may be the deployed one: anything but a canary not (yet) promoted."""
    if v.action != "canary":
        return True
    from keepwf.service.canary import promoted_labels

    return v.label in promoted_labels(repo, v.env, v.workflow)


def deployed_versions(repo: Repo, env: str | None = None) -> dict[tuple[str, str], Version]:
    """``{(env, wf): deployed Version}`` for every workflow deployed (in ``env``, or in every env): one ref scan,
    then one tag read per workflow (more only when the newest tags are foreign)."""
    return scan_deployed(repo, env)[0]


def scan_deployed(repo: Repo, env: str | None = None) -> tuple[dict[tuple[str, str], Version], dict[tuple[str, str], list[Version]]]:
    """``(deployed, foreign)``: the deployed version per (env, wf), and the foreign tags newer than it (which keepwf
    skipped: they must be reported, never trusted silently)."""
    deployed: dict[tuple[str, str], Version] = {}
    foreign: dict[tuple[str, str], list[Version]] = {}
    for key, by_number in tags.version_index(repo, env).items():
        for n in sorted(by_number, reverse=True):
            v = tags.read_version(repo, by_number[n])
            if v is None:
                continue
            if v.trusted:
                if not is_live(repo, v):
                    continue  # a canary still being measured: the stable version below it is the deployed one
                deployed[key] = v
                break
            foreign.setdefault(key, []).append(v)
    return deployed, foreign


def previous_version(versions: list[Version]) -> Version | None:
    """The trusted version just before the deployed one in a newest-first list."""
    trusted = [v for v in versions if v.trusted]
    return trusted[1] if len(trusted) > 1 else None


def default_rollback_target(versions: list[Version], run_stats: dict | None = None) -> Version | None:
    """The version a plain ``keepwf rollback`` goes back to: the newest earlier version (before the deployed one)
    whose content differs from the deployed one and whose runs did not all fail.

    ``run_stats`` maps a version label (``v3``) to ``{"runs": int, "failed": int}``; a version with runs that all
    failed is skipped. Without stats (or no earlier version passing), the version before the deployed one."""
    trusted = [v for v in versions if v.trusted]
    if len(trusted) < 2:
        return None
    deployed = trusted[0]
    candidates = [v for v in trusted[1:] if v.blob != deployed.blob] or trusted[1:]
    if run_stats:
        for v in candidates:
            st = run_stats.get(v.label) or {}
            runs, failed = st.get("runs", 0), st.get("failed", 0)
            if not (runs and failed >= runs):
                return v
    return candidates[0]


def resolve_version(repo: Repo, wf_id: str, env: str, ref: str | None = None) -> Version:
    """The version ``ref`` names among ``wf_id``'s versions in ``env`` (see the module doc)."""
    text = (ref or "deployed").strip()
    hint = f"keepwf history {wf_id} --env {env}"
    if text in ("deployed", "current", "latest"):
        v = deployed_version(repo, wf_id, env)
        if v is None:
            raise UsageError(f"{wf_id} has no deployed version in {env}", hint=f"deploy it first: keepwf deploy {wf_id} --env {env}")
        return v
    versions = list_versions(repo, wf_id, env, include_pruned=True)
    if text == "previous":
        prev = previous_version([v for v in versions if not v.pruned] or versions)
        if prev is None:
            raise UsageError(f"{wf_id} has no version before the deployed one in {env}", hint=hint)
        return prev
    n = parse_number(text)
    if n is not None:
        for v in versions:
            if v.number == n:
                return v
        if text[:1] in "vV" or len(text) < 4:
            raise UsageError(f"{wf_id} has no version v{n} in {env}" + _range(versions), hint=hint)
    parsed = parse_tag_name(text) if "/" in text else None
    if parsed is not None:
        t_env, t_wf, t_n = parsed
        if (t_env, t_wf) != (env, wf_id):
            raise UsageError(f"{text} is a version of {t_wf} in {t_env}, not of {wf_id} in {env}", hint=hint)
        for v in versions:
            if v.number == t_n:
                return v
        raise UsageError(f"no such tag: {text}", hint=hint)
    if _HEX.match(text):
        low = text.lower()
        hits = [v for v in versions if v.commit.startswith(low)]
        commits = {v.commit for v in hits}
        if len(commits) > 1:
            shown = ", ".join(f"{v.label}={v.commit[:12]}" for v in hits)
            raise UsageError(f"commit prefix {text} is ambiguous among {wf_id}'s versions in {env}: {shown}",
                             hint="give more characters of the SHA, or the version number (v3)")
        if hits:
            return min(hits, key=lambda v: not v.trusted)  # the newest version of that commit keepwf trusts
        full = repo.resolve_commit(text)
        if full:
            raise UsageError(f"commit {full[:12]} is not a version of {wf_id} in {env}", hint=hint)
    else:
        # HEAD, HEAD~1, a branch or a user's tag: the version deployed from that commit, like a SHA (never an alias
        # for "deployed": `--version HEAD` must not silently show another commit than HEAD).
        full = repo.resolve_commit(text)
        if full:
            hits = [v for v in versions if v.commit == full]
            if hits:
                return min(hits, key=lambda v: not v.trusted)
            raise UsageError(f"{text} is commit {full[:12]}, which is not a version of {wf_id} in {env}",
                             hint=hint)
    raise UsageError(
        f"bad version reference {text!r} for {wf_id} in {env}",
        hint="use v3, 3, a commit SHA of one of its versions, keepwf/<env>/<wf>/v3, deployed or previous; see " + hint,
    )


def _range(versions: list[Version]) -> str:
    if not versions:
        return " (it has no versions)"
    nums = sorted(v.number for v in versions)
    return f" (it has v{nums[0]}…v{nums[-1]})" if len(nums) > 1 else f" (it has v{nums[0]})"
