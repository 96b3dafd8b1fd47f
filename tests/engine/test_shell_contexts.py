"""Alert text never runs as shell code (issue 10 item 1): an attack corpus × every shell context, under dash
(``/bin/sh``) and bash, ``shell: true`` and ``shell: false``. Each case either runs with the value as data or is
refused (the step fails before anything runs); no case may create the marker file."""

from __future__ import annotations

import subprocess

import pytest

from keepwf.engine.providers import bash as bash_provider
from keepwf.workflow.shellscan import template_refusals
from tests.engine.helpers import alert, run

PAYLOADS = [
    "a; touch PWNED", "$(touch PWNED)", "`touch PWNED`", "'; touch PWNED; '", '"; touch PWNED; "', '\\"; touch PWNED; #',
    "a\ntouch PWNED", "a[$(touch PWNED)]", "x[`touch PWNED`]", "a[$(touch PWNED)]+1", "EOF\ntouch PWNED\nEOF",
    "\tEOF\ntouch PWNED", "$'\\x27'; touch PWNED", "${IFS}touch${IFS}PWNED", "}; touch PWNED; {", "))); touch PWNED; (((",
    "$((1))$(touch PWNED)", "\\", "'\"$(touch PWNED)\"'", "-exec touch PWNED", "a|touch PWNED", "a&&touch PWNED",
    "a\\\ntouch PWNED", "$(touch PWNED)\n", "esac; touch PWNED; case x in", "]]; touch PWNED; [[", "1 ]]; touch PWNED; [[ 1",
    "${x:-$(touch PWNED)}", "\\$(touch PWNED)", "!$(touch PWNED)", "~/$(touch PWNED)", "*", "$[$(touch PWNED)]",
]
# every context the review named and their relatives; {v} is the alert's value
COMMANDS = [
    "echo {v}", "echo '{v}'", 'echo "{v}"', "echo pre{v}post", "echo $'{v}'", 'echo "$(echo {v})"', "echo $(echo {v})",
    'echo "$(echo "{v}")"', 'echo "`echo {v}`"', "echo `echo {v}`", "echo `echo '{v}'`", "cat <<EOF\n{v}\nEOF",
    "cat <<'EOF'\n{v}\nEOF", "cat <<-EOF\n\t{v}\n\tEOF", 'cat <<"EOF"\nx {v} y\nEOF', "echo $(( {v} + 1 ))",
    'echo "$(( {v} + 1 ))"', "(( {v} > 1 )) && echo big", "[[ {v} -eq 1 ]] && echo one", "[[ '{v}' -eq 1 ]]",
    "[[ {v} == x ]] && echo same", 'x="{v}"; echo $(( x + 1 ))', "x={v}; echo \"$x\"", "let n={v}+1; echo $n",
    "arr[{v}]=1", "declare -i n; n={v}", "echo $[ {v} + 1 ]", "echo ${UNSET:-{v}}", 'echo "${UNSET:-{v}}"',
    "echo ${#{v}}", "# {v}\necho ok", "echo {v} | cat", "case {v} in a) echo a;; *) echo other;; esac",
    "case x in {v}) echo hit;; *) echo miss;; esac", "for w in {v}; do echo $w; done", "cat <<< {v}",
    "echo {v} > /dev/null", "ls -- {v}", "printf '%s\\n' {v}", "test {v} = x || echo no", "[ {v} -eq 1 ]",
    "echo {v} | sh", "eval echo {v}", "sh -c 'echo {v}'", "bash -c \"echo {v}\"", "{v}", "timeout 5 {v}",
    "env X=1 {v}", "python3 -c \"print('{v}')\"", "awk 'BEGIN { print \"{v}\" }'", "sed 's/a/{v}/' /dev/null",
    "find . -name {v}", "echo $( ( echo {v} ) )", "f() { echo {v}; }; f", "if true; then echo {v}; fi",
    "echo ok # {v}", "echo x\\\n{v}", "echo '{v}'\"{v}\"{v}", "for (( i={v}; i<2; i++ )); do echo $i; done",
    "[[ -v {v} ]] && echo set", "test -v {v}", "[ -v '{v}' ]", "declare {v}", "declare -a a; a=([{v}]=1)",
    "unset {v}", "read {v} < /dev/null", "printf -v {v} x", "export {v}", "local_x={v}; declare -n r=local_x",
]


