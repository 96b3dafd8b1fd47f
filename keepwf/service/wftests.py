"""Workflow tests: cases kept beside the workflows (``tests/<workflow id>/*.yml``), run offline, checked, reported.

A case gives the trigger event, mocks in the ``--mock`` format, and expectations::

    # tests/db-alert/pages-dba.yml
    name: pages the DBA team on DiskFull        # optional (default: the file name)
    alert: {name: DiskFull, severity: critical}  # or incident: {...}; inputs: {k: v}
    mocks:
      providers: {pagerduty: {result: {ok: true}}}
    expect:
      status: success                            # the run's status
      steps:                                     # per step/action: a status, or {status, error, results}
        page: ran
      calls:                                     # provider calls, parameters matched as a subset
        - step: page
          params: {title: "DiskFull owned by dba"}

Runs are sealed (every provider keepwf could send with answers from ``mocks``, else null; only console and mock run)
and never recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keepwf.errors import UsageError
from keepwf.store.repo import Repo

TESTS_DIR = "tests"
_CASE_KEYS = {"name", "alert", "incident", "inputs", "mocks", "expect"}
_EXPECT_KEYS = {"status", "steps", "calls", "error"}


@dataclass
class CaseResult:
    workflow: str
    name: str
    path: str
    failures: list[str] = field(default_factory=list)
    error: str | None = None  # the case could not run (bad file)
    duration_ms: int = 0
    status: str | None = None  # the run's status

    @property
    def ok(self) -> bool:
        return not self.failures and self.error is None

    def to_dict(self) -> dict:
        return {"workflow": self.workflow, "name": self.name, "path": self.path, "ok": self.ok,
                "failures": self.failures, "error": self.error, "status": self.status, "duration_ms": self.duration_ms}


@dataclass
class TestReport:
    target: str  # "working copy" or "v3 in production"
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(1 for c in self.cases if not c.ok)

    def to_dict(self) -> dict:
        return {"target": self.target, "passed": len(self.cases) - self.failed, "failed": self.failed,
                "cases": [c.to_dict() for c in self.cases]}


def find_cases(repo: Repo, wfs: list[str]) -> dict[str, list[Path]]:
    """``{workflow id: [case files]}`` under ``tests/`` (only ``wfs`` when given)."""
    top = repo.root / TESTS_DIR
    out: dict[str, list[Path]] = {}
    if top.is_dir():
        for d in sorted(p for p in top.iterdir() if p.is_dir()):
            if wfs and d.name not in wfs:
                continue
            files = sorted(p for p in d.iterdir() if p.suffix.lower() in (".yml", ".yaml") and p.is_file())
            if files:
                out[d.name] = files
    return out


def subset(expected: Any, actual: Any) -> bool:
    """``expected`` is found in ``actual``: mappings by their keys (recursively), anything else by equality."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(map(subset, expected, actual))
    return expected == actual


def check(expect: dict, rec: dict) -> list[str]:
    """What of ``expect`` the run record does not meet, one sentence each."""
    out: list[str] = []
    if "status" in expect and rec.get("status") != expect["status"]:
        out.append(f"status: expected {expect['status']}, got {rec.get('status')}"
                   + (f" ({rec.get('error')})" if rec.get("error") else ""))
    if "error" in expect and str(expect["error"]) not in str(rec.get("error") or ""):
        out.append(f"error: expected it to contain {expect['error']!r}, got {rec.get('error')!r}")
    steps = {s.get("name"): s for s in rec.get("steps") or []}
    for name, want in (expect.get("steps") or {}).items():
        got = steps.get(name)
        want = want if isinstance(want, dict) else {"status": want}
        if got is None:
            out.append(f"steps.{name}: no such step or action ran")
            continue
        if "status" in want and got.get("status") != want["status"]:
            out.append(f"steps.{name}: expected {want['status']}, got {got.get('status')}"
                       + (f" ({got.get('error')})" if got.get("error") else ""))
        if "error" in want and str(want["error"]) not in str(got.get("error") or ""):
            out.append(f"steps.{name}.error: expected it to contain {want['error']!r}, got {got.get('error')!r}")
        if "results" in want and not subset(want["results"], got.get("results")):
            out.append(f"steps.{name}.results: expected {want['results']!r}, got {got.get('results')!r}")
    calls = rec.get("calls") or []
    for i, want in enumerate(expect.get("calls") or []):
        if not isinstance(want, dict):
            out.append(f"calls[{i}]: must be a mapping (step:, provider:, params:)")
            continue
        if not any(subset(want, c) for c in calls):
            seen = [c.get("params") for c in calls if c.get("step") == want.get("step")]
            out.append(f"calls[{i}]: no call matched {want!r}" + (f"; {want.get('step')} was called with {seen!r}"
                                                                  if seen else ""))
    return out


