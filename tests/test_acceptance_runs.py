"""Regressions found by an acceptance review of `run` / `runs` / `trigger` through the CLI."""

from __future__ import annotations

import json
import subprocess

from tests.helpers import GitRepo

PAGER = """workflow:
  id: pager
  triggers:
    - type: manual
  steps:
    - name: lookup
      provider:
        type: datadog
        config: "{{ providers.dd }}"
        with:
          query: "host:{{ alert.host }}"
  actions:
    - name: page
      provider:
        type: pagerduty
        with:
          title: "{{ alert.name }} on {{ alert.host }}"
"""


def _deploy(r: GitRepo, wf: str, text: str) -> None:
    r.write(f"workflows/{wf}.yml", text)
    r.commit(f"add {wf}")
    res = r.cli("deploy", wf, "-m", "release")
    assert res.code == 0, res


def test_mocked_calls_are_in_the_run_record_and_in_runs_show(tmp_repo, monkeypatch):
    # docs/mocks.md: "Captured calls are in the run record and in `keepwf runs show RUN_ID`"
    monkeypatch.setenv("KEEP_PROVIDER_DD", json.dumps({"authentication": {"api_key": "dd-SECRET-42"}}))
    r = tmp_repo
    _deploy(r, "pager", PAGER.replace("    - name: page\n", "    - name: page\n      on-failure:\n        retry:\n          count: 1\n")
            .replace("host:{{ alert.host }}", "host:{{ alert.host }} {{ inputs.token }}"))
    r.write("mocks.yml", "providers:\n  dd: {result: {hosts: 1}}\n  pagerduty:\n    responses:\n"
                         "      - error: '503 busy'\n      - result: {id: PD1}\n")
    r.write("alert.json", json.dumps({"name": "cpu", "host": "db1"}))
    res = r.cli("run", "pager", "--alert", "alert.json", "--mock", "mocks.yml", "--json", "--input", "token=dd-SECRET-42")
    assert res.code == 0, res
    calls = res.json()["calls"]
    assert [(c["step"], c["kind"], c["provider"], c["attempt"], c["error"]) for c in calls] == [
        ("lookup", "step", "datadog", 1, None), ("page", "action", "pagerduty", 1, "503 busy"),
        ("page", "action", "pagerduty", 2, None)]
    assert calls[0]["config"] == "dd" and calls[0]["params"] == {"query": "host:db1 ***"}  # the secret, redacted
    assert calls[2]["params"] == {"title": "cpu on db1"}
    shown = r.cli("runs", "show", res.json()["run_id"])
    assert shown.code == 0 and "mocked calls (3)" in shown.out and "cpu on db1" in shown.out and "503 busy" in shown.out
    assert r.cli("runs", "show", res.json()["run_id"], "--json").json()["calls"] == calls
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=r.path, capture_output=True).stdout
    assert b'"calls": [' in objects and b"dd-SECRET-42" not in objects


def test_a_timed_out_shell_command_leaves_nothing_running(tmp_repo):
    import os
    import time
    from pathlib import Path

    secs = f"30.{os.getpid()}"

    def running() -> bool:
        for d in Path("/proc").iterdir():
            try:
                if (d / "cmdline").read_bytes().split(b"\0")[:-1] == [b"sleep", secs.encode()]:
                    return True
            except OSError:
                continue
        return False

    r = tmp_repo
    _deploy(r, "slow", f"""workflow:
  id: slow
  triggers:
    - type: manual
  steps:
    - name: wait
      provider:
        type: bash
        with:
          command: "sleep {secs}; echo done"
          shell: true
          timeout: 1
""")
    t0 = time.monotonic()
    res = r.cli("run", "slow", "--json")
    assert res.code == 1 and "timed out after 1s" in res.json()["error"]
    assert time.monotonic() - t0 < 10
    assert not running(), "the shell's child outlived the timeout"


