"""`keepwf validate`: what a user sees, exit codes, and the bad input it must survive."""

from __future__ import annotations

import subprocess

from tests.helpers import run_cli, workflow_yaml


def _check(folder, *args):
    return run_cli("validate", *args, cwd=folder)


def test_clean_repo_validates_by_default(tmp_repo):
    r = tmp_repo.cli("validate")
    assert r.code == 0, r
    assert "1 file checked (1 workflow): no problems" in r.out


def test_works_from_a_subfolder_and_with_dash_C(tmp_repo):
    sub = tmp_repo.path / "workflows"
    r = run_cli("validate", cwd=sub)
    assert r.code == 0, r
    r = run_cli("-C", str(tmp_repo.path), "validate", "--json")
    assert r.code == 0 and r.json()["files"] == ["workflows/hello-alert.yml"]


def test_error_line_has_location_path_and_hint(tmp_repo):
    tmp_repo.write("workflows/bad.yml", workflow_yaml("bad", message="{{ steps.nope.results }}", steps=2))
    r = tmp_repo.cli("validate")
    assert r.code == 1, r
    assert "workflows/bad.yml:12:20: error: reference to step 'nope', which does not exist [workflow.steps[0].provider.with.message]" in r.out
    assert "    hint: " in r.out
    assert "2 files checked (2 workflows): 2 errors, 0 warnings" in r.out
    assert "Traceback" not in r.out + r.err


def test_json_lists_problem_objects(tmp_repo):
    tmp_repo.write("workflows/bad.yml", "workflow:\n  name: no id\n  steps: [{name: a, provider: {type: console, with: {}}}]\n")
    r = tmp_repo.cli("validate", "--json")
    assert r.code == 1
    data = r.json()
    assert data["ok"] is False and data["summary"] == {"files": 2, "workflows": 2, "errors": 1, "warnings": 0}
    (p,) = data["problems"]
    assert p == {"severity": "error", "file": "workflows/bad.yml", "line": 2, "column": 3, "message": "the workflow has no id",
                 "yaml_path": "workflow.id", "hint": p["hint"], "code": "missing-id"}
    assert r.err == ""


def test_warnings_pass_unless_strict(tmp_repo):
    tmp_repo.write("workflows/w.yml", workflow_yaml("w", extra="\n  descriptin: typo\n"))
    r = tmp_repo.cli("validate")
    assert r.code == 0, r
    assert "warning[unknown-key]: unknown key 'descriptin' in the workflow" in r.out and "did you mean 'description'?" in r.out
    assert tmp_repo.cli("validate", "--strict").code == 1


def test_quiet_prints_only_errors(tmp_repo):
    tmp_repo.write("workflows/w.yml", workflow_yaml("w", extra="\n  descriptin: typo\n"))
    assert tmp_repo.cli("validate", "--quiet").out == ""
    tmp_repo.write("workflows/e.yml", "workflow: [1, 2]\n")
    r = tmp_repo.cli("validate", "-q")
    assert r.code == 1 and r.out.splitlines() == ["workflows/e.yml:1:11: error: workflow must be a mapping, not a list [workflow]"]


def test_path_that_does_not_exist_is_usage_error(tmp_path):
    r = _check(tmp_path, "missing.yml")
    assert r.code == 2
    assert "no such file or folder: missing.yml" in r.err and "Traceback" not in r.err


def test_outside_a_repository_paths_work_without_git(tmp_path):
    (tmp_path / "a.yml").write_text(workflow_yaml("a"))
    r = _check(tmp_path, "a.yml")
    assert r.code == 0, r
    assert not (tmp_path / ".git").exists()


def test_outside_a_repository_without_paths_says_what_to_do(tmp_path):
    r = _check(tmp_path)
    assert r.code == 2
    assert "not inside a git working tree" in r.err and "keepwf validate PATH" in r.err


