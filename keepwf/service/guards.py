"""Checks that protect a team from itself: content a rollback took back, and promotion gates (docs/versions.md).

- **redeploy guard**: deploying (or promoting) a blob that a rollback in that env moved away from is refused, unless
  ``--force -m REASON``. Walking the env's versions newest first, the first version that holds the blob clears the
  guard (someone already put it back on purpose), the first rollback whose replaced version held it sets it.
- **promotion gate** (``[env.X] promote_from``, ``min_runs``, ``min_success_rate``): the source env's runs of exactly
  that content (its blob, over every version of the source env that held it) must be enough and good enough.
  Cancelled and trial runs do not count (docs/runs.md, "Which runs count").
"""

from __future__ import annotations

from keepwf.config import EnvConfig
from keepwf.errors import UsageError
from keepwf.model.release import CheckItem
from keepwf.model.version import Version
from keepwf.service.versions import list_versions
from keepwf.store.repo import Repo

FORCE_HINT = "--force -m REASON"


def force_reason(force: bool, message: str | None, command: str) -> str | None:
    """The REASON of ``--force``; ``--force`` without ``-m`` is exit 2 (an override always says why)."""
    if not force:
        return None
    if not message or not message.strip():
        raise UsageError("--force needs -m REASON: the reason is recorded in the tag (Keepwf-Force-Reason) and shown "
                         "by `keepwf audit`", hint=f"{command} --force -m \"why this is safe\"")
    return message


def rolled_back(repo: Repo, wf: str, env: str, blob: str) -> tuple[Version, Version] | None:
    """``(the version that held blob, the rollback that replaced it)`` when the newest word on ``blob`` among the
    env's versions (newest first, pruned ones included) is a rollback away from it; None when it was never rolled
    back or was put back since. Tags are first read by their trailers alone; the versions that decide are then read
    in full, and only versions keepwf trusts decide."""
    from keepwf.model.version import T_ACTION, T_BLOB, T_ROLLBACK_OF, parse_number
    from keepwf.service.versions import numbered_refs
    from keepwf.store import tags

    refs = numbered_refs(repo, wf, env)
    by_number = dict(refs)
    for _n, ref in refs:
        t = tags.read_trailers(repo, ref)
        if t.get(T_BLOB) == blob:
            v = tags.read_version(repo, ref)
            if v is not None and v.trusted:
                return None
        if t.get(T_ACTION) == "rollback" and (of := parse_number(t.get(T_ROLLBACK_OF) or "")) in by_number:
            if tags.read_trailers(repo, by_number[of]).get(T_BLOB) != blob:
                continue
            rb, was = tags.read_version(repo, ref), tags.read_version(repo, by_number[of])
            if rb is not None and was is not None and rb.trusted and was.trusted:
                return was, rb
    return None


def redeploy_check(repo: Repo, wf: str, env: str, blob: str, reason: str | None, command: str) -> CheckItem | None:
    """The ``redeploy`` checklist line (None when the content was never rolled back in ``env``)."""
    hit = rolled_back(repo, wf, env, blob)
    if hit is None:
        return None
    was, rb = hit
    what = f"{wf}: this content is {was.label}, rolled back by {rb.label}: '{rb.message.splitlines()[0] if rb.message else ''}'"
    if reason is not None:
        return CheckItem("redeploy", "warn", f"{what} — forced: {reason.strip().splitlines()[0]}")
    return CheckItem("redeploy", "fail", what,
                     hint=f"remove the change from the branch (see `keepwf rollback` output: git revert …), or deploy it "
                          f"again on purpose: {command} {FORCE_HINT}")


def gate_stats(repo: Repo, wf: str, env: str, blob: str) -> dict:
    """The runs of ``wf`` in ``env`` of every version that held ``blob``: runs, failed, success (counted runs only)."""
    from keepwf.service.runs import version_run_stats

    versions = [v for v in list_versions(repo, wf, env, include_pruned=True) if v.trusted and v.blob == blob]
    stats = version_run_stats(repo, wf, env, versions) if versions else {}
    runs = sum(s.get("runs", 0) for s in stats.values())
    success = sum(s.get("success", 0) for s in stats.values())
    return {"runs": runs, "success": success, "failed": sum(s.get("failed", 0) for s in stats.values()),
            "success_rate": (success / runs) if runs else 0.0, "versions": [v.label for v in versions]}


def gate_check(repo: Repo, dst: EnvConfig, src_env: str, wf: str, src: Version, reason: str | None) -> CheckItem | None:
    """The ``gate`` checklist line of a promotion into ``dst`` (None when ``dst`` sets no gate)."""
    if dst.min_runs is None and dst.min_success_rate is None:
        return None
    st = gate_stats(repo, wf, src_env, src.blob)
    needs = []
    if dst.min_runs is not None:
        needs.append(f"≥ {dst.min_runs} run{'s' if dst.min_runs != 1 else ''}")
    if dst.min_success_rate is not None:
        needs.append(f"≥ {dst.min_success_rate:.0%}")
    n = st["runs"]
    seen = f"{src_env} {src.label}: {n} run{'s' if n != 1 else ''}" + (f", {st['success_rate']:.0%} success" if n else "")
    ok = (dst.min_runs is None or n >= dst.min_runs) and \
        (dst.min_success_rate is None or (n > 0 and st["success_rate"] >= dst.min_success_rate))
    if ok:
        return CheckItem("gate", "ok", f"{seen} (needs {', '.join(needs)})")
    if reason is not None:
        return CheckItem("gate", "warn", f"{seen} — needs {', '.join(needs)}; forced: {reason.strip().splitlines()[0]}")
    return CheckItem("gate", "fail", f"{seen} — needs {', '.join(needs)}",
                     hint=f"run it more in {src_env} (keepwf run {wf} --env {src_env}), or promote anyway: "
                          f"keepwf promote {wf} --from {src_env} --to {dst.name} {FORCE_HINT}")