def test_trigger_explain_says_briefly_why_a_cel_expression_failed(tmp_repo):
    r = tmp_repo
    _deploy(r, "odd", """workflow:
  id: odd
  triggers:
    - type: alert
      cel: labels.team == "db"
  steps:
    - name: say
      provider:
        type: console
        with:
          message: hi
""")
    res = r.cli("trigger", "--alert", "-", "--explain", "--dry-run", stdin=json.dumps({"name": "cpu"}))
    assert res.code == 0, res
    line = next(ln for ln in res.out.splitlines() if "triggers[0]" in ln)
    # every Keep alert has `labels` (default {}), so the failure is the missing member, said in one line
    assert "CEL evaluation failed: no such member in mapping: 'team'" in line and len(line) < 300, line


def test_runs_of_an_unknown_workflow_or_env_is_a_usage_error(tmp_repo):
    r = tmp_repo
    r.write("workflows/fresh.yml", PAGER.replace("id: pager", "id: fresh"))
    r.commit("fresh")
    res = r.cli("runs", "fersh")
    assert res.code == 2 and "unknown workflow 'fersh'" in res.err and "fresh" in res.err
    res = r.cli("runs", "--env", "prod")
    assert res.code == 2 and "unknown environment 'prod'" in res.err
    res = r.cli("runs", "fresh", "--json")  # known, never ran: an empty list, not an error
    assert res.code == 0 and res.json()["runs"] == []
    assert r.cli("runs", "--env", "production").code == 0
    res = r.cli("runs", "fresh", "--drafts", "--version", "v1")  # draft runs have no version: not an empty list
    assert res.code == 2 and "drop --version" in res.err


def test_a_1mb_alert_does_not_make_a_1mb_run_record(tmp_repo):
    r = tmp_repo
    _deploy(r, "echo", """workflow:
  id: echo
  triggers:
    - type: manual
  steps:
    - name: say
      provider:
        type: console
        with:
          message: "{{ alert.description }}"
""")
    r.write("big.json", json.dumps({"name": "big", "description": "x" * 1_000_000}))
    res = r.cli("run", "echo", "--alert", "big.json")
    assert res.code == 0, res
    line = r.cli("runs", "export").out.strip()
    assert len(line) < 100_000, f"the record is {len(line)} bytes"
    log = json.loads(line)["logs"][0]["message"]
    assert log.startswith("xxx") and "1000000 characters, truncated" in log


def test_bad_event_files_are_usage_errors(tmp_repo):
    r = tmp_repo
    _deploy(r, "echo", PAGER.replace("id: pager", "id: echo"))
    r.write("deep.json", '{"c": ' * 5000 + "1" + "}" * 5000)
    res = r.cli("run", "echo", "--alert", "deep.json")
    assert res.code == 2 and "nested too deeply" in res.err, res
    (r.path / "bin.json").write_bytes(b"\xff\xfe{}")
    for cmd in (["run", "echo"], ["trigger"]):
        res = r.cli(*cmd, "--alert", "bin.json")
        assert res.code == 2 and "not UTF-8 text" in res.err, res
    res = r.cli("trigger", "--alert", "-", stdin='{"name": "x",}')
    assert res.code == 2 and "not valid JSON" in res.err and "line 1 column" in res.err, res


def test_errors_and_skip_reasons_quoting_a_1mb_alert_stay_small(tmp_repo):
    r = tmp_repo
    r.write("workflows/big.yml", """workflow:
  id: big
  triggers:
    - type: manual
  steps:
    - name: cond
      if: "'{{ alert.description }}' == 'x'"
      provider: {type: console, with: {message: "x"}}
    - name: fail
      provider: {type: console, with: {message: "keep.add_time_to_date('{{ alert.description }}', '%Y', 'days=1')"}}
""")
    r.write("big.json", json.dumps({"name": "big", "description": "y" * 1_000_000}))
    res = r.cli("run", "big", "--draft", "--alert", "big.json", "--json")
    assert res.code == 1, res
    rec = res.json()
    assert len(res.out) < 100_000, f"the record is {len(res.out)} bytes"
    assert "characters, truncated" in rec["error"] and rec["steps"][1]["error"].startswith("Got ValueError")
    assert rec["steps"][0]["status"] == "skipped" and "characters, truncated" in rec["steps"][0]["skip_reason"]