def test_folder_with_no_workflows_is_a_note_and_exit_0(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.md").write_text("nothing here")
    r = _check(tmp_path, "empty")
    assert r.code == 0, r
    assert "note: no workflow files (*.yml, *.yaml) in empty" in r.out
    assert "0 files checked" in r.out
    assert _check(tmp_path, "empty", "--strict").code == 1


def test_repo_without_workflows_folder(empty_git):
    r = empty_git.cli("validate")
    assert r.code == 0, r
    assert "no workflows folder workflows/" in r.out


def test_keepwf_toml_workflows_folder_is_used(empty_git):
    empty_git.write("keepwf.toml", '[keepwf]\nworkflows = "flows"\n')
    empty_git.write("flows/x.yaml", workflow_yaml("x"))
    empty_git.write("workflows/ignored.yml", "not: [valid")
    r = empty_git.cli("validate", "--json")
    assert r.code == 0, r
    assert r.json()["files"] == ["flows/x.yaml"]


def test_folder_recursion_skips_hidden_folders(tmp_path):
    (tmp_path / "wf" / "team").mkdir(parents=True)
    (tmp_path / "wf" / ".cache").mkdir()
    (tmp_path / "wf" / "team" / "a.yml").write_text(workflow_yaml("a"))
    (tmp_path / "wf" / ".cache" / "junk.yml").write_text("::")
    r = _check(tmp_path, "wf", "--json")
    assert r.json()["files"] == ["wf/team/a.yml"]


def test_duplicate_ids_in_the_workflows_folder_are_errors(tmp_repo):
    """Deployed together, two workflows with one id would collide as deploy tags."""
    tmp_repo.write("workflows/a.yml", workflow_yaml("same"))
    tmp_repo.write("workflows/b.yml", workflow_yaml("same"))
    r = tmp_repo.cli("validate")
    assert r.code == 1
    assert "workflows/b.yml:2:7: error: duplicate workflow id 'same' (also in workflows/a.yml:2)" in r.out


def test_duplicate_ids_in_loose_files_are_warnings(tmp_path):
    """Files outside a workflows folder are never deployed together: the clash is reported, not fatal."""
    (tmp_path / "a.yml").write_text(workflow_yaml("same"))
    (tmp_path / "b.yml").write_text(workflow_yaml("same"))
    r = _check(tmp_path, "a.yml", "b.yml")
    assert r.code == 0
    assert "b.yml:2:7: warning[duplicate-id]: duplicate workflow id 'same' (also in a.yml:2)" in r.out


def test_keep_examples_folder(keep_examples):
    r = run_cli("validate", str(keep_examples), "--json")
    assert r.code == 1
    data = r.json()
    assert data["summary"]["files"] == 113 and data["summary"]["workflows"] == 113
    bad = {p["file"].rsplit("/", 1)[-1] for p in data["problems"] if p["severity"] == "error"}
    assert bad == {"query_clickhouse.yml", "retrieve_cloudwatch_logs.yaml"}
    dup = [p for p in data["problems"] if p["code"] == "duplicate-id"]
    assert [p["severity"] for p in dup] == ["warning"] and dup[0]["file"].endswith("elastic_basic.yml")


def test_broken_keepwf_toml_is_usage_error(empty_git):
    empty_git.write("keepwf.toml", "[keepwf\n")
    r = empty_git.cli("validate")
    assert r.code == 2 and "keepwf.toml: not valid TOML" in r.err


def test_validate_loads_neither_pygit2_nor_rich(tmp_path):
    """Git hooks run `keepwf validate` on every commit: it must stay light (docs/validation.md, bench_validate.py)."""
    import subprocess
    import sys

    (tmp_path / ".git").mkdir()  # looks like a repository to the cheap lookup; pygit2 would reject it
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "a.yml").write_text(workflow_yaml("a"))
    code = "import sys; from keepwf.cli import main; rc = main(['validate']); print(sorted(m for m in ('pygit2', 'rich', 'ruamel.yaml') if m in sys.modules)); sys.exit(rc)"
    cp = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.strip().splitlines()[-1] == "[]"


def test_a_yaml_syntax_error_shows_where_the_parser_gave_up_and_where_the_construct_starts(tmp_repo):
    r = tmp_repo
    r.write("workflows/broken.yml", """workflow:
  id: broken
  steps:
    - name: open-ticket
      provider:
        type: bash
        with:
          command: "pagerctl ticket --title '{{ alert.name }}'
  actions:
    - name: page
      provider:
        type: console
""")
    res = r.cli("validate", "workflows/broken.yml")
    assert res.code == 1
    out = " ".join(res.out.split())
    assert "workflows/broken.yml:13:1: error: not valid YAML: found unexpected end of stream" in out
    assert "(while scanning a quoted scalar that starts at 8:20)" in out
    assert "hint: the problem is between line 8 and line 13" in out


SLACK = """workflow:
  id: notify
  triggers:
    - type: manual
  actions:
    - name: tell
      provider:
        type: servicenow
        with:
          message: hello
"""  # a provider keepwf does not run itself


def test_warnings_show_their_code_and_validate_ignore_leaves_them_out_everywhere(tmp_repo):
    r = tmp_repo
    r.write("workflows/notify.yml", SLACK)
    res = r.cli("validate", "--strict")
    assert res.code == 1 and "warning[offline-provider]" not in res.out  # --strict: it is an error
    res = r.cli("validate")
    assert res.code == 0 and ": warning[offline-provider]: " in res.out
    r.write("keepwf.toml", (r.path / "keepwf.toml").read_text() + '\n[validate]\nignore = ["offline-provider"]\n')
    res = r.cli("validate", "--strict")
    assert res.code == 0 and "offline-provider" not in res.out, res
    r.git("add", "-A")
    assert r.cli("hooks", "install").code == 0
    cp = subprocess.run(["git", "commit", "-qm", "notify"], cwd=r.path, capture_output=True, text=True)
    assert cp.returncode == 0 and "offline-provider" not in cp.stderr, cp.stderr  # no warning on every commit
    r.write("keepwf.toml", (r.path / "keepwf.toml").read_text().replace('ignore = ["offline-provider"]', "ignore = [3]"))
    res = r.cli("validate")
    assert res.code == 2 and "validate › ignore › must be a list of warning codes" in res.err
