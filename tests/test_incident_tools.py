"""Incident tools on a real repository: v3 breaks an alert path; why, replay, bisect and the kill switch."""

from __future__ import annotations

import json

import pytest

from tests.helpers import GitRepo

WF = """\
# Pages the database team.
workflow:
  id: db-alert   # keep this id: dashboards link to it
  name: DB alert
  description: {desc}
  triggers:
    - type: alert
  steps:
    - name: lookup
      provider:
        type: http
        with:
          url: "http://127.0.0.1:9/owner?alert={{{{ alert.name }}}}"
  actions:
    # the page itself
    - name: page
      provider:
        type: pagerduty
        with:
          title: "{{{{ {field} }}}} owned by {{{{ steps.lookup.results.body.team }}}}"
"""

MOCKS = """\
providers:
  http: {result: {status: true, status_code: 200, body: {team: dba}}}
  pagerduty: {result: {ok: true}}
"""


def _deploy(repo: GitRepo, desc: str, field: str = "alert.name") -> None:
    repo.write("workflows/db-alert.yml", WF.format(desc=desc, field=field))
    repo.commit(desc)
    res = repo.cli("deploy", "db-alert", "-m", desc)
    assert res.code == 0, res


def _run(repo: GitRepo) -> tuple[int, dict]:
    res = repo.cli("run", "db-alert", "--alert", "alert.json", "--mock", "mocks.yml", "--json")
    return res.code, res.json()


@pytest.fixture
def incident(tmp_repo):
    """v1, v2 good; v3 breaks the page action's template; v4 an unrelated change on top of the break."""
    r = tmp_repo
    r.write("alert.json", '{"name": "DiskFull", "severity": "critical", "fingerprint": "fp-db1"}')
    r.write("mocks.yml", MOCKS)
    _deploy(r, "first")
    assert _run(r)[0] == 0
    _deploy(r, "second")
    code, good = _run(r)
    assert code == 0
    _deploy(r, "third", field="alert.nmae")
    _deploy(r, "fourth", field="alert.nmae")
    code, bad = _run(r)
    assert code == 1 and bad["version"] == "v4"
    return r, good, bad


def test_why_names_the_failing_version_the_last_good_one_and_the_changed_step(incident):
    r, good, bad = incident
    res = r.cli("why", bad["run_id"][:10])
    assert res.code == 0, res
    assert "failed at action page: Could not find key: alert.nmae" in res.out
    assert f"last good {good['run_id'][:12]} v2" in res.out
    assert "v4 failed where v2 succeeded for the same alert" in res.out
    assert "~ action page changed: provider.with.title" in res.out
    assert "-    title: '{{ alert.name }} owned by" in res.out and "+    title: '{{ alert.nmae }} owned by" in res.out
    assert f"keepwf replay {bad['run_id']} --version v2" in res.out
    assert "keepwf rollback db-alert --to v2 --env production" in res.out
    data = r.cli("why", bad["run_id"], "--json").json()
    assert data["last_good"]["version"] == "v2" and data["failed_step"]["name"] == "page"


def test_why_on_a_successful_run_and_an_unknown_run(incident):
    r, good, _ = incident
    res = r.cli("why", good["run_id"])
    assert res.code == 0 and "did not fail (success)" in res.out
    res = r.cli("why", "01ZZZZZZZZ")
    assert res.code == 2 and "no run with id" in res.err


def test_replay_on_the_good_version_is_sealed_and_not_counted(incident):
    r, good, bad = incident
    before = r.cli("history", "db-alert", "--json").json()
    res = r.cli("replay", bad["run_id"], "--version", "v2", "--json")
    assert res.code == 0, res
    rec = res.json()["record"]
    assert rec["version"] == "v2" and rec["status"] == "success" and rec["replay_of"] == bad["run_id"]
    assert rec["event"]["name"] == "DiskFull" and rec["event"]["fingerprint"] == "fp-db1"
    # sealed: both providers were answered from the original run, nothing was sent
    answered = {(c["step"], c["provider"]) for c in rec["calls"]}
    assert answered == {("lookup", "http"), ("page", "pagerduty")}
    assert rec["results"]["page"] == [{"ok": True}]
    # recorded as a replay, not as a run of v2
    drafts = r.cli("runs", "db-alert", "--drafts", "--json").json()["runs"]
    assert [d["replay_of"] for d in drafts] == [bad["run_id"]]
    assert r.cli("history", "db-alert", "--json").json() == before
    # replaying on the broken version fails the same way (exit 1)
    res = r.cli("replay", bad["run_id"], "--version", "v3")
    assert res.code == 1 and "Could not find key: alert.nmae" in res.out