def test_item_errors_of_a_long_foreach_are_capped(tmp_repo):
    r = tmp_repo
    r.write("workflows/loop.yml", """workflow:
  id: loop
  triggers:
    - type: manual
  steps:
    - name: each
      foreach: "{{ alert.items }}"
      provider: {type: console, with: {message: "{{ foreach.value.missing }}"}}
""")
    r.write("a.json", json.dumps({"name": "n", "items": [{"i": i} for i in range(150)]}))
    rec = r.cli("run", "loop", "--draft", "--alert", "a.json", "--json").json()
    errs = rec["steps"][0]["item_errors"]
    assert len(errs) == 101 and errs[-1] == "… and 50 more" and "foreach.value.missing" in errs[0]


FIRST_TIME = """workflow:
  id: {wf}
  triggers:
    - type: alert
  actions:
    - name: notify
      if: "keep.is_first_time('{{{{ alert.fingerprint }}}}', '24h')"
      provider:
        type: console
        with:
          message: "first {{{{ alert.name }}}}"
"""


def test_one_alert_is_first_time_for_every_workflow_it_triggers(tmp_repo):
    # Keep stores the alert once before running workflows: each of them sees it for the first time
    r = tmp_repo
    _deploy(r, "a-first", FIRST_TIME.format(wf="a-first"))
    _deploy(r, "b-first", FIRST_TIME.format(wf="b-first"))
    alert = json.dumps({"name": "disk", "fingerprint": "fp-disk"})

    def statuses():
        rep = r.cli("trigger", "--alert", "-", "--json", "--full", stdin=alert).json()
        return {w["workflow"]: w["runs"][0]["steps"][0]["status"] for w in rep["workflows"]}

    assert statuses() == {"a-first": "ran", "b-first": "ran"}
    assert statuses() == {"a-first": "skipped", "b-first": "skipped"}  # seen 0 s ago, within 24h


def test_trigger_refuses_an_incident_event_keep_never_emits(tmp_repo):
    r = tmp_repo
    _deploy(r, "inc", """workflow:
  id: inc
  triggers:
    - type: incident
      events: [created]
  actions:
    - name: say
      provider: {type: console, with: {message: "incident {{ incident.id }}"}}
""")
    res = r.cli("trigger", "--incident", "-", stdin=json.dumps({"id": "i1", "event": "create"}))
    assert res.code == 2 and "'create' is not one of created, updated, deleted" in res.err, res
    assert r.cli("runs", "inc", "--json").json()["runs"] == []
    res = r.cli("trigger", "--incident", "-", "--json", stdin=json.dumps({"id": "i1"}))  # no event: created
    assert res.code == 0 and res.json()["workflows"][0]["matched"], res


def test_sync_names_the_deploy_tag_both_sides_created(tmp_repo, tmp_path):
    import subprocess

    r = tmp_repo
    _deploy(r, "pager", PAGER)
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    r.git("remote", "add", "origin", str(bare))
    r.git("push", "-q", "origin", "HEAD")
    assert r.cli("sync").code == 0
    other = GitRepo(tmp_path / "other")
    subprocess.run(["git", "clone", "-q", str(bare), str(other.path)], check=True)
    for repo, note in ((r, "# ours"), (other, "# theirs")):  # both deploy v2 of pager, each from its own commit
        repo.write("workflows/pager.yml", PAGER + note + "\n")
        repo.commit(note)
        assert repo.cli("deploy", "pager", "-m", note).code == 0
    assert other.cli("sync").code == 0
    res = r.cli("sync")
    assert res.code == 3 and "keepwf/production/pager/v2" in res.err and "differs on both sides" in res.err, res
    assert "git tag -d keepwf/production/pager/v2 && keepwf sync origin && keepwf deploy pager" in " ".join(res.err.split())


