"""Hostile input (issue 10 items 3 and 10): YAML alias bombs in every YAML reader, lone surrogates in events.

Each is refused before anything runs, with a clear message and a documented exit code; memory stays bounded (the
bombs run in a child process under a generous address-space limit, not a timed assertion)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import pytest

from tests.engine.loopback import Loopback
from tests.helpers import run_keepwf_process

# the classic billion laughs: 9 levels of 10 aliases → 10^9 strings once expanded
LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
# the same through merge keys, and through one long string repeated (few values, many characters)
MERGES = "a: &a {x0: 1, x1: 2, x2: 3, x3: 4, x4: 5, x5: 6, x6: 7, x7: 8}\n" + "".join(
    f"{c}: &{c} {{<<: [*{p}], y{c}: [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]}}\n" for p, c in zip("abcdefgh", "bcdefghi"))
LONG = "s: &s " + "x" * 1_000_000 + "\nl: &l [" + ",".join(["*s"] * 100) + "]\nm: [" + ",".join(["*l"] * 100) + "]\n"
BOMBS = {"laughs": LAUGHS, "merges": MERGES, "long": LONG}
LIMIT = 1024 * 1024 * 1024  # 1 GiB of address space for a child keepwf: generous; the bomb needs tens of GB


def _limited():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _keepwf(args, cwd, stdin=None):
    return subprocess.run([sys.executable, "-m", "keepwf", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, preexec_fn=_limited, timeout=300)


@pytest.fixture
def deployed(tmp_repo):
    r = tmp_repo
    assert r.cli("deploy", "hello-alert", "-m", "x").code == 0
    return r


@pytest.mark.parametrize("bomb", BOMBS)
def test_alias_bomb_in_an_alert_is_refused(deployed, bomb):
    (deployed.path / "bomb.yml").write_text(BOMBS[bomb] + "name: boom\n")
    p = _keepwf(["run", "hello-alert", "--alert", "bomb.yml"], deployed.path)
    assert p.returncode == 2, p.stderr
    assert "--alert bomb.yml: YAML aliases (*name) expand the document" in p.stderr and "Traceback" not in p.stderr
    p = _keepwf(["trigger", "--alert", "-"], deployed.path, stdin=BOMBS[bomb] + "name: boom\n")
    assert p.returncode == 2 and "alias bomb is refused" in p.stderr
    assert deployed.cli("runs", "--json").json()["runs"] == []  # nothing ran


@pytest.mark.parametrize("bomb", BOMBS)
def test_alias_bomb_in_mocks_and_providers_yaml_is_refused(deployed, bomb):
    (deployed.path / "mocks.yml").write_text(BOMBS[bomb] + "default: {result: 1}\n")
    p = _keepwf(["run", "hello-alert", "--mock", "mocks.yml"], deployed.path)
    assert p.returncode == 2 and "mocks.yml: YAML aliases (*name) expand" in p.stderr, p.stderr
    (deployed.path / "providers.yaml").write_text(BOMBS[bomb] + "slack: {authentication: {}}\n")
    p = _keepwf(["run", "hello-alert"], deployed.path)
    assert p.returncode == 2 and "providers.yaml: YAML aliases (*name) expand" in p.stderr, p.stderr
    assert deployed.cli("runs", "--json").json()["runs"] == []


@pytest.mark.parametrize("bomb", BOMBS)
def test_alias_bomb_in_a_workflows_consts_fails_validation(tmp_repo, bomb):
    r = tmp_repo
    body = "".join("    " + line + "\n" for line in BOMBS[bomb].splitlines())
    r.write("workflows/bomb.yml", "workflow:\n  id: bomb\n  triggers:\n    - type: manual\n  consts:\n" + body +
            "  steps:\n    - name: s\n      provider: {type: console, with: {message: \"{{ consts.i }}\"}}\n")
    p = _keepwf(["validate", "workflows/bomb.yml"], r.path)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "alias bomb is refused" in p.stdout
    r.commit("bomb")
    p = _keepwf(["deploy", "bomb", "-m", "x"], r.path)
    assert p.returncode != 0 and "alias bomb" in p.stdout + p.stderr
    p = _keepwf(["run", "bomb", "--draft"], r.path)
    assert p.returncode == 2 and "Traceback" not in p.stderr and "no workflow 'bomb'" in p.stderr


def test_yaml_anchors_within_limits_still_work(deployed):
    (deployed.path / "a.yml").write_text("base: &b {team: ops}\nlabels: *b\nname: &n DiskFull\nalias_of_name: *n\n")
    res = deployed.cli("run", "hello-alert", "--alert", "a.yml", "--json")
    assert res.code == 0, res
    assert "DiskFull" in res.out


SURROGATES = ['{"name": "x\\ud800"}', '{"name": "ok", "labels": {"t": ["a", "\\udfff"]}}', '{"\\ud800": 1}',
              '{"name": "\\udc80\\ud800"}']


@pytest.mark.parametrize("text", SURROGATES)
def test_lone_surrogate_in_an_alert_is_refused_before_running(deployed, text):
    (deployed.path / "a.json").write_text(text)
    (deployed.path / "workflows/x").mkdir(exist_ok=True)
    res = deployed.cli("run", "hello-alert", "--alert", "a.json")
    assert res.code == 2 and "lone UTF-16 surrogate" in res.err and "nothing was run" in res.err, res
    p = run_keepwf_process("trigger", "--alert", "-", cwd=deployed.path, stdin=text)
    assert p.code == 2 and "lone UTF-16 surrogate" in p.err, p
    assert deployed.cli("runs", "--json").json()["runs"] == []


def test_lone_surrogate_in_an_input_is_refused(deployed):
    res = deployed.cli("run", "hello-alert", "--input", 'who="\\ud800"')
    assert res.code == 2 and "--input: who holds a lone UTF-16 surrogate" in res.err
    assert deployed.cli("runs", "--json").json()["runs"] == []


def test_undecodable_stdin_is_refused(deployed):
    p = subprocess.run([sys.executable, "-m", "keepwf", "trigger", "--alert", "-"], cwd=deployed.path,
                       input=b'{"name": "x\xff\xfe"}', capture_output=True)
    assert p.returncode == 2 and b"not UTF-8 text" in p.stderr, p.stderr


def test_a_surrogate_from_a_provider_is_recorded_escaped(tmp_repo):
    """Data that arrives during the run (an HTTP body escaping \\ud800) never loses the record: it is escaped."""
    r = tmp_repo
    with Loopback() as server:
        r.write("keepwf.toml", (r.path / "keepwf.toml").read_text().replace("allow_private_network = false",
                                                                            "allow_private_network = true"))
        r.write("workflows/s.yml", f"""workflow:
  id: s
  triggers:
    - type: manual
  steps:
    - name: get
      provider: {{type: http, with: {{url: "{server.url}/surrogate", method: GET}}}}
  actions:
    - name: say
      provider: {{type: console, with: {{message: "got {{{{ steps.get.results.body.s }}}}"}}}}
