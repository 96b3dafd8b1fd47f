"""Running a workflow: the deployed version read from git objects (or the draft), recorded in the run log.

Stable API: ``run_workflow_version(repo, wf, ...) -> RunOutcome``; ``build_record(...)``; ``check_recordable(repo,
target)`` (raises StateError before anything runs when the run could not be recorded).
A Ctrl-C, SIGTERM or SIGHUP during the run still records it (status ``cancelled``, error ``interrupted``): SIGTERM/SIGHUP
become ``KeyboardInterrupt`` here, the engine hands back the partial result (``keepwf.engine.RunInterrupted``: finished
steps with results and logs, inputs redacted as usual, the event) and it is recorded like a normal run. Building and
appending the record run with those signals held back, so a ref is never left half-written; then exit 130.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from keepwf.errors import EXIT_INTERRUPTED, KeepwfError, StateError, UsageError
from keepwf.model.runrecord import format_started, new_run_id, utcnow
from keepwf.store.repo import Repo

MAX_LOGS = 500
LIVE_OUTPUT = 200  # output lines per step written to the live window `runs --follow` reads (all are in the results)
MAX_CALLS = 500


@dataclass
class Target:
    """What is about to run: the workflow document and where it came from."""

    workflow: str
    env: str
    doc: Any
    commit: str
    blob: str
    path: str
    version: str | None = None  # vN; None for a draft
    tag: str | None = None
    draft: bool = False
    notice: str | None = None  # "running v4 (3f2a9c1); your working copy differs — use --draft to run it"
    routable: bool = False  # the deployed version, chosen by default: a running canary may take the event instead


@dataclass
class RunOutcome:
    record: dict[str, Any]
    target: Target
    result: Any = None  # keepwf.model.run.RunResult (partial when interrupted; None when interrupted outside the steps)
    interrupted: bool = False
    progress: list = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return 0 if self.record.get("status") in ("success", "skipped") else 1

    def to_dict(self) -> dict[str, Any]:
        return self.record


def _pick_doc(data: bytes, path: str, wf: str):
    from keepwf.workflow import load_source

    res = load_source(data, path)
    for d in res.docs:
        if d.id == wf:
            return d
    errors = "; ".join(p.message for p in res.problems if p.severity == "error")[:300]
    raise StateError(f"{path} does not hold a loadable workflow {wf!r}" + (f": {errors}" if errors else ""),
                     hint=f"keepwf validate {path}")


def load_version_doc(repo: Repo, v, wf: str):
    """(WorkflowDoc, blob SHA) of workflow ``wf`` in version ``v``, parsed once per blob (``store.doccache``)."""
    from keepwf.model.workflow import WorkflowDoc
    from keepwf.service.timeline import version_content
    from keepwf.store import doccache

    key = f"{v.blob}-{wf}" if v.blob else None
    hit = doccache.get(repo, key) if key else None
    if hit is not None:
        return WorkflowDoc(hit["id"], hit["path"], hit["data"], hit["root"], hit["index"], hit["line"]), v.blob
    data = version_content(repo, v)
    doc = _pick_doc(data, v.path, wf)
    blob = v.blob or repo.hash_bytes(data)
    if key and repo.hash_bytes(data) == v.blob:
        doccache.put(repo, key, {"id": doc.id, "path": doc.path, "data": doc.data, "root": doc.root, "index": doc.index,
                                 "line": doc.line})
    return doc, blob


def resolve_target(repo: Repo, config, wf: str, *, version: str | None, env: str | None, draft: bool) -> Target:
    from keepwf.service import catalog

    env_name = config.env(env).name
    if draft:
        if version is not None:
            raise UsageError("--draft runs the working copy; it cannot be combined with --version",
                             hint=f"keepwf run {wf} --draft   or   keepwf run {wf} --version {version}")
        head = repo.require_commit()
        f = catalog.working_tree(repo, config).get(wf)
        if f is None or f.doc is None:
            raise UsageError(f"no workflow {wf!r} in the working tree", hint="keepwf list shows the workflow ids")
        from keepwf.config import valid_ref_component

        if not valid_ref_component(wf):  # its runs are recorded under a ref named after it: refuse before running
            raise UsageError(f"workflow id {wf!r} cannot be part of a git ref name, so its runs cannot be recorded",
                             hint=f"rename it in {f.path} (letters, digits, '-', '_', '.'); keepwf validate reports it")
        return Target(wf, env_name, f.doc, head, f.blob, f.path, draft=True)
    from keepwf.service.versions import resolve_version

    try:
        v = resolve_version(repo, wf, env_name, version)
    except UsageError as e:
        if version is None and "no deployed version" in e.message:
            e.hint = f"deploy it first (keepwf deploy {wf} --env {env_name}), or try the working copy: keepwf run {wf} --draft"
        raise
    from keepwf.service.signatures import check_run_signature

    check_run_signature(repo, config, env_name, v.tag, v.tag_oid or None)  # before anything is shown as running
    doc, blob = load_version_doc(repo, v, wf)
    t = Target(wf, env_name, doc, v.commit, blob, v.path, v.label, v.tag, routable=version is None)
    if not repo.is_bare and v.path:
        drafted = catalog.read_draft(repo, v.path)
        if drafted is None or repo.hash_bytes(drafted) != t.blob:
            t.notice = f"running {v.label} ({v.commit[:7]}); your working copy differs — use --draft to run it"
    return t


def _providers_file(repo: Repo) -> dict | None:
    """providers.yaml at the top of the working tree (Keep's file of provider configs), if there is one."""
    from keepwf.workflow.datafile import read_data_file

    p = repo.root / "providers.yaml"
    if repo.is_bare or not p.exists():
        return None
    data = read_data_file(p, "providers.yaml", "fix providers.yaml at the repository root (see docs/engine.md)")
    if data is not None and not isinstance(data, dict):
        raise UsageError("providers.yaml: must be a mapping of provider name → config", hint="see docs/engine.md")
    return data


def bash_cwd(repo: Repo, t: Target):
    """Where bash steps run: the working tree for a draft; else a read-only export of the deployed commit's tree,
    made when the first bash step asks (``store.treecache``), so scripts a workflow calls are the deployed ones."""
    if t.draft:
        return str(repo.root)
    made: list[str] = []

    def export() -> str:
        if not made:
            from keepwf.store import treecache

            made.append(str(treecache.export(repo, t.commit)))
        return made[0]

    return export


def load_mocks(path: str | None, cwd):
    """The MockSet of ``--mock FILE`` (None without the option)."""
    if not path:
        return None
    from pathlib import Path

    from keepwf.engine import MockSet

    return MockSet.load(str(Path(cwd) / path))


_IDENTITIES: dict[tuple, tuple[str, str]] = {}


def _identity(repo: Repo) -> tuple[str, str]:
    """(user, host) of a run record: the email of git's committer identity — the same source as deploy tags and
    approvals (``store.tags.identity``: GIT_COMMITTER_EMAIL, then user.email) —, else the login name (a run is
    never refused for want of an identity). Asked once per process and repository (``git var`` is a subprocess:
    ``keepwf serve`` records hundreds of runs a second), again when the identity's environment changes."""
    import getpass
    import socket

    from keepwf.store.tags import identity

    key = (str(repo.common_dir), *(os.environ.get(k) for k in ("GIT_COMMITTER_EMAIL", "GIT_COMMITTER_NAME", "EMAIL",
                                                                "HOME", "GIT_CONFIG_GLOBAL", "XDG_CONFIG_HOME")))
    hit = _IDENTITIES.get(key)
    if hit is not None:
        return hit
    try:
        user = identity(repo, "a run records who ran it").email
    except StateError:
        try:
            user = getpass.getuser()
        except Exception:  # noqa: BLE001 - no login name (a container without passwd entry)
            user = "unknown"
    _IDENTITIES[key] = found = (user, socket.gethostname())
    return found


class _Interrupted(BaseException):
    pass


@contextlib.contextmanager
def _sigterm_as_interrupt():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    # SIGHUP too: a closed terminal or a dropped ssh session must still leave the run's record
    olds = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)
            if signal.getsignal(s) is not signal.SIG_IGN}  # nohup'd: stay deaf to SIGHUP
    try:
        yield
    finally:
        for s, old in olds.items():
            signal.signal(s, old)


