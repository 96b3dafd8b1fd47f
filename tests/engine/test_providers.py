"""Offline providers: bash (shell quoting!), python (off by default), http, webhook; configs and secrets."""

from __future__ import annotations

import json

import pytest

from keepwf.engine import MockSet
from tests.engine.helpers import alert, run
from tests.engine.loopback import Loopback


@pytest.fixture
def server():
    with Loopback() as s:
        yield s


BASH = """
workflow:
  id: wf
  steps:
    - name: sh
      provider:
        type: bash
        with:
          command: "{cmd}"
          {extra}
"""


def bash(cmd, tmp_path, extra="", **kw):
    return run(BASH.format(cmd=cmd.replace('"', '\\"'), extra=extra), cwd=str(tmp_path), env={"PATH": "/usr/bin:/bin"},
               event=alert(**kw), event_kind="alert")


@pytest.mark.parametrize("shell", ["", "shell: true"])
@pytest.mark.parametrize("cmd", ["echo {{ alert.name }}", "echo '{{ alert.name }}'", 'echo "{{ alert.name }}"',
                                 "echo pre{{ alert.name }}post"])
def test_bash_values_are_shell_quoted(tmp_path, cmd, shell):
    evil = "x; touch pwned.txt $(touch pwned2.txt) `touch pwned3.txt` ' \" \\ | cat"
    r = bash(cmd, tmp_path, extra=shell, name=evil)
    assert r.status == "success", r.error
    assert not list(tmp_path.iterdir()), "the alert text was executed"
    out = r.results["sh"][0]["stdout"]
    assert evil in out


def test_bash_raw_triple_mustache_is_not_quoted(tmp_path):
    r = bash("{{{ alert.raw }}}", tmp_path, extra="shell: true", raw="echo a && echo b")
    assert r.results["sh"][0]["stdout"] == "a\nb\n"


def test_bash_result_shape_pipeline_and_nonzero_exit(tmp_path):
    r = bash("echo hello | tr a-z A-Z", tmp_path)
    assert r.results["sh"] == [{"stdout": "HELLO\n", "stderr": "", "return_code": 0}]
    r = bash("ls /nonexistent-dir", tmp_path)
    assert r.status == "success" and r.results["sh"][0]["return_code"] != 0


def test_bash_timeout_and_missing_command(tmp_path):
    r = bash("sleep 5", tmp_path, extra="timeout: 1")  # floats are dropped from a step's with: (Keep)
    assert r.status == "error" and "timed out after 1s" in r.error
    r = bash("no-such-command-xyz", tmp_path)
    assert r.status == "error" and "command not found: no-such-command-xyz" in r.error


PY = """
workflow:
  id: wf
  steps:
    - name: py
      provider:
        type: python
        with:
          code: "{code}"
          imports: "{imports}"
"""


def test_python_disabled_by_default():
    r = run(PY.format(code="1 + 1", imports=""))
    assert r.status == "error"
    assert "allow_python = true" in r.error and "keepwf.toml" in r.error


@pytest.mark.parametrize("code, imports, expected", [
    ("1 + 1", "", 2), ("[x * 2 for x in [1, 2]]", "", [2, 4]), ("loads('{\\\"a\\\": 1}')", "json", {"a": 1}),
    ("sqrt(16)", "math", 4.0), ("datetime(2020, 1, 2).isoformat()", "datetime", "2020-01-02T00:00:00"),
])
def test_python_expression(code, imports, expected):
    r = run(PY.format(code=code, imports=imports), allow_python=True)
    assert r.status == "success", r.error
    assert r.results["py"] == [expected]


@pytest.mark.parametrize("code, imports, msg", [
    ("__import__('os').system('touch x')", "", "__import__"),
    ("open('/etc/passwd').read()", "", "open"),
    ("().__class__.__bases__", "", "__class__"),
    ("1", "os", "import 'os' is not allowed"),
])
def test_python_is_restricted(code, imports, msg):
    r = run(PY.format(code=code, imports=imports), allow_python=True)
    assert r.status == "error" and msg in r.error