""")
        r.commit("s")
        assert r.cli("deploy", "s", "-m", "x").code == 0
        res = r.cli("run", "s")
    assert res.code == 0, res
    runs = r.cli("runs", "s", "--json").json()["runs"]
    assert len(runs) == 1 and runs[0]["status"] == "success"
    shown = r.cli("runs", "show", runs[0]["run_id"], "--json")
    assert "x\\\\ud800y" in shown.out  # the record holds the escape text, JSON-encoded


@pytest.mark.parametrize("bomb", BOMBS)
def test_alias_bomb_in_a_workflow_file_is_refused_by_fmt_and_disable(tmp_repo, bomb):
    """The round-trip editors (ruamel.yaml, then a comparison of the meaning) must not walk the expansion either."""
    r = tmp_repo
    body = "".join("    " + line + "\n" for line in BOMBS[bomb].splitlines())
    r.write("workflows/bomb.yml", "workflow:\n  id: bomb\n  triggers:\n    - type: manual\n  consts:\n" + body +
            "  steps:\n    - name: s\n      provider: {type: console, with: {message: hi}}\n")
    before = (r.path / "workflows/bomb.yml").read_text()
    p = _keepwf(["fmt", "workflows/bomb.yml"], r.path)
    assert p.returncode in (1, 2) and "alias bomb is refused" in p.stdout + p.stderr, p.stdout + p.stderr
    p = _keepwf(["disable", "bomb", "-m", "x"], r.path)
    assert p.returncode in (1, 2, 3) and "Traceback" not in p.stderr, p.stdout + p.stderr
    assert (r.path / "workflows/bomb.yml").read_text() == before
