"""keepwf run / runs / trigger / export / import from a user's point of view."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.helpers import GitRepo, workflow_yaml

FAILING = """workflow:
  id: broken
  triggers:
    - type: manual
  steps:
    - name: boom
      provider:
        type: console
        with:
          message: "{{ alert.missing.key }}"
"""

ALERT_WF = """workflow:
  id: on-grafana
  triggers:
    - type: alert
      filters:
        - key: source
          value: grafana
    - type: alert
      cel: severity > 'warning'
  steps:
    - name: say
      provider:
        type: console
        with:
          message: "got {{ alert.name }}"
"""


def _deploy(r: GitRepo, wf: str, text: str) -> str:
    r.write(f"workflows/{wf}.yml", text)
    c = r.commit(f"add {wf}")
    res = r.cli("deploy", wf, "-m", "release")
    assert res.code == 0, res
    return c


def test_run_exit_codes_and_errors(tmp_repo):
    r = tmp_repo
    _deploy(r, "broken", FAILING)
    res = r.cli("run", "broken")
    assert res.code == 1 and "error" in res.out and "Could not find key" in res.out
    assert r.cli("runs", "broken", "--status", "error", "--json").json()["runs"][0]["status"] == "error"
    res = r.cli("run", "nope")
    assert res.code == 2 and "nope" in res.err
    r.write("workflows/fresh.yml", workflow_yaml("fresh"))
    r.commit("fresh")
    res = r.cli("run", "fresh")
    assert res.code == 2 and "no deployed version" in res.err and "--draft" in res.err
    assert r.cli("run", "fresh", "--draft").code == 0
    r.write("workflows/odd.yml", workflow_yaml("odd id"))
    res = r.cli("run", "odd id", "--draft")
    assert res.code == 2 and "git ref name" in res.err and r.cli("runs", "--drafts", "--json").json()["runs"][0]["workflow"] == "fresh"
    res = r.cli("run", "broken", "--alert", "missing.json")
    assert res.code == 2 and "cannot read" in res.err
    r.write("bad.json", "[1, 2]")
    res = r.cli("run", "broken", "--alert", "bad.json")
    assert res.code == 2 and "must be one object" in res.err
    assert r.cli("run", "broken", "--version", "v9").code == 2
    assert r.cli("runs", "--version", "v1").code == 2  # needs a workflow
    assert r.cli("runs", "--status", "great").code == 2


def test_runs_paging_filters_and_show(tmp_repo):
    r = tmp_repo
    _deploy(r, "pager", workflow_yaml("pager"))
    ids = [r.cli("run", "pager", "--json").json()["run_id"] for _ in range(5)]
    page1 = r.cli("runs", "pager", "--limit", "2", "--json").json()
    page3 = r.cli("runs", "pager", "--limit", "2", "--page", "3", "--json").json()
    assert [x["run_id"] for x in page1["runs"]] == ids[::-1][:2] and page1["more"]
    assert [x["run_id"] for x in page3["runs"]] == [ids[0]] and not page3["more"]
    assert len(r.cli("runs", "--since", "1h", "--json").json()["runs"]) == 5
    assert r.cli("runs", "--since", "2099-01-01", "--json").json()["runs"] == []
    text = r.cli("runs", "pager")
    assert text.code == 0 and ids[-1][:12] in text.out
    shown = r.cli("runs", "show", ids[2].lower(), "--json").json()
    assert shown["run_id"] == ids[2] and shown["tag"] == "keepwf/production/pager/v1"
    assert {"started", "v", "run_id", "workflow", "env", "version", "commit", "blob", "tag", "draft", "trigger", "inputs",
            "status", "duration_ms", "error", "steps", "host", "user", "keepwf"} <= set(shown)
    assert list(shown)[:2] == ["started", "v"]
    missing = r.cli("runs", "show", "0000000000")
    assert missing.code == 2 and "no run" in missing.err
    ambiguous = r.cli("runs", "show", ids[0][:4])
    assert ambiguous.code == 2 and "ambiguous" in ambiguous.err


def test_rollback_default_skips_versions_whose_runs_all_failed(tmp_repo):
    r = tmp_repo
    _deploy(r, "wf", workflow_yaml("wf", "good"))
    assert r.cli("run", "wf").code == 0
    _deploy(r, "wf", FAILING.replace("broken", "wf"))
    assert r.cli("run", "wf").code == 1
    _deploy(r, "wf", workflow_yaml("wf", "third"))
    rb = r.cli("rollback", "wf", "-m", "back to the good one", "--json")
    assert rb.code == 0, rb
    assert r.cli("history", "wf", "--json").json()["versions"][0]["rollback_of"] == "v3"
    assert r.cli("show", "wf", "--json").json()["version"]["commit"] == r.git("rev-parse", "keepwf/production/wf/v1^{commit}")


def test_trigger_runs_matching_workflows_and_explains(tmp_repo):
    r = tmp_repo
    _deploy(r, "on-grafana", ALERT_WF)
    _deploy(r, "pager", workflow_yaml("pager"))
    r.write("alert.json", json.dumps({"name": "cpu", "source": "grafana", "severity": "critical", "fingerprint": "f1"}))
    res = r.cli("trigger", "--alert", "alert.json", "--explain")
    assert res.code == 0, res
    assert "matched on-grafana" in res.out and "skipped pager" in res.out and 'source.contains("grafana")' in res.out
    rep = r.cli("trigger", "--alert", "-", "--json", stdin=json.dumps({"name": "x", "source": "datadog", "severity": "info"})).json()
    wf = {w["workflow"]: w for w in rep["workflows"]}
    assert not wf["on-grafana"]["matched"] and wf["on-grafana"]["runs"] == []
    runs = r.cli("runs", "on-grafana", "--json").json()["runs"]
    assert len(runs) == 2 and runs[0]["trigger"]["type"] == "alert" and runs[0]["trigger"]["fingerprint"] == "f1"
    assert r.cli("trigger").code == 2


def test_export_import_roundtrip_into_a_clone_without_run_history(tmp_repo, tmp_path):
    r = tmp_repo
    _deploy(r, "pager", workflow_yaml("pager"))
    for _ in range(3):
        r.cli("run", "pager")
    r.cli("run", "pager", "--draft")
    assert r.cli("runs", "export", "--jsonl", "runs.jsonl").code == 0
    lines = (r.path / "runs.jsonl").read_text().splitlines()
    assert len(lines) == 4 and all(ln.startswith('{"started": "') for ln in lines)
    other = GitRepo(tmp_path / "clone")
    subprocess.run(["git", "clone", "-q", str(r.path), str(other.path)], check=True)  # clones drop notes and refs/keepwf
    subprocess.run(["git", "-C", str(other.path), "fetch", "-q", "origin", "refs/tags/*:refs/tags/*"], check=True)
    assert other.cli("runs", "--json").json()["runs"] == []
    res = other.cli("runs", "import", str(r.path / "runs.jsonl"))
    assert res.code == 0 and "imported 4 run(s)" in res.out
    res = other.cli("runs", "import", str(r.path / "runs.jsonl"), "--json")
    assert res.json() == {"added": 0, "already_present": 4, "skipped": []}
    assert len(other.cli("runs", "pager", "--version", "v1", "--json").json()["runs"]) == 3
    (tmp_path / "bad.jsonl").write_text('{"started": "x"}\nnot json\n' + lines[0] + "\n")
    res = other.cli("runs", "import", str(tmp_path / "bad.jsonl"))
    assert res.code == 1 and "bad.jsonl:1" in res.err and "bad.jsonl:2" in res.err


def test_no_secret_reaches_git(tmp_repo, monkeypatch):
    secret, secret2 = "s3cr3t-XYZ-123", "hunter2-QQQ-987"
    monkeypatch.setenv("SECRET_TOKEN", secret)
    monkeypatch.setenv("KEEP_PROVIDER_PAGER", json.dumps({"authentication": {"api_key": secret2}}))
    r = tmp_repo
    r.write("providers.yaml", 'myhttp:\n  authentication:\n    token: "{{ env.SECRET_TOKEN }}"\n')
    r.write("mocks.yaml", "steps:\n  call: {result: {ok: true}}\n  page: {result: {sent: true}}\n")
    wf = """workflow:
  id: sec
  triggers:
    - type: manual
  steps:
    - name: call
      provider:
        type: http
        config: "{{ providers.myhttp }}"
        with:
          url: "http://127.0.0.1:9/x"
  actions:
    - name: page
      provider:
        type: pagerduty
        config: "{{ providers.pager }}"
        with:
          title: "hello"