def test_inputs_are_converted_by_their_declared_type(tmp_repo):
    r = tmp_repo
    r.write("workflows/inp.yml", """workflow:
  id: inp
  triggers:
    - type: manual
  inputs:
    - name: who
      type: string
    - name: count
      type: number
      default: 3
    - name: flag
      type: boolean
      default: false
    - name: level
      type: choice
      options: [1, 2, 3]
      default: 1
  steps:
    - name: say
      provider: {type: console, with: {message: "{{ inputs.who }} {{ inputs.count }} {{ inputs.flag }} {{ inputs.level }}"}}
""")
    res = r.cli("run", "inp", "--draft", "--json", "--input", "who=true", "--input", "count=1e3", "--input", "flag=yes",
                "--input", "level=2", "--input", "extra=[1, 2]")
    rec = res.json()
    assert rec["inputs"] == {"who": "true", "count": 1000, "flag": True, "level": 2, "extra": [1, 2]}
    assert rec["steps"][0]["results"] == ["true 1000 True 2"]
    rec = r.cli("run", "inp", "--draft", "--json", "--input", "who=007").json()
    assert rec["inputs"]["who"] == "007" and rec["inputs"]["count"] == 3


def test_run_warns_about_a_mocked_step_name_that_matches_nothing(tmp_repo):
    r = tmp_repo
    _deploy(r, "pager", PAGER)
    r.write("mocks.yml", "steps:\n  lookup: {result: 1}\n  pgae: {result: 2}\nproviders:\n  pagerduty: {result: 3}\n")
    res = r.cli("run", "pager", "--mock", "mocks.yml", "--alert", "-", stdin='{"name": "cpu", "host": "db1"}')
    assert res.code == 0, res
    assert "steps.pgae matches no step or action of pager (it has: lookup, page)" in res.err
    assert "steps.lookup" not in res.err


def test_a_capitalised_provider_name_is_not_promised_from_keep_provider_env(tmp_repo, monkeypatch):
    # Keep lower-cases KEEP_PROVIDER_<NAME>; "{{ providers.PagerDuty }}" (Keep's own example) can never come from it
    monkeypatch.setenv("KEEP_PROVIDER_PAGERDUTY", json.dumps({"authentication": {"api_key": "k"}}))
    r = tmp_repo
    r.write("workflows/pd.yml", """workflow:
  id: pd
  triggers:
    - type: manual
  steps:
    - name: one
      provider: {type: console, config: "{{ providers.PagerDuty }}", with: {message: hi}}
    - name: two
      provider: {type: console, config: "{{ providers.my-pd }}", with: {message: hi}}
""")
    logs = [lg["message"] for lg in r.cli("run", "pd", "--draft", "--json").json()["logs"] if lg["level"] == "warning"]
    assert "'PagerDuty' not found" in logs[0] and "not KEEP_PROVIDER_*, whose names are lower-cased" in logs[0]
    assert "'my-pd' not found" in logs[1] and "KEEP_PROVIDER_MY_PD" in logs[1]


def test_control_characters_in_alert_text_never_reach_the_terminal(tmp_repo):
    r = tmp_repo
    r.write("workflows/say.yml", """workflow:
  id: say
  triggers:
    - type: manual
  steps:
    - name: say
      provider: {type: console, with: {message: "got {{ alert.name }}"}}
""")
    r.write("a.json", json.dumps({"name": "A\x1b]0;owned\x07B\x1b[2J\rC"}))
    res = r.cli("run", "say", "--draft", "--alert", "a.json")
    assert res.code == 0, res
    shown = res.out + res.err
    assert "\x1b" not in shown and "\x07" not in shown and "\r" not in shown
    assert "got A\\x1b]0;owned\\x07B\\x1b[2J\\x0dC" in shown  # visible, escaped
    run_id = r.cli("runs", "--drafts", "--json").json()["runs"][0]["run_id"]
    detail = r.cli("runs", "show", run_id).out
    assert "\x1b" not in detail and "\\x1b[2J" in detail
    rec = r.cli("runs", "show", run_id, "--json").json()  # the record itself keeps the data exactly
    assert rec["steps"][0]["results"] == ["got A\x1b]0;owned\x07B\x1b[2J\rC"]
    r.write("workflows/bad.yml", """workflow:
  id: bad
  triggers:
    - type: manual
  steps:
    - name: s
      provider: {type: bash, with: {command: "{{ alert.name }}"}}
""")
    r.write("b.json", json.dumps({"name": "x\nsecond line\x1b[2J"}))
    assert r.cli("run", "bad", "--draft", "--alert", "b.json").code == 1
    table = r.cli("runs", "--drafts").out
    assert "\x1b" not in table and len(table.strip().splitlines()) == 3  # header + one line per run