def test_replay_record_as_run_counts(incident):
    r, _, bad = incident
    res = r.cli("replay", bad["run_id"], "--version", "v2", "--record-as-run", "--json")
    assert res.code == 0
    runs = r.cli("runs", "db-alert", "--version", "v2", "--json").json()["runs"]
    assert runs[0]["replay_of"] == bad["run_id"] and len(runs) == 2
    assert "trial" not in runs[0] and runs[1]["trial"] is True  # recorded as a run: it counts; the --mock run does not
    hist = r.cli("history", "db-alert", "--json").json()
    assert next(v for v in hist["versions"] if v["version"] == "v2")["runs"]["runs"] == 1


def test_replay_refuses_contradictory_options(incident):
    r, _, bad = incident
    res = r.cli("replay", bad["run_id"], "--live", "--mock", "mocks.yml")
    assert res.code == 2 and "--live" in res.err


def test_bisect_finds_the_version_that_broke_it(incident):
    r, good, bad = incident
    res = r.cli("bisect", "db-alert", "--run", bad["run_id"])
    assert res.code == 0, res
    assert "v3 is the first version whose outcome differs: error at step page (was success on v2)" in res.out
    assert "v3 (" in res.out and ": third" in res.out
    data = r.cli("bisect", "db-alert", "--run", bad["run_id"], "--good", "v1", "--json").json()
    assert data["first_different"]["version"] == "v3" and data["compared_with"] == "v2"
    assert data["summary"]["actions"]["changed"] == [{"name": "page", "keys": ["provider.with.title"]}]
    # an event that every version handles the same way: nothing to find (exit 1)
    r.write("other.json", '{"name": "Other"}')
    res = r.cli("bisect", "db-alert", "--alert", "other.json", "--good", "v3", "--bad", "v4")
    assert res.code == 1 and "same outcome" in res.out
    # nothing was recorded by the trials
    assert len(r.cli("runs", "db-alert", "--json", "--limit", "50").json()["runs"]) == 3


def test_disable_and_enable_keep_comments_and_deploy(incident):
    r, _, _ = incident
    path = r.path / "workflows/db-alert.yml"
    original = path.read_text()
    res = r.cli("disable", "db-alert", "-m", "pages on every flap")
    assert res.code == 0, res
    text = path.read_text()
    assert text == original.replace("  id: db-alert   # keep this id: dashboards link to it\n",
                                    "  id: db-alert   # keep this id: dashboards link to it\n  disabled: true\n")
    assert "created keepwf/production/db-alert/v5" in res.out
    assert r.git("log", "-1", "--format=%s") == "Disable db-alert: pages on every flap"
    assert r.git("status", "--porcelain", "--", "workflows") == ""
    code, rec = _run(r)
    assert code == 0 and rec["version"] == "v5" and rec["status"] == "skipped"
    res = r.cli("disable", "db-alert", "-m", "again")
    assert res.code == 3 and "already disabled" in res.err
    res = r.cli("enable", "db-alert", "-m", "flapping fixed")
    assert res.code == 0, res
    assert path.read_text() == original
    assert _run(r)[1]["version"] == "v6"


def test_disable_refuses_uncommitted_changes_and_needs_a_reason(incident):
    r, _, _ = incident
    res = r.cli("disable", "db-alert")
    assert res.code == 2 and "-m REASON" in res.err
    path = r.path / "workflows/db-alert.yml"
    path.write_text(path.read_text() + "\n# local edit\n")
    res = r.cli("disable", "db-alert", "-m", "x")
    assert res.code == 3 and "uncommitted changes" in res.err
    assert path.read_text().endswith("# local edit\n")
    assert json.loads(r.cli("history", "db-alert", "--json").out)["versions"][0]["version"] == "v4"


CASE = """\
name: pages the DBA team on DiskFull
alert: {name: DiskFull, severity: critical}
mocks:
  providers:
    http: {result: {status: true, status_code: 200, body: {team: dba}}}
    pagerduty: {result: {ok: true}}
expect:
  status: success
  steps:
    lookup: ran
    page: {status: ran, results: [{ok: true}]}
  calls:
    - step: page
      params: {title: DiskFull owned by dba}
"""


def test_workflow_tests_catch_the_break_and_write_junit(incident):
    import xml.etree.ElementTree as ET

    r, _, _ = incident
    r.write("tests/db-alert/pages-dba.yml", CASE)
    # the working copy (v4's content) is broken: the case fails, saying why
    res = r.cli("test", "--junit", "report.xml")
    assert res.code == 1, res
    assert "FAIL db-alert › pages the DBA team on DiskFull" in res.out
    assert "status: expected success, got error" in res.out and "alert.nmae" in res.out
    assert "0 passed, 1 failed — working copy" in res.out
    suite = ET.parse(r.path / "report.xml").getroot().find("testsuite")
    assert suite.get("name") == "db-alert" and suite.get("failures") == "1"
    assert suite.find("testcase/failure").get("message").startswith("status: expected success")
    # v2 passes
    res = r.cli("test", "db-alert", "--version", "v2")
    assert res.code == 0, res
    assert "1 passed, 0 failed — v2 in production" in res.out
    # a wrong expectation on parameters is named
    r.write("tests/db-alert/pages-dba.yml", CASE.replace("owned by dba}", "owned by ops}"))
    data = r.cli("test", "--version", "v2", "--json").json()
    assert data["failed"] == 1
    assert "db-alert was called with" not in data["cases"][0]["failures"][0]
    assert "page was called with [{'title': 'DiskFull owned by dba'}]" in data["cases"][0]["failures"][0]
    # tests never record runs
    assert len(r.cli("runs", "db-alert", "--json", "--limit", "50").json()["runs"]) == 3


