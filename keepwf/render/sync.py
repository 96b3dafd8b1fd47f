"""What `keepwf sync` says: plain counts of what this clone gained; the mechanics only with -v."""

from __future__ import annotations

from keepwf.render import line, warn
from keepwf.render.styled import plural as _n


def sync_result(res, verbose: bool = False) -> None:
    c = res.counts
    line(f"synced with {res.remote}: {_n(c['new_runs'], 'new run')}, {_n(c['new_versions'], 'new version')}, "
         f"{_n(c['new_approvals'], 'new approval')}, {_n(c['pruned_versions'], 'pruned version')} "
         f"({res.remote} has all of yours too)")
    if verbose:
        m, v = res.merged, res.versions
        line(f"  runs: {res.runs_before} before, {res.runs_after} after; run histories: {m.get('new', 0)} new, "
             f"{m.get('fast_forward', 0)} fast-forwarded, {m.get('merged', 0)} merged; "
             f"run notes merged: {m.get('notes', 0)}")
        line(f"  versions: {_n(v.get('tags', 0), 'new deploy tag')}; {_n(v.get('archived', 0), 'pruned version')} "
             f"archived here ({v.get('pruned_here', 0)} of them still live here: the other side pruned them)"
             + ("; audit log merged" if v.get("audit") else ""))
        line(f"  pushed: {_n(len(res.pushed), 'ref')}" + (f" after {res.attempts} attempts" if res.attempts > 1 else ""))
    if res.not_deleted:
        warn(f"{res.remote} refused to delete {len(res.not_deleted)} pruned tag(s) (e.g. {res.not_deleted[0]}): "
             "they stay there as tags; every clone that syncs still lists them as pruned")