def test_http_get_post_headers_params(server):
    r = run(f"""
        workflow:
          id: wf
          steps:
            - name: get
              provider:
                type: http
                with: {{url: "{server.url}/x", method: GET, params: {{q: "a b"}}, headers: {{X-Test: "1"}}}}
            - name: post
              provider:
                type: http
                with: {{url: "{server.url}/y", method: POST, body: {{name: "{{{{ alert.name }}}}"}}}}
            - name: text
              provider: {{type: http, with: {{url: "{server.url}/text", method: GET}}}}
        """, event=alert(), event_kind="alert", allow_private_network=True)
    assert r.status == "success", r.error
    get = r.results["get"][0]
    assert get["status"] is True and get["status_code"] == 200 and get["body"]["path"] == "/x?q=a+b"
    assert server.requests[0]["headers"]["X-Test"] == "1"
    assert json.loads(server.requests[1]["body"]) == {"name": "cpu high"}
    assert r.results["text"][0]["body"] == "plain text"


def test_http_fail_on_error_and_blocklist(server):
    yaml = f"""
        workflow:
          id: wf
          steps:
            - name: h
              provider: {{type: http, with: {{url: "{{url}}", method: GET, fail_on_error: {{foe}}}}}}
        """
    r = run(yaml.replace("{url}", server.url + "/status/503").replace("{foe}", "true"), allow_private_network=True)
    assert r.status == "error" and "HTTP 503" in r.error
    r = run(yaml.replace("{url}", server.url + "/status/404").replace("{foe}", "false"), allow_private_network=True)
    assert r.status == "success" and r.results["h"][0]["status_code"] == 404 and r.results["h"][0]["status"] is False
    for url in ("http://localhost:1/x", "http://169.254.169.254/latest", "file:///etc/passwd"):
        r = run(yaml.replace("{url}", url).replace("{foe}", "true"))
        assert r.status == "error" and ("blocks" in r.error or "only http" in r.error or "never connects" in r.error)


def test_webhook_config_from_providers_and_secrets_redacted(server):
    r = run(f"""
        workflow:
          id: wf
          actions:
            - name: hook
              provider:
                type: webhook
                config: "{{{{ providers.hook }}}}"
                with: {{body: {{msg: "token is {{{{ alert.leak }}}}"}}}}
        providers:
          hook:
            authentication:
              url: "{server.url}/hook"
              api_key: "{{{{ env.HOOK_KEY }}}}"
        """, env={"HOOK_KEY": "sup3r-secret-key"}, event=alert(leak="sup3r-secret-key"), event_kind="alert",
        allow_private_network=True)
    assert r.status == "success", r.error
    assert server.requests[0]["headers"]["Authorization"] == "Bearer sup3r-secret-key"
    assert r.results["hook"] == [None]
    assert "sup3r-secret-key" not in json.dumps(r.to_dict())
    assert "***" in json.dumps(r.event)


def test_keep_providers_env_sources_and_redaction():
    mocks = MockSet.from_data({"providers": {"slack": {"result": {"ok": True}}}})
    r = run("""
        workflow:
          id: wf
          actions:
            - name: s
              provider:
                type: slack
                config: "{{ providers.my-slack }}"
                with: {message: "x"}
            - name: show
              provider: {type: console, with: {message: "{{ steps.s.provider_parameters }}"}}
        """, env={"KEEP_PROVIDER_MY_SLACK": json.dumps({"authentication": {"webhook_url": "https://hooks/T0KEN123"}})},
        mocks=mocks)
    assert r.status == "success"
    assert r.calls[0]["config"] == "my-slack" and r.calls[0]["params"] == {"message": "x"}


def test_unknown_provider_without_mock_is_a_clear_step_error():
    r = run("""
        workflow:
          id: wf
          steps:
            - name: s
              provider: {type: datadog, with: {query: hi}}
        """)
    assert r.status == "error"
    assert r.error == "provider 'datadog' cannot run offline; give responses with --mock FILE"