def test_workflow_test_bad_case_file(incident):
    r, _, _ = incident
    r.write("tests/db-alert/bad.yml", "alert: {name: x}\nexpect: {stauts: success}\n")
    res = r.cli("test")
    assert res.code == 2 and "expect: must be a mapping of" in res.out
    res = r.cli("test", "nope")
    assert res.code == 2 and "unknown workflow 'nope'" in res.err  # the same did-you-mean as every command


def _as_real_runs(r: GitRepo) -> None:
    """The fixture's runs used --mock, so they are trial runs, left out of success rates (docs/runs.md, "Which runs
    count"). Stats are about real runs: import a copy of each as one (new run id, no trial flag)."""
    import json

    from keepwf.model.runrecord import new_run_id, parse_started

    lines = []
    for ln in r.cli("runs", "export", "--jsonl").out.splitlines():
        rec = json.loads(ln)
        rec.pop("trial", None)
        rec["run_id"] = new_run_id(parse_started(rec["started"]))
        lines.append(json.dumps(rec))
    assert r.cli("runs", "import", "-", stdin="\n".join(lines) + "\n").code == 0


def test_stats_per_version_table_chart_and_png(incident):
    r, _, _ = incident
    trial = {v["version"]: v for v in r.cli("stats", "db-alert", "--json").json()["versions"]}
    assert trial["v1"]["success_rate"] is None and trial["v1"]["not_counted"] == 1  # --mock runs are trials
    _as_real_runs(r)
    data = r.cli("stats", "db-alert", "--json").json()
    rows = {v["version"]: v for v in data["versions"]}
    assert list(rows) == ["v1", "v2", "v4"]  # in the order they first ran
    assert rows["v1"]["success_rate"] == 1.0 and rows["v4"]["success_rate"] == 0.0
    assert rows["v4"]["top_errors"][0]["runs"] == 1 and "alert.nmae" in rows["v4"]["top_errors"][0]["error"]
    res = r.cli("stats", "db-alert", "--png", "stats.png")
    assert res.code == 0, res
    assert "db-alert v1  ████████████████████ 100%" in res.out
    assert "db-alert v4  ░░░░░░░░░░░░░░░░░░░░   0%" in res.out
    png = (r.path / "stats.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert r.cli("stats", "nope").code == 2


def test_percentiles_are_nearest_rank():
    from keepwf.service.stats import percentile

    assert percentile([], 50) is None
    assert percentile([7], 95) == 7
    values = list(range(1, 101))
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 100)) == (50, 95, 100)


LEGACY = """\
# legacy Keep file: keep this comment
alert:   # the root
  id: legacy-one   # the id
  name: "Quoted name"
  triggers:
  - type: manual   # manual trigger
  steps:
      - name: s
        provider:
           type: console
           with:
             message: "{{ alert.name }} on 'host'"
"""


def test_fmt_upgrade_keeps_comments_and_meaning(tmp_repo):
    import yaml

    r = tmp_repo
    r.write("workflows/legacy.yml", LEGACY)
    before = (r.path / "workflows/hello-alert.yml").read_text()
    res = r.cli("fmt", "--check")
    assert res.code == 1 and "would reformat workflows/legacy.yml" in res.out
    assert (r.path / "workflows/legacy.yml").read_text() == LEGACY  # --check writes nothing
    res = r.cli("fmt", "--upgrade")
    assert res.code == 0 and "reformatted workflows/legacy.yml" in res.out
    text = (r.path / "workflows/legacy.yml").read_text()
    for comment in ("# legacy Keep file: keep this comment", "# the root", "# the id", "# manual trigger"):
        assert comment in text
    assert text.startswith("# legacy Keep file: keep this comment\nworkflow:")
    assert yaml.safe_load(text)["workflow"] == yaml.safe_load(LEGACY)["alert"]
    assert '"Quoted name"' in text and "\n    - type: manual" in text
    assert (r.path / "workflows/hello-alert.yml").read_text() == before  # already in the layout: untouched
    assert r.cli("fmt", "--check").code == 0
    assert r.cli("validate").code == 0


def test_fmt_leaves_unparsable_files_alone(tmp_repo):
    r = tmp_repo
    r.write("workflows/bad.yml", "workflow: [unclosed\n")
    res = r.cli("fmt")
    assert res.code == 1 and "left alone workflows/bad.yml" in res.out
    assert (r.path / "workflows/bad.yml").read_text() == "workflow: [unclosed\n"
    assert r.cli("fmt", "workflows/nope.yml").code == 2
