import json

import pytest

from tests.helpers import run_cli


def test_version():
    r = run_cli("--version")
    assert r.code == 0 and r.out.startswith("keepwf ")


def test_help_lists_commands():
    r = run_cli("--help")
    assert r.code == 0
    assert "init" in r.out


def test_help_lists_each_command_with_its_whole_first_sentence():
    """click cuts a command's summary at ~45 characters ("Run every deployed workflow of the env whose...")."""
    r = run_cli("--help")
    text = " ".join(r.out.split())
    assert "...\n" not in r.out.split("Commands:", 1)[1]
    assert "trigger Run every deployed workflow of the env whose triggers match the alert (filters / CEL) or incident" in text
    assert "hooks Git hooks: pre-commit validates staged workflows, pre-push refuses moved or deleted deploy tags" in text


def test_unknown_command_is_usage_error():
    r = run_cli("no-such-command")
    assert r.code == 2
    assert "Traceback" not in r.err


def test_dash_C_to_missing_folder(tmp_path):
    r = run_cli("-C", str(tmp_path / "nope"), "init")
    assert r.code == 2
    assert "no such folder" in r.err
    assert not (tmp_path / "nope").exists()


def test_init_creates_layout(tmp_path):
    r = run_cli("init", str(tmp_path / "proj"))
    assert r.code == 0, r
    assert (tmp_path / "proj" / "keepwf.toml").is_file()
    assert (tmp_path / "proj" / "workflows" / "hello-alert.yml").is_file()
    assert (tmp_path / "proj" / ".git").is_dir()
    # adopting again keeps everything and says so
    r2 = run_cli("-C", str(tmp_path / "proj"), "init", "--json")
    assert r2.code == 0
    data = r2.json()
    assert data["created_repo"] is False and "keepwf.toml" in data["kept"]


def test_dash_C_after_command(tmp_path):
    (tmp_path / "p").mkdir()
    r = run_cli("init", "--json", "-C", str(tmp_path / "p"))
    assert r.code == 0, r
    assert r.json()["root"] == str((tmp_path / "p").resolve())


def test_help_does_not_import_pygit2():
    """Startup matters (git hooks run keepwf): --help must not pay for pygit2."""
    import subprocess
    import sys

    code = "import sys; from keepwf.cli import main; main(['--help']); print('pygit2' in sys.modules, file=sys.stderr)"
    cp = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert cp.stderr.strip().splitlines()[-1] == "False", cp.stderr


def test_json_errors_are_a_json_document_on_stdout_too(tmp_repo):
    res = tmp_repo.cli("run", "nope", "--json")
    assert res.code == 2 and "unknown workflow 'nope'" in res.err  # stderr as always
    assert res.json() == {"error": "unknown workflow 'nope' (not in the working tree and never deployed)",
                          "hint": "run `keepwf list` to see the workflow ids", "exit": 2}
    res = tmp_repo.cli("runs", "--bogus", "--json")
    assert res.code == 2 and res.json()["exit"] == 2 and "--bogus" in res.json()["error"]
    assert res.json()["hint"] == "keepwf runs list --help shows the usage"
    res = tmp_repo.cli("run", "nope")  # without --json: nothing on stdout
    assert res.code == 2 and res.out == ""
    res = tmp_repo.cli("deploy", "hello-alert", "-m", "x", "--json")  # a JSON result is printed once, not twice
    assert res.code == 0 and json.loads(res.out)["ok"] is True


@pytest.mark.parametrize("words", [[], ["run"], ["runs"], ["runs", "list"], ["hooks"], ["hooks", "install"], ["deploy"]])
def test_every_help_is_the_same_plain_style_at_the_terminal_width(words, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    res = run_cli(*words, "--help")
    assert res.code == 0 and res.out.startswith("Usage: keepwf")
    assert "╭" not in res.out and "│" not in res.out  # no rich panels in one and plain text in another
    assert max(len(x) for x in res.out.splitlines()) > 80  # the terminal's width, not click's 80 columns
    assert max(len(x) for x in res.out.splitlines()) <= 120