def test_runs_import_of_broken_files_is_never_an_internal_error(tmp_repo):
    r = tmp_repo
    r.write("deep.jsonl", '{"started": "2026-11-29T15:58:59.895056+00:00", "v": 1, "x": ' + "[" * 5000 + "]" * 5000 + "}\n")
    res = r.cli("runs", "import", "deep.jsonl")
    assert res.code == 1 and "deep.jsonl:1: not a keepwf v1 run record" in res.err, res
    (r.path / "bin.jsonl").write_bytes(b"\xff\xfe garbage\n")
    res = r.cli("runs", "import", "bin.jsonl")
    assert res.code == 2 and "not UTF-8 text" in res.err, res
    assert r.cli("runs", "import", "-", stdin="").code == 0


def test_trigger_leaves_disabled_workflows_out(tmp_repo):
    r = tmp_repo
    _deploy(r, "paused", """workflow:
  id: paused
  disabled: true
  triggers:
    - type: alert
  steps:
    - name: s
      provider: {type: console, with: {message: hi}}
""")
    res = r.cli("trigger", "--alert", "-", "--explain", stdin=json.dumps({"name": "cpu"}))
    assert res.code == 0 and "skipped paused v1" in res.out and "disabled" in res.out, res
    assert r.cli("runs", "paused", "--json").json()["runs"] == []  # no record per alert for a disabled workflow


NOTIFY = """workflow:
  id: notify
  triggers:
    - type: manual
  actions:
    - name: tell
      provider:
        type: slack
        config: "{{ providers.slack-prod }}"
        with:
          message: hello
"""


def test_one_mock_file_serves_several_workflows_and_mocked_calls_need_no_credentials(tmp_repo):
    r = tmp_repo
    _deploy(r, "notify", NOTIFY)
    _deploy(r, "pager", PAGER)
    r.write("mocks.yml", """providers:
  slack: {result: {ok: true}}
workflows:
  pager:
    steps:
      lookup: {result: {host: db1}}
      page: {result: {status: triggered}}
    providers:
      pagerduty: {result: {status: triggered}}
  notify:
    steps:
      tel: {result: {}}
""")
    r.write("a.json", '{"name": "cpu", "host": "db1"}')
    res = r.cli("run", "pager", "--mock", "mocks.yml", "--alert", "a.json", "--json")
    assert res.code == 0, res
    assert "matches no step" not in res.err  # the notify section is none of pager's business
    rec = res.json()
    assert [c["step"] for c in rec["calls"]] == ["lookup", "page"]
    assert not [lg for lg in rec["logs"] if "config" in lg["message"] and lg["level"] == "warning"], rec["logs"]
    res = r.cli("run", "notify", "--mock", "mocks.yml", "--json")
    assert res.code == 0, res
    assert "workflows.notify.steps.tel matches no step or action of notify" in res.err  # its own typo is still said
    assert not [lg for lg in res.json()["logs"] if "slack-prod" in lg["message"]]  # mocked: no word on credentials
    r.write("plain.yml", "steps:\n  lookup: {result: {}}\n")
    res = r.cli("run", "notify", "--mock", "plain.yml")
    assert "steps.lookup matches no step or action of notify" in res.err  # a one-workflow file is still checked
    assert "slack-prod" in res.out + res.err  # not mocked: the missing config is said
