#!/usr/bin/env python3
"""Engine overhead (issue 4 targets).

1. A 1,000-step workflow (console provider; each message has 5 substitutions and one keep.* call) through
   ``run_workflow`` — target: under 1 s in total.
2. Rendering 10,000 typical templates (``with:`` strings, sections, keep.* calls and ``if:`` expressions) with
   keepwf's renderer vs Keep's own libraries doing the same work in the same run: chevron for mustache (+
   ``html.unescape`` per pass, as Keep does) and asteval for ``if:`` — target: ratio ≤ 1 (no slower). The baseline
   is given every advantage: one asteval Interpreter reused (Keep builds a new one per ``if:``), and keepwf's own
   keep.* extraction/evaluation (the same algorithm as Keep's) for the function calls.

    .venv/bin/python benchmarks/bench_engine.py [--quick]
"""

from __future__ import annotations

import html
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keepwf.engine import RunOptions, run_workflow  # noqa: E402
from keepwf.engine.context import EventDict, fn_helpers  # noqa: E402
from keepwf.engine.evaluator import SafeEval, evaluate_if  # noqa: E402
from keepwf.engine.functions import FnContext  # noqa: E402
from keepwf.engine.template import Renderer, evaluate_functions, quote  # noqa: E402
from keepwf.model import WorkflowDoc  # noqa: E402

ALERT = {"id": "a1", "name": "cpu high", "severity": "critical", "service": "api", "count": 7,
         "labels": {"pod": "api-1", "namespace": "prod"}, "tags": ["a", "b", "c"], "fingerprint": "fp-1",
         "lastReceived": "2026-03-02T09:30:00Z", "status": "firing"}


def workflow(n: int) -> WorkflowDoc:
    steps = [{"name": "s0", "provider": {"type": "console", "with": {"message": "start"}}}]
    for i in range(1, n):
        msg = ("{{ alert.name }} on {{ alert.labels.pod }} is {{ alert.severity }} after {{ steps.s0.results }} "
               f"#{i} keep.uppercase('{{{{ alert.service }}}}')")
        steps.append({"name": f"s{i}", "provider": {"type": "console", "with": {"message": msg}}})
    data = {"id": "bench", "triggers": [{"type": "manual"}], "steps": steps}
    return WorkflowDoc(id="bench", path="bench.yml", data=data, root={"workflow": data})


TEMPLATES = [
    ("with", "Alert {{ alert.name }} on {{ alert.labels.pod }} is {{ alert.severity }} ({{ alert.status }})"),
    ("with", "{{ steps.get.results.0.name }} / {{ steps.get.results.1.name }} in {{ alert.labels.namespace }}"),
    ("with", "keep.uppercase('{{ alert.service }}') since {{ alert.lastReceived }}"),
    ("with", "{{#alert.tags}}[{{.}}]{{/alert.tags}} {{^alert.missing}}none{{/alert.missing}}"),
    ("if", "{{ alert.severity }} == 'critical' and '{{ alert.status }}' in ['firing', 'pending']"),
]


def context() -> dict:
    steps = {"get": {"results": [{"name": "first"}, {"name": "second"}]}}
    return {"alert": EventDict(ALERT), "steps": steps, "actions": steps, "consts": {}, "vars": {}, "fn": fn_helpers()}


def bench_keepwf(n: int) -> float:
    ctx = context()
    r = Renderer(ctx, FnContext())
    ev = SafeEval()
    t = time.perf_counter()
    for i in range(n):
        kind, tmpl = TEMPLATES[i % len(TEMPLATES)]
        if kind == "if":
            evaluate_if(tmpl, r, ev)
        else:
            r.render(tmpl, safe=True)
    return time.perf_counter() - t


def bench_baseline(n: int) -> float:
    import chevron
    from asteval import Interpreter

    ctx = context()
    plain = {**ctx, "alert": dict(ALERT)}
    aeval = Interpreter()
    fctx = FnContext()

    def keep_render(tmpl: str) -> str:
        current = tmpl
        for _ in range(10):  # Keep's render_recursively
            rendered = html.unescape(chevron.render(current, plain, warn=False))
            if rendered == current or "{{" not in rendered or "providers." in rendered:
                break
            current = rendered
        rendered = rendered.replace("&quot;", '"')
        return evaluate_functions(rendered, fctx) if "keep." in rendered else rendered

    t = time.perf_counter()
    for i in range(n):
        kind, tmpl = TEMPLATES[i % len(TEMPLATES)]
        if kind == "if":
            value = aeval(keep_render(quote(tmpl)))
            if isinstance(value, str):
                aeval(value)
        else:
            keep_render(tmpl)
    return time.perf_counter() - t


def main() -> int:
    quick = "--quick" in sys.argv
    steps = 100 if quick else 1000
    n = 1000 if quick else 10000

    doc = workflow(steps)
    run_workflow(workflow(5), RunOptions(event=ALERT, event_kind="alert"))  # warm imports
    t = time.perf_counter()
    res = run_workflow(doc, RunOptions(event=ALERT, event_kind="alert", trigger="alert"))
    wf_s = time.perf_counter() - t
    assert res.status == "success", res.error
    assert res.results[f"s{steps - 1}"][0].endswith("API"), res.results[f"s{steps - 1}"]
    print(f"workflow: {steps} console steps (5 substitutions + 1 keep.* each): {wf_s * 1000:.0f} ms total, "
          f"{wf_s / steps * 1e6:.0f} µs/step  (target < 1000 ms for 1,000 steps)")

    bench_keepwf(200)
    bench_baseline(200)
    mine = min(bench_keepwf(n) for _ in range(2))
    base = min(bench_baseline(n) for _ in range(2))
    print(f"render {n} templates: keepwf {mine * 1000:.0f} ms, chevron+asteval {base * 1000:.0f} ms, "
          f"ratio keepwf/baseline = {mine / base:.2f}  (target ≤ 1.00)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