"""
    _deploy(r, "sec", wf)
    assert r.cli("run", "sec", "--mock", "mocks.yaml", "--input", f"token={secret}").code == 0
    assert r.cli("run", "sec", "--draft", "--mock", "mocks.yaml").code == 0
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=r.path, capture_output=True, check=True).stdout
    assert b"run_id" in objects  # the records are there...
    assert secret.encode() not in objects and secret2.encode() not in objects  # ...the secrets are not
    subprocess.run(["git", "gc", "-q"], cwd=r.path, check=True)
    for p in (r.path / ".git").rglob("*"):
        if p.is_file() and "objects" not in p.parts:
            data = p.read_bytes()
            assert secret.encode() not in data and secret2.encode() not in data, p


def test_globals_and_help_still_work_with_one_command_built(tmp_repo):
    r = tmp_repo
    assert r.cli("--debug", "runs", "--json").code == 0
    assert r.cli("runs", "-C", ".", "--debug", "--json").code == 0
    res = r.cli("--help")
    assert res.code == 0 and "run " in res.out and "deploy" in res.out and "runs" in res.out
    res = r.cli("rnu")
    assert res.code == 2 and "run" in res.err


@pytest.mark.parametrize("raw", ["xoxb-RAWTOKEN-4242", " xoxb-RAWTOKEN-4242\n", "{not json xoxb-RAWTOKEN-4242",
                                 '["xoxb-RAWTOKEN-4242"]', "/nonexistent/xoxb-RAWTOKEN-4242.json"])
def test_a_raw_token_in_keep_provider_env_never_reaches_git_or_output(tmp_repo, monkeypatch, raw):
    """Issue 10 item 4: a KEEP_PROVIDER_* value that is neither a JSON object nor a readable path is a secret too."""
    token = "xoxb-RAWTOKEN-4242"
    monkeypatch.setenv("KEEP_PROVIDER_SLACK", raw)
    monkeypatch.setenv("KEEP_PROVIDERS", raw)
    r = tmp_repo
    r.write("mocks.yaml", "default: {result: {ok: true}}\n")
    _deploy(r, "tok", """workflow:
  id: tok
  triggers:
    - type: manual
  actions:
    - name: page
      provider:
        type: slack
        config: "{{ providers.slack }}"
        with:
          message: "hello"
""")
    for args in (("run", "tok", "--mock", "mocks.yaml"), ("run", "tok", "--draft", "--mock", "mocks.yaml")):
        res = r.cli(*args)
        assert res.code == 0, res
        assert token not in res.out + res.err
    res = r.cli("runs", "--json")
    assert res.code == 0 and "KEEP_PROVIDER_SLACK" in res.out and token not in res.out  # the warning names the variable
    assert r.cli("runs", "export", "--jsonl", "runs.jsonl").code == 0
    assert token not in (r.path / "runs.jsonl").read_text()
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=r.path, capture_output=True,
                             check=True).stdout
    assert b"run_id" in objects and token.encode() not in objects