def test_keep_provider_and_throttle_need_a_server():
    r = run("""
        workflow:
          id: wf
          actions:
            - name: k
              provider: {type: keep, with: {alert: {name: x}}}
            - name: t
              throttle: {type: one_until_resolved, with: {}}
              provider: {type: console, with: {message: hi}}
        """)
    assert "provider 'keep' needs a Keep server" in r.step("k").error
    assert "throttle needs a Keep server" in r.step("t").error


def test_mocks_capture_calls_and_queue(tmp_path):
    f = tmp_path / "m.yml"
    f.write_text("steps:\n  q:\n    responses:\n      - result: 1\n      - result: 2\nproviders:\n  pagerduty: {error: down}\n")
    mocks = MockSet.load(str(f))
    r = run("""
        workflow:
          id: wf
          steps:
            - name: q
              foreach: "{{ alert.tags }}"
              provider: {type: datadog, with: {query: "{{ foreach.value }}"}}
          actions:
            - name: pd
              provider: {type: pagerduty, with: {title: "t"}}
        """, mocks=mocks, event=alert(tags=["a", "b", "c"]), event_kind="alert")
    assert r.results["q"] == [1, 2, 2]
    assert [c["params"]["query"] for c in r.calls if c["step"] == "q"] == ["a", "b", "c"]
    assert r.step("pd").error == "down"


@pytest.mark.parametrize("text, msg", [("[1]", "must be a mapping"), ("steps: {a: 1}", "must be a mapping"),
                                       ("nope: 1", "unknown top-level"), ("steps: {a: {reslt: 1}}", "unknown key")])
def test_bad_mock_files(text, msg):
    from keepwf.errors import UsageError

    with pytest.raises(UsageError, match=msg):
        MockSet.parse(text, "m.yml")


def test_only_credentials_are_redacted():
    from keepwf.engine.secrets import Redactor, load_provider_configs

    red = Redactor()
    load_provider_configs({"hook": {"authentication": {"url": "http://127.0.0.1/x?token=abcd1234", "method": "POST",
                                                       "verify": True, "headers": [{"key": "X-Api", "value": "k-5678"}]}}},
                          None, {}, red)
    out = red.apply({"m": "POST http://127.0.0.1/x?token=abcd1234 X-Api k-5678"})
    assert out == {"m": "POST *** X-Api ***"}


def test_python_code_gets_data_as_values():
    r = run("""
        workflow:
          id: wf
          steps:
            - name: py
              provider: {type: python, with: {code: "len('{{ alert.name }}')"}}
            - name: py2
              provider: {type: python, with: {code: "{{ alert.name }}"}}
        """, allow_python=True, event=alert(name=EVIL_CODE), event_kind="alert")
    assert r.results["py"] == [len(EVIL_CODE)]
    assert r.results["py2"] == [EVIL_CODE]


EVIL_CODE = "__import__('os').getcwd() + ') + str([0] * 10**9) + ('"


def test_http_timeout_in_an_action(server):
    r = run(f"""
        workflow:
          id: wf
          actions:
            - name: slow
              provider: {{type: http, with: {{url: "{server.url}/slow", method: GET, timeout: 0.3}}}}
        """, allow_private_network=True)
    assert r.status == "error" and "timed out" in r.error


def test_mock_precedence_and_default():
    mocks = MockSet.from_data({
        "steps": {"by-name": {"result": "step"}},
        "providers": {"team-chat": {"result": "config-name"}, "slack": {"result": "type"}},
        "default": {"result": "default"},
    })
    r = run("""
        workflow:
          id: wf
          actions:
            - name: by-name
              provider: {type: slack, config: "{{ providers.team-chat }}", with: {m: 1}}
            - name: by-config
              provider: {type: slack, config: "{{ providers.team-chat }}", with: {m: 1}}
            - name: by-type
              provider: {type: slack, with: {m: 1}}
            - name: by-default
              provider: {type: jira, with: {m: 1}}
            - name: console-not-defaulted
              provider: {type: console, with: {message: real}}
        """, mocks=mocks)
    assert [r.results[n][0] for n in ("by-name", "by-config", "by-type", "by-default", "console-not-defaulted")] == [
        "step", "config-name", "type", "default", "real"]
    assert len(r.calls) == 4