def _bash_as_shell(monkeypatch):
    real = subprocess.Popen

    def popen(*a, **kw):
        if kw.get("shell"):
            kw["executable"] = "/bin/bash"
        return real(*a, **kw)

    monkeypatch.setattr(bash_provider.subprocess, "Popen", popen)


def _run(cmd: str, value: str, tmp_path, shell: str):
    text = cmd.replace("{v}", "{{ alert.v }}")
    yaml_cmd = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return run(f"""
workflow:
  id: wf
  steps:
    - name: sh
      provider:
        type: bash
        with:
          command: "{yaml_cmd}"
          {"shell: true" if shell != "false" else ""}
""", cwd=str(tmp_path), env={"PATH": "/usr/bin:/bin"}, event=alert(v=value), event_kind="alert"), text


# the contexts the review named (the full corpus is a slow test)
NAMED = ['echo "$(echo {v})"', 'echo "`echo {v}`"', "cat <<EOF\n{v}\nEOF", "echo $(( {v} + 1 ))", "echo {v}",
         "[[ {v} -eq 1 ]] && echo one", "x={v}; echo \"$x\""]


@pytest.mark.parametrize("shell", ["dash", "bash", "false"])
@pytest.mark.parametrize("cmd", NAMED)
def test_no_alert_text_runs_in_the_named_contexts(tmp_path, monkeypatch, cmd, shell):
    test_no_alert_text_runs_in_any_shell_context(tmp_path, monkeypatch, cmd, shell)


@pytest.mark.slow
@pytest.mark.parametrize("shell", ["dash", "bash", "false"])
@pytest.mark.parametrize("cmd", COMMANDS)
def test_no_alert_text_runs_in_any_shell_context(tmp_path, monkeypatch, cmd, shell):
    if shell == "bash":
        _bash_as_shell(monkeypatch)
    executed, refused = [], 0
    for value in PAYLOADS:
        r, text = _run(cmd, value, tmp_path, shell)
        if list(tmp_path.iterdir()):
            executed.append(value)
            for p in tmp_path.iterdir():
                p.unlink()
        if r.status == "error":
            assert r.error, (cmd, value)
            refused += r.error.startswith("bash: ")
    assert not executed, f"{cmd!r} ({shell}) executed alert text: {executed}"


@pytest.mark.parametrize("shell", ["dash", "bash"])
@pytest.mark.parametrize("cmd,expected", [
    ("echo {v}", "{value}\n"), ("echo '{v}'", "{value}\n"), ('echo "{v}"', "{value}\n"), ("echo pre{v}post", "pre{value}post\n"),
    ('echo "$(echo "{v}")"', "{value}\n"), ('echo "`echo "{v}"`"', "{value}\n"), ("cat <<EOF\n{v}\nEOF", "{value}\n"),
    ("cat <<'EOF'\n{v}\nEOF", "{value}\n"), ("x={v}; echo \"$x\"", "{value}\n"), ('echo "${UNSET:-{v}}"', "{value}\n"),
    ("printf '%s' {v}", "{value}"),
])
def test_values_arrive_intact(tmp_path, monkeypatch, shell, cmd, expected):
    if shell == "bash":
        _bash_as_shell(monkeypatch)
    for value in ["a; touch PWNED", "$(touch PWNED) `x` 'q' \"d\" \\ $HOME ${x}", "two  spaces * ? [x]", "ünï 😀"]:
        if "cat <<" in cmd and "\n" in value:
            continue
        r, _ = _run(cmd, value, tmp_path, shell)
        assert r.status == "success", (cmd, value, r.error)
        if "[" in value and "$((" in cmd:
            continue
        assert r.results["sh"][0]["stdout"] == expected.replace("{value}", value), (cmd, value)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("shell", ["dash", "bash"])
