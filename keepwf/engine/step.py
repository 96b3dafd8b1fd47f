"""One step or action (keep-format.md §1.5, §2.7–2.11, §3.1–3.2): vars/aliases → conditions → if → render ``with``
→ provider call with retries → results and enrichments. Every failure becomes the step's error, never an exception."""

from __future__ import annotations

import copy
from typing import Any

from keepwf.engine.context import foreach_items
from keepwf.engine.enrich import apply_enrichments
from keepwf.engine.evaluator import ConditionError, apply_condition, evaluate_if
from keepwf.engine.interrupt import INTERRUPTED, StepInterrupted
from keepwf.engine.options import ProgressEvent
from keepwf.engine.providers import ProviderCall, ProviderError, get_provider
from keepwf.engine.providers.base import server_only_message
from keepwf.engine.results import iso
from keepwf.engine.secrets import resolve_step_config
from keepwf.engine.shell import ShellRefused, ShellSlots
from keepwf.engine.template import RenderError, if_escape, step_parameter, strip_marks
from keepwf.model.run import StepResult

MAX_ITEM_ERRORS = 100  # per step in the record; the rest is counted
MAX_RETRY_AFTER = 3600.0  # seconds; as on-failure.retry.interval
# providers that never page anyone: a mock file's ``default:`` does not answer them (it does answer slack & co.)
LOCAL_PROVIDERS = frozenset({"console", "mock", "bash", "python", "http", "webhook"})
# names a condition alias may not take: they would hide the run's context
RESERVED = frozenset({"alert", "event", "incident", "steps", "actions", "foreach", "consts", "vars", "aliases",
                      "secrets", "inputs", "fn", "last_workflow_results", "last_workflow_run_time", "providers"})
_PY_KEYWORDS = {"if": "if_", "for": "for_", "from": "from_"}


class StepFailed(Exception):
    pass


def _retry(spec: dict) -> tuple[int, float]:
    of = spec.get("on-failure") or (spec.get("provider") or {}).get("on-failure") or {}
    retry = of.get("retry") if isinstance(of, dict) else None
    if not isinstance(retry, dict):
        return 0, 0.0
    try:
        count = max(0, int(retry.get("count", 0) or 0))
        interval = max(0.0, float(retry.get("interval", 0) or 0))
    except (TypeError, ValueError):
        return 0, 0.0
    return min(count, 100), min(interval, 3600.0)


