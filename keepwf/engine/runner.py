"""Execute one workflow the way Keep does (keep-format.md §3): steps, then actions; errors, retries, on-failure."""

from __future__ import annotations

import json
from typing import Any

from keepwf.engine.context import apply_inputs, build_context
from keepwf.engine.evaluator import SafeEval
from keepwf.engine.functions import FnContext
from keepwf.engine.interrupt import INTERRUPTED, RunInterrupted, StepInterrupted
from keepwf.engine.options import ProgressEvent, RunOptions
from keepwf.engine.results import iso as _iso
from keepwf.engine.results import jsonable, truncate
from keepwf.engine.secrets import Redactor, load_provider_configs
from keepwf.engine.step import StepRunner
from keepwf.engine.template import Renderer
from keepwf.errors import UsageError
from keepwf.model.run import RunResult, StepResult
from keepwf.workflow.datafile import escape_surrogates


class Run:
    def __init__(self, doc, opts: RunOptions):
        self.doc = doc
        self.opts = opts
        self.data = doc.data if isinstance(doc.data, dict) else {}
        self.workflow_id = str(self.data.get("id") or doc.id or "")
        self.logs: list[dict] = []
        self.enrichments: list[dict] = []
        self.calls: list[dict] = []
        self.redactor = Redactor()

    # -- helpers shared with StepRunner --------------------------------------------------------------------------
    def clip(self, text: Any) -> str:
        """Redacted text for the record, cut at a quarter of ``result_limit``: a 1 MB alert quoted in a log line, an
        error or a skip reason must not make a 1 MB run record."""
        text = self.redactor.text(str(text))
        cap = max(self.opts.result_limit // 4, 256)
        if len(text) > cap:
            text = f"{text[:cap]}… ({len(text)} characters, truncated)"
        return text

    def log(self, step: str, level: str, message: str) -> None:
        message = escape_surrogates(self.clip(message))
        self.logs.append({"time": _iso(self.opts.now()), "step": step, "level": level, "message": message})
        if self.opts.progress:
            self.opts.progress(ProgressEvent("log", step, status=level, message=message))

    def record(self, v: Any) -> Any:
        return truncate(jsonable(self.redactor.apply(v)), self.opts.result_limit)

    def progress(self, ev: ProgressEvent) -> None:
        if self.opts.progress:
            self.opts.progress(ev)

    # -- the run -------------------------------------------------------------------------------------------------
    def run(self) -> RunResult:
        opts = self.opts
        t0 = opts.now()
        if self.data.get("disabled") in (True, "true"):
            self.log("", "info", f"workflow {self.workflow_id} is disabled; nothing ran")
            return self._result("skipped", None, t0, dict(opts.inputs or {}), [], {}, None)
        inputs = apply_inputs(self.data.get("inputs"), dict(opts.inputs or {}))
        self.configs = load_provider_configs(opts.providers_file, self.doc.root, opts.env, self.redactor,
                                             lambda level, msg: self.log("", level, msg))
        last_results = last_time = None
        if opts.history is not None and "last_workflow_" in json.dumps(self.data, default=str):
            found = opts.history.last_successful(self.workflow_id)
            if found:
                last_results, last_time = found
        event = _plain_event(opts.event, opts.event_kind)
        if event is not None and opts.event_kind != "incident":
            self._severity_changed(event)
        self.context = build_context(event=event, event_kind=opts.event_kind, consts=self.data.get("consts"),
                                     inputs=inputs, last_results=last_results or {},
                                     last_run_time=last_time.isoformat() if last_time else None)
        self.fn_ctx = FnContext(now=opts.now, history=opts.history)
        self.renderer = Renderer(self.context, self.fn_ctx)
        self.evaluator = SafeEval()
        stepper = StepRunner(self)

        steps = [s for s in (self.data.get("steps") or []) if isinstance(s, dict)] if isinstance(self.data.get("steps"), list) else []
        actions = [a for a in (self.data.get("actions") or []) if isinstance(a, dict)] if isinstance(self.data.get("actions"), list) else []
        actions = [self._merge_use(a) for a in actions]
        total = len(steps) + len(actions)
        records: list[StepResult] = []
        results: dict[str, Any] = {}
        on_failure = None
        phase = "steps"
        try:
            status, error = self._steps_and_actions(stepper, steps, actions, t0, records, results)
            if status in ("error", "timeout") and isinstance(self.data.get("on-failure"), dict):
                phase = "on-failure"
                on_failure = self._on_failure(stepper, error, total)
        except KeyboardInterrupt as e:  # Ctrl-C, or a signal the caller turned into one: finish what is known
            cut = e.record if isinstance(e, StepInterrupted) else None  # the step it was inside
            if cut is not None and phase == "on-failure":
                on_failure = cut
            elif cut is not None:
                records.append(cut)
            self.log("", "error", "the run was interrupted; later steps did not run")
            done = [r for r in records if r is not cut]
            results = {r.name: r.results for r in done if r.kind == "action"}
            results.update({r.name: r.results for r in done if r.kind == "step"})
            raise RunInterrupted(self._result("error", INTERRUPTED, t0, inputs, records, results, on_failure)) from None
        return self._result(status, error, t0, inputs, records, results, on_failure)

    def _steps_and_actions(self, stepper, steps, actions, t0, records, results) -> tuple[str, str | None]:
        """Run the steps then the actions (appending to ``records``, filling ``results``): (status, error)."""
        total = len(steps) + len(actions)
        fatal: str | None = None
        index = 0
        timed_out = False
        for step in steps:
            if self._over_time(t0):
                timed_out = True
                break
            index += 1
            rec, stop = stepper.run(step, "step", index, total)
            records.append(rec)
            if rec.status == "error" and not step.get("continue_on_error"):
                fatal = rec.error
                break
            if stop:
                break
        action_errors: list[str] = []
        if fatal is None and not timed_out:
            for action in actions:
                if self._over_time(t0):
                    timed_out = True
                    break
                index += 1
                rec, stop = stepper.run(action, "action", index, total)
                records.append(rec)
                if rec.status == "error" and not action.get("continue_on_error"):
                    action_errors.append(f"Failed to run action {rec.name}: {rec.error}")
                if stop:
                    break
            for rec in records:  # steps override actions of the same name, as in Keep
                if rec.kind == "action":
                    results[rec.name] = rec.results
            for rec in records:
                if rec.kind == "step":
                    results[rec.name] = rec.results
        if timed_out:
            error = f"the run exceeded its time limit of {self.opts.run_timeout:g}s; later steps did not run"
            self.log("", "error", error)
            return "timeout", error
        if fatal is not None:
            return "error", fatal
        if action_errors:
            return "error", ", ".join(action_errors)
        return "success", None

    def _on_failure(self, stepper, error, total) -> StepResult:
        spec = dict(self.data["on-failure"])
        spec.setdefault("name", "on-failure")
        prov = dict(spec.get("provider") or {})
        with_ = dict(prov.get("with") or {})
        with_["message"] = f"Workflow {self.workflow_id} failed with errors: {error}"
        prov["with"] = with_
        spec["provider"] = prov
        rec, _ = stepper.run(spec, "action", total + 1, total + 1)
        return rec

    def _over_time(self, t0) -> bool:
        limit = self.opts.run_timeout
        return bool(limit) and (self.opts.now() - t0).total_seconds() > limit

    def _severity_changed(self, event: dict) -> None:
        """A ``severity_changed: true`` alert trigger sets Keep's comparison fields from the previous alert."""
        triggers = self.data.get("triggers") if isinstance(self.data.get("triggers"), list) else []
        if not any(isinstance(t, dict) and t.get("type") == "alert" and t.get("severity_changed") for t in triggers):
            return
        prev = None
        if self.opts.history is not None and event.get("fingerprint"):
            prev = self.opts.history.previous_alert(self.workflow_id, str(event["fingerprint"]))
        order = {"low": 1, "info": 2, "warning": 3, "high": 4, "critical": 5}
        prev_sev = prev.get("severity") if isinstance(prev, dict) else None
        event.setdefault("previous_severity", prev_sev)
        cur, old = order.get(str(event.get("severity")), 0), order.get(str(prev_sev), 0)
        event.setdefault("severity_changed", prev_sev is not None and cur != old)
        event.setdefault("severity_change", None if prev_sev is None or cur == old else ("increased" if cur > old else "decreased"))

    def _merge_use(self, action: dict) -> dict:
        use = action.get("use")
        if not use:
            return action
        root_actions = self.doc.root.get("actions") if isinstance(self.doc.root, dict) else None
        for base in root_actions or []:
            if isinstance(base, dict) and (base.get("use") == use or base.get("name") == use):
                return _deep_merge(action, base)
        self.log(str(action.get("name", "")), "warning", f"reusable action {use!r} not found in the document's actions:")
        return action

    def _result(self, status, error, t0, inputs, records, results, on_failure) -> RunResult:
        t1 = self.opts.now()
        ev = None
        if getattr(self, "context", None) is not None:
            e = self.context["incident"] if self.opts.event_kind == "incident" else self.context["alert"]
            ev = self.record(dict(e)) if (e or self.opts.event is not None) else None
        return RunResult(
            workflow_id=self.workflow_id,
            status=status,
            started=_iso(t0),
            duration_ms=max(0, int((t1 - t0).total_seconds() * 1000)),
            error=self.clip(error) if error else None,
            trigger=self.opts.trigger,
            inputs=self.redactor.apply(jsonable(inputs)),
            steps=tuple(records),
            logs=tuple(self.logs),
            enrichments=tuple(self.enrichments),
            event=ev,
            calls=tuple(self.calls),
            results=results,
            on_failure=on_failure,
        )


def _plain_event(event: Any, kind: str | None) -> dict | None:
    """A private JSON-plain copy of the event (the engine mutates it with enrichments)."""
    if event is None:
        return None
    what = "incident" if kind == "incident" else "alert"
    if not isinstance(event, dict):
        raise UsageError(f"the {what} must be a JSON object, got {type(event).__name__}",
                         hint=f"pass a file holding one {what} object, e.g. {{\"name\": \"cpu high\", ...}}")
    try:
        return json.loads(json.dumps(event, default=str))
    except (RecursionError, ValueError) as e:
        raise UsageError(f"the {what} cannot be used: {type(e).__name__}: {str(e)[:120]}",
                         hint="check the event file (nesting deeper than a few hundred levels is refused)") from None


def _deep_merge(source: dict, dest: dict) -> dict:
    """Keep's ParserUtils.deep_merge: inline values win; dicts merged; lists merged by index."""
    out = dict(dest)
    for k, v in source.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(v, out[k])
        elif isinstance(v, list) and isinstance(out.get(k), list):
            merged = list(out[k])
            for i, item in enumerate(v):
                if i < len(merged) and isinstance(item, dict) and isinstance(merged[i], dict):
                    merged[i] = _deep_merge(item, merged[i])
                elif i < len(merged):
                    merged[i] = item
                else:
                    merged.append(item)
            out[k] = merged
        else:
            out[k] = v
    return out


def run_workflow(doc, opts: RunOptions | None = None) -> RunResult:
    """Run one workflow document. Never raises for a problem of the workflow or its data (those are step errors);
    raises ``keepwf.errors.UsageError`` for bad inputs (missing required input, wrong type).

    A ``KeyboardInterrupt`` during the steps/actions (Ctrl-C, or a signal the caller turned into one) raises
    ``keepwf.engine.RunInterrupted`` whose ``result`` is the partial RunResult (status ``error``, error
    ``interrupted``; finished steps with their results and logs; the step it was inside as error ``interrupted``)."""
    return Run(doc, opts or RunOptions()).run()