@contextlib.contextmanager
def held_signals():
    """SIGINT/SIGTERM/SIGHUP wait until the block is done (used around the run-log append)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    olds = {s: signal.signal(s, lambda n, f: got.append(n)) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
            if signal.getsignal(s) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for s, old in olds.items():
            signal.signal(s, old)
        if got:
            raise KeyboardInterrupt


def build_record(t: Target, started, *, trigger: str, event: dict | None, result=None, interrupted: bool = False,
                 steps_so_far: list | None = None, inputs: dict | None = None, repo: Repo | None = None,
                 run_id: str | None = None, trial: bool = False) -> dict[str, Any]:
    """The run record of ``result`` — also the partial result of an interrupted run (``keepwf.engine.RunInterrupted``
    is recorded with status ``cancelled``, error ``interrupted``). Without a result (interrupted before the engine could finish one)
    the record holds ``steps_so_far`` and every input as ``***``; ``interrupted`` is kept for callers."""
    from keepwf import __version__

    ev = event or {}
    trig: dict[str, Any] = {"type": trigger}
    for k in ("id", "fingerprint", "name"):
        if ev.get(k) is not None:
            trig[k] = ev.get(k)
    if trigger == "incident" and ev.get("event"):
        trig["event"] = ev.get("event")
    user, host = _identity(repo) if repo is not None else ("unknown", "unknown")
    rec: dict[str, Any] = {
        "started": format_started(started), "v": 1, "run_id": run_id or new_run_id(started),
        "workflow": t.workflow, "env": t.env, "version": t.version, "commit": t.commit, "blob": t.blob, "tag": t.tag,
        "path": t.path, "draft": t.draft, "trigger": trig,
    }
    if result is not None:  # a finished run, or the partial result of an interrupted one (keepwf.engine.RunInterrupted)
        rec.update({
            "inputs": result.inputs, "status": result.status, "duration_ms": result.duration_ms, "error": result.error,
            "steps": [s.to_dict() for s in result.steps] + ([result.on_failure.to_dict()] if result.on_failure else []),
            "results": result.results, "event": result.event, "enrichments": list(result.enrichments),
            "logs": list(result.logs)[:MAX_LOGS],
        })
        if result.calls:  # provider calls answered by --mock, with their rendered (redacted) parameters
            rec["calls"] = list(result.calls)[:MAX_CALLS]
    else:  # interrupted before the engine could finish a result (setup, or a second signal): what progress showed
        dur = int((utcnow() - started).total_seconds() * 1000)
        rec.update({"inputs": {k: "***" for k in (inputs or {})}, "status": "error", "duration_ms": dur,
                    "error": "interrupted", "steps": steps_so_far or [], "event": None})
    if interrupted:  # Ctrl-C / SIGTERM / SIGHUP: neither a success nor a failure of the workflow (docs/runs.md)
        rec["status"] = "cancelled"
    if trial:  # provider calls answered by --mock: proves nothing about the version; left out of its success rate
        rec["trial"] = True
    rec.update({"host": host, "user": user, "keepwf": __version__})
    from keepwf.workflow.datafile import escape_surrogates

    return escape_surrogates(rec)  # e.g. a "\\ud800" escape in an HTTP response body: recorded escaped, never lost


def execute(repo: Repo, t: Target, *, trigger: str = "manual", event: dict | None = None, event_kind: str | None = None,
            inputs: dict | None = None, mocks=None, progress: Callable | None = None, config=None,
            history_before: str | None = None, log_kind: str | None = "default", extra: dict | None = None,
            run_id: str | None = None, record: Callable[[dict], Any] | None = None,
            trial: bool | None = None) -> RunOutcome:
    """Run the target with the engine and append its record (also when interrupted).

    ``log_kind``: the run log the record goes to — ``"default"`` (``drafts`` for a draft, else ``runs``), ``"runs"``,
    ``"drafts"``, or None (nothing recorded: bisect's trial runs). ``extra`` keys are added to the record
    (``replay_of``; serve's ``attempt``, ``retry_of``, ``task``). ``keepwf serve`` passes the ``run_id`` it journaled
    and ``record`` (its journal outbox, appended to the run log in batches) instead of the direct append. ``trial``
    (default: ``mocks`` were given) marks the record as a trial run, left out of success rates and gates
    (docs/runs.md, "Which runs count")."""
    from keepwf.engine import RunInterrupted, RunOptions, run_workflow
    from keepwf.service.history import RunLogHistory
    from keepwf.store.runlog import RunLog
    from keepwf.store.settings import load_config

    from keepwf.workflow.datafile import refuse_surrogates

    refuse_surrogates(event, f"the {event_kind or 'event'}", "fix the event's text (lone \\ud800-\\udfff escapes)")
    refuse_surrogates(inputs, "--input", "give inputs as UTF-8 text")
    config = config or load_config(repo)
    if mocks is not None:  # the file's workflows.<id> section over its shared entries
        mocks = mocks.for_workflow(t.workflow)
    if log_kind == "default":
        log_kind = "drafts" if t.draft else "runs"
    if log_kind is not None:  # (bisect's sealed trial runs record nothing and call no provider)
        from keepwf.service.signatures import check_run_signature

        check_run_signature(repo, config, t.env, None if t.draft else t.tag)  # a signed env runs verified tags only
        check_recordable(repo, t, log_kind)  # a run that could not be recorded is never started (no trace)
    if event_kind in ("alert", None):  # Keep's view of an alert; a manual run gets its synthetic manual-run alert
        from datetime import datetime, timezone

        from keepwf.engine.triggers import normalize_alert

        event, event_kind = normalize_alert(event, now=datetime.now(timezone.utc).isoformat()), "alert"
    canary_info = None
    if t.routable:  # during a canary, the event's fingerprint decides which of the two versions runs
        from keepwf.service.canary import route

        t, canary_info = route(repo, t, event, config)
        if canary_info:
            extra = {**(extra or {}), "canary": canary_info}
    seen: list = []

    open_step: list = []  # [event, monotonic start] of the step or action running now
    started = utcnow()
    run_id = run_id or new_run_id(started)
    live = _live(repo, run_id, t, started, trigger) if log_kind is not None else None

    output_lines: dict[str, int] = {}  # per step: a command's output lines, shown to followers up to LIVE_OUTPUT

    def on_progress(ev):
        kind = getattr(ev, "kind", None)
        if kind == "output":  # a command's output line: for the screen and followers, not kept here
            n = output_lines[ev.step] = output_lines.get(ev.step, 0) + 1
            if live is not None and n <= LIVE_OUTPUT:
                live.write(dataclasses.asdict(ev))
            if progress:
                progress(ev)
            return
        seen.append(ev)
        if live is not None:
            live.write(dataclasses.asdict(ev))
        if kind == "step_start":
            open_step[:] = [ev, time.monotonic()]
        elif kind == "step_end":
            open_step.clear()
        if progress:
            progress(ev)

    opts = RunOptions(event=event, event_kind=event_kind, trigger=trigger, inputs=dict(inputs or {}), env=dict(os.environ),
                      providers_file=_providers_file(repo), mocks=mocks, history=RunLogHistory(repo, t.env, history_before),
                      allow_python=config.allow_python, bash_timeout=config.bash_timeout, query_timeout=config.query_timeout,
                      progress=on_progress, allow_private_network=config.allow_private_network,
                      cwd=bash_cwd(repo, t))
    result, interrupted = None, False
    try:
        with _sigterm_as_interrupt():
            result = run_workflow(t.doc, opts)
    except RunInterrupted as e:  # the engine finished a partial result: recorded like a normal run
        result, interrupted = e.result, True
    except KeyboardInterrupt:
        interrupted = True
    rec: dict[str, Any] = {}
    try:
        with held_signals():  # a second Ctrl-C waits until the record is built and appended
            rec = build_record(t, started, trigger=trigger, event=event, result=result, interrupted=interrupted,
                               steps_so_far=_steps_so_far(seen, open_step), inputs=inputs, repo=repo, run_id=run_id,
                               trial=(mocks is not None) if trial is None else trial)
            rec.update(extra or {})
            if record is not None:
                record(rec)
            elif log_kind is not None:
                RunLog(repo, log_kind).append(rec)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if live is not None:
            live.close()
    if canary_info and log_kind == "runs" and rec and record is None:  # (serve decides after its batch append)
        from keepwf.service.canary import after_run

        after_run(repo, config, rec)  # the canary decides after every one of its runs (never raises)
    return RunOutcome(rec, t, result, interrupted, seen)


def check_recordable(repo: Repo, t: Target, log_kind: str | None = None) -> None:
    """Raise StateError (exit 3) when a run of ``t`` could not be recorded (in ``log_kind``: ``runs``/``drafts``, by
    default the target's): its run chain ref is not a run chain, or the repository refuses writes (read-only, full
    disk, quota, permissions). ``execute`` calls it before running anything; a server can call it to refuse an event
    up front."""
    from keepwf.store.runguard import check_recordable as check

    check(repo, log_kind or ("drafts" if t.draft else "runs"), t.env, t.workflow, None if t.draft else t.version)


def _live(repo: Repo, run_id: str, t: Target, started, trigger: str):
    """The window other processes follow while this run executes (``keepwf runs --follow``)."""
    from keepwf.store.live import LiveRun

    return LiveRun(repo, run_id, {"workflow": t.workflow, "env": t.env, "version": t.version, "draft": t.draft,
                                  "started": format_started(started), "trigger": trigger})


def _steps_so_far(seen: list, open_step: list) -> list[dict]:
    """The steps an interrupted run finished, plus the one it was inside (status error, error interrupted)."""
    steps = [{"name": e.step, "kind": e.step_kind, "status": e.status, "duration_ms": e.duration_ms, "attempts": e.attempt}
             for e in seen if getattr(e, "kind", None) == "step_end"]
    if open_step:
        ev, t0 = open_step
        steps.append({"name": ev.step, "kind": ev.step_kind, "status": "error", "attempts": 1,
                      "duration_ms": int((time.monotonic() - t0) * 1000), "error": "interrupted"})
    return steps


def interrupted_error() -> KeepwfError:
    return KeepwfError("interrupted: the run was recorded with status cancelled", hint="keepwf runs --limit 1",
                       exit_code=EXIT_INTERRUPTED)
