"""End-to-end over Keep's own examples (../shared/keep-examples): no example crashes the engine.

Examples that need only console/mock/bash/python/http run for real (http against a loopback server; URLs are
rewritten here, in the test only). Every other example runs under an auto-generated mock for the providers keepwf
cannot run offline. Errors must be step errors with a reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keepwf.engine import MockSet, RunOptions, run_workflow
from keepwf.errors import UsageError
from keepwf.workflow.loader import load_source
from tests.engine.helpers import Clock, alert
from tests.engine.loopback import Loopback

OFFLINE = {"console", "mock", "bash", "python", "http"}


def _provider_types(data: dict) -> set[str]:
    out = set()
    for key in ("steps", "actions"):
        for s in data.get(key) or []:
            if isinstance(s, dict) and isinstance(s.get("provider"), dict):
                out.add(str(s["provider"].get("type")))
    of = data.get("on-failure")
    if isinstance(of, dict) and isinstance(of.get("provider"), dict):
        out.add(str(of["provider"].get("type")))
    return out


def _rewrite_urls(node, base: str):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "url" and isinstance(v, str):
                out[k] = base + "/rewritten"
            else:
                out[k] = _rewrite_urls(v, base)
        return out
    if isinstance(node, list):
        return [_rewrite_urls(v, base) for v in node]
    return node


def _event_for(data: dict):
    kinds = {t.get("type") for t in data.get("triggers") or [] if isinstance(t, dict)}
    if "incident" in kinds and "alert" not in kinds:
        return {"id": "inc-1", "user_generated_name": "db down", "status": "firing", "severity": "critical",
                "alerts_count": 2, "alert_sources": ["prometheus"], "services": ["db"]}, "incident", "incident"
    ev = alert(description="disk full; see `df -h` $(whoami) 'quoted' \"dq\"\nsecond line {{ consts }} keep.len(1)",
               labels={"pod": "api-1", "namespace": "default"}, service="db", environment="production",
               host="host-1", url="http://127.0.0.1/alert", message="hello")
    return ev, "alert", "alert"


def _inputs_for(data: dict) -> dict:
    out = {}
    for spec in data.get("inputs") or []:
        if isinstance(spec, dict) and spec.get("required") and spec.get("default") is None:
            out[spec["name"]] = (spec.get("options") or ["x"])[0] if spec.get("type") == "choice" else (
                1 if spec.get("type") == "number" else "x")
    return out


def _examples(root: Path):
    return sorted(p for p in root.iterdir() if p.suffix in (".yml", ".yaml"))


def test_every_keep_example_runs_without_crashing(keep_examples, tmp_path):
    summary = {}
    outputs = {}
    with Loopback() as server:
        for path in _examples(keep_examples):
            res = load_source(path.read_bytes(), path.name)
            for doc in res.docs:
                types = _provider_types(doc.data)
                event, kind, trigger = _event_for(doc.data)
                mocks = None
                data = doc.data
                if not types <= OFFLINE:
                    mocks = MockSet.from_data(
                        {"providers": {t: {"result": {"ok": True}} for t in types - {"console", "mock"}}})
                else:
                    data = _rewrite_urls(doc.data, server.url)
                d = type(doc)(id=doc.id, path=doc.path, data=data, root=doc.root)
                opts = RunOptions(event=event, event_kind=kind, trigger=trigger, inputs=_inputs_for(doc.data),
                                  env={"PATH": "/usr/bin:/bin"}, mocks=mocks, now=Clock(), allow_python=True,
                                  bash_timeout=5, sleep=lambda s: None, cwd=str(tmp_path),
                                  allow_private_network=True)
                try:
                    r = run_workflow(d, opts)
                except UsageError as e:  # only input problems may raise
                    pytest.fail(f"{path.name}: UsageError {e}")
                payload = json.dumps(r.to_dict())
                assert r.status in ("success", "error", "skipped"), path.name
                for s in r.steps:
                    if s.status == "error":
                        assert s.error and len(s.error) > 5, (path.name, s.name)
                assert not list(tmp_path.iterdir()), f"{path.name} created files: alert text executed?"
                summary[f"{path.name}#{doc.index}"] = (r.status, r.error, len(payload))
                outputs[path.name] = r.results
    # keep-format.md §5: the self-contained examples run clean; spot-check rendered outputs
    for name in ("console_example.yml", "consts_and_dict.yml", "inputs_example.yml", "mustache-paths-example.yml",
                 "complex-conditions-cel.yml", "multi-condition-cel.yml", "pattern-matching-cel.yml",
                 "incident_example.yml", "incident-enrich.yaml", "autosupress.yml", "change.yml"):
        assert summary[name + "#0"][0] == "success", (name, summary[name + "#0"])
    ok = sum(1 for v in summary.values() if v[0] == "success")
    print(f"\n{ok}/{len(summary)} examples succeeded")
    for name, (status, error, _) in sorted(summary.items()):
        if status != "success":
            print(f"  {name}: {status}: {(error or '')[:160]}")
    assert len(summary) >= 100
    assert outputs["mustache-paths-example.yml"]["console-step-with-list"] == ["bye"]
    assert outputs["consts_and_dict.yml"]["print-user-query"] == ["select * from user where user.id == 999;"]
    assert outputs["incident_example.yml"]["just-echo"] == ["Hey there! I am an incident!"]