def test_arithmetic_takes_integers_only(tmp_path, monkeypatch, shell):
    if shell == "bash":
        _bash_as_shell(monkeypatch)
    r, _ = _run("echo $(( {v} + 1 ))", "41", tmp_path, shell)
    assert r.status == "success" and r.results["sh"][0]["stdout"] == "42\n"
    r, _ = _run("echo $(( {v} + 1 ))", "a[$(touch PWNED)]", tmp_path, shell)
    assert r.status == "error" and "only an integer" in r.error
    r, _ = _run('x="{v}"; [[ $x -eq 1 ]]', "a[$(touch PWNED)]", tmp_path, shell)
    assert r.status == "error" and "holding '['" in r.error
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("cmd,why", [
    ("{{ alert.v }} --help", "command to run"), ("eval {{ alert.v }}", "`eval` runs"), ("sh -c 'echo {{ alert.v }}'", "sh -c"),
    ('bash -c "echo {{ alert.v }}"', "bash -c"), ("ssh host {{ alert.v }}", "remote shell"),
    ("python3 -c \"print('{{ alert.v }}')\"", "program code"), ("awk '{print \"{{ alert.v }}\"}'", "program"),
    ("sed 's/a/{{ alert.v }}/' f", "script"), ("echo {{ alert.v }} | bash", "feeds `bash`"),
    ("sh <<EOF\n{{ alert.v }}\nEOF", "script of `sh`"), ("echo keep.uppercase('{{ alert.v }}')", "keep.uppercase"),
    ("echo `{{ alert.v }}`", "command to run"), ("timeout 5 {{ alert.v }}", "command to run"),
    ("kubectl exec pod -- sh -c '{{ alert.v }}'", "shell code"), ("trap '{{ alert.v }}' EXIT", "`trap` runs"),
])
@pytest.mark.parametrize("shell", [True, False])
def test_validate_refuses_places_no_value_can_go(cmd, why, shell):
    if not shell and ("`" in cmd or "<<" in cmd):
        return  # no shell: backticks and heredocs are plain characters
    problems = template_refusals(cmd, shell)
    assert problems and why in problems[0], problems


@pytest.mark.parametrize("cmd", ["echo {{ alert.v }}", "echo \"{{ alert.v }}\" | grep -c x", "x={{ alert.v }}; echo $x",
                                 "cat <<EOF\n{{ alert.v }}\nEOF", "ssh {{ alert.host }} uptime", "bash script.sh {{ alert.v }}",
                                 "bash -c 'echo \"$1\"' _ {{ alert.v }}", "awk -v x={{ alert.v }} '{print x}'",
                                 "echo $(( {{ alert.n }} + 1 ))", "sudo systemctl restart {{ alert.service }}",
                                 "{{{ consts.cmd }}} {{ alert.v }}", "curl -s {{ alert.url }} | jq .name"])
def test_validate_accepts_data_in_data_places(cmd):
    assert template_refusals(cmd, True) == []


def test_option_like_values_are_refused_unless_after_double_dash(tmp_path):
    r, _ = _run("ls {v}", "--help", tmp_path, "dash")
    assert r.status == "error" and "read as an option" in r.error
    r, _ = _run("ls -- {v}", "--nonexistent", tmp_path, "dash")
    assert r.status == "success" and "nonexistent" in r.results["sh"][0]["stderr"]
    r, _ = _run("echo {v}", "-5", tmp_path, "false")
    assert r.status == "success" and r.results["sh"][0]["stdout"] == "-5\n"


def test_validate_reports_it(tmp_path):
    from tests.helpers import run_cli

    wf = tmp_path / "w.yml"
    wf.write_text("""workflow:
  id: w
  triggers: [{type: manual}]
  steps:
    - name: s
      provider:
        type: bash
        with:
          command: "sh -c 'echo {{ alert.name }}'"
          shell: true
""")
    res = run_cli("validate", str(wf), cwd=tmp_path)
    assert res.code == 1 and "the script of `sh -c` is shell code" in res.out, res


def test_marker_characters_in_raw_text_are_refused_not_a_crash(tmp_path):
    r = run("""
workflow:
  id: wf
  steps:
    - name: sh
      provider:
        type: bash
        with:
          command: "echo {{{ alert.raw }}} {{ alert.v }}"
          shell: true
""", cwd=str(tmp_path), env={"PATH": "/usr/bin:/bin"}, event=alert(raw="\ue0017\ue002 \ue001", v="x"),
        event_kind="alert")
    assert r.status == "error" and "value markers" in r.error