def _load_case(path: Path) -> dict:
    from keepwf.workflow.datafile import read_data_file

    data = read_data_file(path, str(path), "see docs/incidents.md for the test case format")
    if not isinstance(data, dict):
        raise UsageError(f"{path}: a test case is a mapping (alert:, mocks:, expect:)")
    unknown = set(data) - _CASE_KEYS
    if unknown:
        raise UsageError(f"{path}: unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                         f"(known: {', '.join(sorted(_CASE_KEYS))})")
    expect = data.get("expect")
    if not isinstance(expect, dict) or not expect or set(expect) - _EXPECT_KEYS:
        raise UsageError(f"{path}: expect: must be a mapping of {', '.join(sorted(_EXPECT_KEYS))}")
    if data.get("alert") is not None and data.get("incident") is not None:
        raise UsageError(f"{path}: give alert: or incident:, not both")
    return data


def run_tests(repo: Repo, wfs: list[str], *, version: str | None = None, env: str | None = None,
              on_case=None) -> TestReport:
    import time

    from keepwf.engine import MockSet
    from keepwf.service.execute import execute, resolve_target
    from keepwf.store.settings import load_config

    config = load_config(repo)
    env = config.env(env).name
    cases = find_cases(repo, wfs)
    missing = [w for w in wfs if w not in cases]
    if missing:
        raise UsageError(f"no test cases for {', '.join(missing)} (looked in {TESTS_DIR}/<workflow id>/*.yml)",
                         hint="see docs/incidents.md for the test case format")
    report = TestReport("working copy" if version is None else f"{version} in {env}")
    for wf, files in cases.items():
        target = None
        for path in files:
            res = CaseResult(wf, path.stem, repo.rel(path))
            t0 = time.monotonic()
            try:
                data = _load_case(path)
                res.name = str(data.get("name") or path.stem)
                target = target or resolve_target(repo, config, wf, version=version, env=env, draft=version is None)
                mocks = MockSet.from_data(data.get("mocks"), f"{res.path}: mocks", sealed=True)
                kind = "incident" if data.get("incident") is not None else "alert"
                event = data.get("incident") if kind == "incident" else data.get("alert")
                out = execute(repo, target, trigger=kind if event is not None else "manual", event=event,
                              event_kind=kind if event is not None else None, inputs=data.get("inputs") or {},
                              mocks=mocks, config=config, log_kind=None)
                res.status = out.record.get("status")
                res.failures = check(data["expect"], out.record)
            except UsageError as e:
                res.error = e.message
            res.duration_ms = int((time.monotonic() - t0) * 1000)
            report.cases.append(res)
            if on_case:
                on_case(res)
    return report


def junit_xml(report: TestReport) -> bytes:
    """The report as JUnit XML (one testsuite per workflow), as CI systems read it."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="keepwf test", tests=str(len(report.cases)), failures=str(report.failed))
    by_wf: dict[str, list[CaseResult]] = {}
    for c in report.cases:
        by_wf.setdefault(c.workflow, []).append(c)
    for wf, cases in by_wf.items():
        suite = ET.SubElement(root, "testsuite", name=wf, tests=str(len(cases)),
                              failures=str(sum(1 for c in cases if c.failures)),
                              errors=str(sum(1 for c in cases if c.error)),
                              time=f"{sum(c.duration_ms for c in cases) / 1000:.3f}")
        for c in cases:
            tc = ET.SubElement(suite, "testcase", classname=wf, name=c.name, file=c.path, time=f"{c.duration_ms / 1000:.3f}")
            if c.error:
                ET.SubElement(tc, "error", message=c.error).text = c.error
            elif c.failures:
                ET.SubElement(tc, "failure", message=c.failures[0]).text = "\n".join(c.failures)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