class StepRunner:
    def __init__(self, run):
        self.run_ = run
        self.ctx = run.context
        self.renderer = run.renderer
        self.opts = run.opts

    def run(self, spec: dict, kind: str, index: int, total: int) -> tuple[StepResult, bool]:
        run = self.run_
        name = str(spec.get("name") or f"{kind}-{index}")
        provider = spec.get("provider") if isinstance(spec.get("provider"), dict) else {}
        ptype = str(provider.get("type") or "")
        started = run.opts.now()
        run.progress(ProgressEvent("step_start", name, kind, index, total))
        self.attempts = 0
        self._spec_for_retry = spec
        self.raw_results: list[Any] = []
        self.item_errors: list[str] = []
        self.conditions: dict[str, Any] = {}
        status, error, skip_reason, items = "ran", None, None, None
        interrupted = False
        vars_ = spec.get("vars") if isinstance(spec.get("vars"), dict) else {}
        entry = {"results": [], "vars": vars_, "aliases": {}, "conditions": {}, "provider_parameters": {}}
        self.ctx["steps"][name] = entry
        self.ctx["vars"] = vars_
        self.ctx["secrets"] = dict(vars_)
        try:
            if not ptype:
                raise StepFailed(f"{kind} {name!r} has no provider.type")
            if "foreach" in spec and spec["foreach"] not in (None, ""):
                try:
                    seq = foreach_items(spec["foreach"], self.ctx)
                except ValueError as e:
                    raise StepFailed(str(e)) from None
                items = len(seq)
                entry["results"] = []
                ran_any = False
                for item in seq:
                    self.ctx["foreach"] = {"value": item, "items": seq}
                    try:
                        if self._single(spec, kind, name, ptype, provider, entry, foreach=True, item=item):
                            ran_any = True
                    except StepFailed as e:
                        msg = str(e)
                        self.item_errors.append(msg)
                        run.log(name, "error", f"foreach item failed: {msg}")
                if not ran_any:
                    status = "skipped"
                    if not items:
                        skip_reason = "foreach over an empty list"
                    elif len(self.item_errors) == items:
                        skip_reason = f"all {items} foreach items failed (see item_errors)"
                    else:
                        skip_reason = "no foreach item ran"
            else:
                if not self._single(spec, kind, name, ptype, provider, entry):
                    status = "skipped"
                    skip_reason = self._skip_reason
        except StepFailed as e:
            status, error = "error", run.clip(e)
            level = "warning" if spec.get("continue_on_error") else "error"
            run.log(name, level, f"{kind} {name} failed: {error}")
        except RecursionError:
            status, error = "error", "data nested too deeply to process"
            run.log(name, "error", f"{kind} {name} failed: {error}")
        except Exception as e:  # noqa: BLE001 - a keepwf bug must not crash the run; it is reported as the step's error
            status = "error"
            error = run.clip(f"keepwf internal error ({type(e).__name__}: {e}); please report it")
            run.log(name, "error", f"{kind} {name} failed: {error}")
        except KeyboardInterrupt:  # Ctrl-C / a signal: record this step as it stands, then stop the run
            status, error, skip_reason, interrupted = "error", INTERRUPTED, None, True
            run.log(name, "error", f"{kind} {name} interrupted")
        finally:
            self.ctx["vars"] = {}
            self.ctx["aliases"] = {}
            self.ctx["foreach"] = {}
        ended = run.opts.now()
        ms = max(0, int((ended - started).total_seconds() * 1000))
        rec = StepResult(
            name=name, kind=kind, status=status, provider=ptype, attempts=self.attempts, duration_ms=ms,
            started=iso(started), results=[run.record(r) for r in self.raw_results], error=error,
            skip_reason=run.clip(skip_reason) if skip_reason else skip_reason, items=items,
            item_errors=[run.clip(e) for e in self.item_errors[:MAX_ITEM_ERRORS]]
            + ([f"… and {len(self.item_errors) - MAX_ITEM_ERRORS} more"] if len(self.item_errors) > MAX_ITEM_ERRORS else []),
            conditions=run.record(self.conditions) if self.conditions else {},
        )
        run.progress(ProgressEvent("step_end", name, kind, index, total, status=status, message=error, duration_ms=ms,
                                   attempt=self.attempts))
        if interrupted:
            raise StepInterrupted(rec)
        stop = status == "ran" and spec.get("continue") is False
        return rec, stop

    def _single(self, spec, kind, name, ptype, provider, entry, foreach=False, item=None) -> bool:
        run = self.run_
        r = self.renderer
        self._skip_reason = None
        try:
            aliases = spec.get("alias")
            if isinstance(aliases, dict):
                rendered = {k: r.render(v, safe=False) for k, v in aliases.items()}
                self.ctx["aliases"] = rendered
                entry["aliases"] = rendered
            conds = spec.get("condition")
            cond_aliases = []
            if isinstance(conds, list):
                for c in conds:
                    rec = apply_condition(c, r, run.evaluator)
                    entry["conditions"].setdefault(rec["name"], []).append(rec)
                    self.conditions.setdefault(rec["name"], []).append(rec)
                    if str(rec["alias"]) in RESERVED:
                        raise StepFailed(f"condition alias {rec['alias']!r} would hide the {rec['alias']!r} context; "
                                         f"pick another alias")
                    self.ctx[str(rec["alias"])] = rec["result"]
                    self.ctx["foreach"].update({"compare_value": rec.get("value"), "compare_to": rec.get("compare_to")})
                    cond_aliases.append(str(rec["alias"]))
            expr = spec.get("if")
            if not expr and cond_aliases:  # Keep: a falsy if: (absent, "", false) means "all conditions"
                expr = " and ".join("{{ " + a + " }} " for a in cond_aliases)
            if expr and str(expr).strip() != "":
                ok, rendered_if, ignored = evaluate_if(str(expr), r, run.evaluator)
                if ignored:  # Keep skips silently; keepwf says why
                    self._skip_reason = (f"if: {str(expr).strip()!r} could not be evaluated ({ignored}; rendered: "
                                         f"{rendered_if!r}), which Keep treats as false")
                    run.log(name, "warning", f"{kind} {name} skipped: {self._skip_reason}")
                    return False
                if not ok:
                    self._skip_reason = f"if: {str(expr).strip()!r} was false (rendered: {rendered_if!r})"
                    run.log(name, "info", f"{kind} {name} skipped: {self._skip_reason}")
                    return False
        except (ConditionError, RenderError) as e:
            raise StepFailed(str(e)) from None

        if spec.get("throttle"):
            mocked = run.opts.mocks is not None
            if not mocked:
                raise StepFailed("throttle needs a Keep server (it checks Keep's alert database) and cannot run "
                                 "offline; remove it or run with --mock FILE (throttles are then never applied)")
            run.log(name, "info", "throttle ignored under --mock")

        params = self._render_with(spec, kind, name, ptype, provider)
        enrich_alert = params.pop("enrich_alert", None)
        enrich_incident = params.pop("enrich_incident", None)
        params.pop("audit_enabled", None)
        try:
            config, config_name = resolve_step_config(provider.get("config"), run.configs, run.opts.env,
                                                      run.redactor, lambda lv, m: run.log(name, lv, m))
        except ValueError as e:
            raise StepFailed(str(e)) from None
        entry["provider_parameters"] = params
        result = self._call(kind, name, ptype, config_name, config, params)
        self.raw_results.append(result)
        if foreach:
            entry["results"].append(result)
        else:
            entry["results"] = result
        self.ctx["steps"]["this"] = entry
        if enrich_alert or enrich_incident:
            try:
                apply_enrichments(run, name, result, item if foreach else None, enrich_alert, enrich_incident)
            except ValueError as e:
                raise StepFailed(str(e)) from None
        return True

    def _render_with(self, spec, kind, name, ptype, provider) -> dict:
        with_ = provider.get("with")
        if with_ is None:
            with_ = {}
        if not isinstance(with_, dict):
            raise StepFailed(f"provider.with of {name!r} must be a mapping")
        if kind == "step":
            with_ = {k: v for k, v in with_.items() if v is None or isinstance(v, (str, list, int, bool, dict))
                     and not isinstance(v, float)}
            with_ = {k: v for k, v in with_.items() if v is not None}
        escape_for = None
        slots = None
        self._extra_env: dict[str, str] = {}
        if ptype == "bash":
            slots = ShellSlots(with_.get("shell") in (True, "true", "True"))
            escape_for = {"command": slots.hold}
        elif ptype == "python":
            escape_for = {"code": if_escape}  # data in the expression is a value, never code
        try:
            if ptype == "keep":
                try:
                    return self.renderer.render_structure(with_, safe=False)
                except RenderError:
                    return strip_marks(dict(with_))
            # Keep: a mapping {key, safe?, default?} at the top of a *step's* with: is a StepProviderParameter
            spp = {k: p for k, v in with_.items() if kind == "step" and (p := step_parameter(v)) is not None}
            out = self.renderer.render_structure({k: v for k, v in with_.items() if k not in spp}, safe=True,
                                                 escape_for=escape_for)
            for k, (key, strict, default) in spp.items():
                out[k] = self.renderer.render(key, safe=strict and default is not None, default=default)
            params = {k: out[k] for k in with_} if spp else out
            if slots is not None and isinstance(params.get("command"), str):
                params["command"], self._extra_env = slots.fill(params["command"], with_.get("command"))
            return params
        except ShellRefused as e:
            raise StepFailed(f"bash: {e}") from None
        except RenderError as e:
            keys = [k for k in e.missing_keys if k.startswith("secrets.")]
            if keys:
                raise StepFailed(f"{e} Keep secrets ({', '.join(keys)}) live in a Keep server and are not "
                                 f"available offline; use step vars: or a provider config instead") from None
            raise StepFailed(str(e)) from None

    def _call(self, kind, name, ptype, config_name, config, params) -> Any:
        run = self.run_
        count, interval = _retry(self._spec_for_retry)
        mocks = run.opts.mocks
        offline = ptype in LOCAL_PROVIDERS
        prov = get_provider(ptype)
        last_err = None
        wait = interval
        for attempt in range(count + 1):
            self.attempts += 1
            if attempt:
                run.log(name, "warning", f"retry {attempt}/{count} after: {last_err}")
                if wait:
                    run.opts.sleep(wait)
            wait = interval
            try:
                mock = mocks.lookup(name, ptype, config_name, offline_capable=offline and prov is not None) if mocks else None
                if mock is not None:
                    run.calls.append({"step": name, "kind": kind, "provider": ptype, "config": config_name,
                                      "params": run.record(params), "attempt": self.attempts,
                                      "error": mock.error})
                    if mock.error is not None:
                        raise ProviderError(mock.error)
                    return copy.deepcopy(mock.result)
                if prov is None:
                    last_err = server_only_message(ptype)
                    break  # retrying cannot help
                call = ProviderCall(name, kind, ptype, params, config, lambda lv, m: run.log(name, lv, m), run.opts,
                                    dict(getattr(self, "_extra_env", {})))
                return prov.query(call) if kind == "step" else prov.notify(call)
            except ProviderError as e:
                last_err = str(e)
                asked = getattr(e, "retry_after", None)  # a server's Retry-After, honoured within on-failure.retry
                if asked is not None:
                    wait = max(interval, min(float(asked), MAX_RETRY_AFTER))
            except Exception as e:  # noqa: BLE001 - a provider bug must not crash the run
                last_err = f"{type(e).__name__}: {e}"
        raise StepFailed(last_err or "provider call failed")
