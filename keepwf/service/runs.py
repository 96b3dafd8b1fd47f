"""Querying the run log: list (newest first, filtered, paged), show one run, per-version stats, export/import.

Stable API: ``list_runs``, ``show_run``, ``version_run_stats``, ``last_runs``, ``export_runs``, ``import_runs``.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

from keepwf.errors import UsageError
from keepwf.model.runrecord import STATUSES, RecordError, RunRecord, check_record, decode_line, encode_known
from keepwf.model.runtrust import UNTRUSTED
from keepwf.store.repo import Repo
from keepwf.store.runlog import KINDS, RunLog, chain_prefix, import_records


@dataclass
class RunsPage:
    runs: list[RunRecord]
    page: int
    limit: int
    more: bool
    filters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"runs": [r.to_dict() for r in self.runs], "page": self.page, "limit": self.limit, "more": self.more,
                "filters": self.filters}


def _since_iso(since: str | None) -> str | None:
    if not since:
        return None
    from datetime import datetime, timezone

    from keepwf.model.runrecord import format_started
    from keepwf.model.timespec import parse_since

    return format_started(datetime.fromtimestamp(parse_since(since, time.time()), timezone.utc))


def list_runs(repo: Repo, workflow: str | None = None, *, version: str | None = None, env: str | None = None,
              status: str | None = None, since: str | None = None, limit: int = 20, page: int = 1,
              drafts: bool = False) -> RunsPage:
    """Runs newest first. ``version`` (any REF: v3, 3, SHA, deployed, previous) needs ``workflow``."""
    if status and status not in STATUSES:
        raise UsageError(f"--status {status!r}: not a run status", hint="use one of: " + ", ".join(STATUSES))
    since_iso = _since_iso(since)
    log = RunLog(repo, "drafts" if drafts else "runs")
    label = None
    if version is not None and drafts:
        raise UsageError("--drafts lists draft runs, which belong to no version; drop --version",
                         hint=f"keepwf runs {workflow or 'WORKFLOW'} --drafts")
    if version is not None:
        if not workflow:
            raise UsageError("--version needs a workflow", hint=f"keepwf runs WORKFLOW --version {version}")
        from keepwf.service.versions import resolve_version
        from keepwf.store.settings import load_config

        env = env or load_config(repo).default_env
        label = resolve_version(repo, workflow, env, version).label
        it = log.iter_runs(env, workflow, label)
    else:
        it = log.iter_runs(env, workflow)

    def keep(r):
        return not status or r.get("status") == status

    if since_iso:
        it = itertools.takewhile(lambda r: r["started"] >= since_iso, it)
    it = (r for r in it if keep(r))
    start = (page - 1) * limit
    chunk = list(itertools.islice(it, start, start + limit + 1))
    if not chunk and page == 1:
        _check_names(repo, workflow, env)  # "no runs" only for names that exist: a typo is exit 2, as elsewhere
    filters = {k: v for k, v in {"workflow": workflow, "version": label, "env": env, "status": status, "since": since_iso,
                                 "drafts": drafts or None}.items() if v}
    return RunsPage([RunRecord(r) for r in chunk[:limit]], page, limit, len(chunk) > limit, filters)


def _check_names(repo: Repo, workflow: str | None, env: str | None) -> None:
    from keepwf.store.settings import load_config

    config = load_config(repo)
    if env is not None:
        config.env(env)  # unknown environment → UsageError with the known ones
    if workflow:
        from keepwf.service.timeline import known_workflow

        known_workflow(repo, config, workflow)


def show_run(repo: Repo, run_id: str) -> RunRecord:
    """One run by id or unique prefix (runs and drafts)."""
    rid = run_id.strip()
    if len(rid) < 4:
        raise UsageError(f"run id {run_id!r} is too short", hint="give at least 4 characters of the id `keepwf runs` shows")
    hits = []
    for kind in KINDS:
        hits.extend(RunLog(repo, kind).find(rid))
    if not hits:
        raise UsageError(f"no run with id {run_id!r}", hint="keepwf runs --limit 50 lists recent run ids")
    if len({h["run_id"] for h in hits}) > 1:
        shown = ", ".join(sorted({h["run_id"] for h in hits})[:5])
        raise UsageError(f"run id prefix {run_id!r} is ambiguous: {shown}…", hint="give more characters of the id")
    return RunRecord(hits[0])


def version_run_stats(repo: Repo, wf: str, env: str, versions: Iterable[Any] = ()) -> dict[str, dict]:
    """``{label: {"runs", "failed", "success", "success_rate", "last_started", "last_status"}}`` per version."""
    from keepwf.store.runstats import chain_stats

    prefix = f"{chain_prefix('runs')}{env}/{wf}/"
    refs = RunLog(repo).chain_refs(env, wf)
    wanted = {v.label for v in versions} if versions else None
    refs = {k: v for k, v in refs.items() if wanted is None or k[len(prefix):] in wanted}
    out = {}
    for ref, st in chain_stats(repo, refs).items():
        runs = st["runs"]
        out[ref[len(prefix):]] = {**{k: v for k, v in st.items() if k not in ("tip", "checked")},
                                  "success_rate": (st["success"] / runs) if runs else 0.0}
    return out


def last_runs(repo: Repo, wf: str, env: str, label: str | None, n: int = 5) -> list[dict]:
    """The newest ``n`` runs of one version (of every version when ``label`` is None), as record dicts."""
    log = RunLog(repo)
    it = log.iter_runs(env, wf, label) if label else log.iter_runs(env, wf)
    return [_brief(r) for r in itertools.islice(it, n)]


def _brief(r: dict) -> dict:
    return {k: r.get(k) for k in ("run_id", "started", "version", "status", "duration_ms", "error")}


def export_runs(repo: Repo) -> Iterable[str]:
    """Every run and draft run as JSON Lines, oldest first."""
    recs = []
    for kind in KINDS:
        recs.extend(RunLog(repo, kind).iter_runs())
    recs.sort(key=lambda r: (r["started"], r["run_id"]))
    return (encode_known({k: v for k, v in r.items() if k != UNTRUSTED}) + "\n" for r in recs)  # a reader's mark only


@dataclass
class ImportResult:
    added: int
    present: int
    skipped: list[str]

    def to_dict(self) -> dict:
        return {"added": self.added, "already_present": self.present, "skipped": self.skipped}


def import_runs(repo: Repo, lines: Iterable[str], source: str = "-") -> ImportResult:
    """Append every record not yet in the log (dedupe by run_id; idempotent). Bad lines are skipped and reported."""
    recs, skipped = [], []
    for n, ln in enumerate(lines, 1):
        if not ln.strip():
            continue
        rec = decode_line(ln)
        try:
            if rec is None:
                raise RecordError("not a keepwf v1 run record")
            check_record(rec)
            from keepwf.store.runlog import chain_ref

            chain_ref("drafts" if rec.get("draft") else "runs", rec)
            if not rec.get("draft") and not rec.get("version"):
                raise RecordError("a non-draft run needs its version")
        except (RecordError, UsageError) as e:
            skipped.append(f"{source}:{n}: {getattr(e, 'message', e)}")
            continue
        recs.append(rec)
    added, present = import_records(repo, recs)
    return ImportResult(added, present, skipped)
