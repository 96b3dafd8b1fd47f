"""Reviews as data in git: keepwf approve / reviews, and the approvals item of the deploy checklist."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import GitRepo, workflow_yaml


def as_user(monkeypatch, name: str, email: str) -> None:
    for k, v in {"GIT_AUTHOR_NAME": name, "GIT_COMMITTER_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_EMAIL": email}.items():
        monkeypatch.setenv(k, v)


@pytest.fixture
def gated(tmp_repo: GitRepo) -> GitRepo:
    """production needs 1 approval."""
    cfg = (tmp_repo.path / "keepwf.toml").read_text().replace("approvals = 0", "approvals = 1")
    tmp_repo.write("keepwf.toml", cfg)
    tmp_repo.commit("production needs one approval")
    return tmp_repo


def test_approve_records_a_json_line_on_the_blob(tmp_repo):
    r = tmp_repo.cli("approve", "hello-alert", "-m", "looks  good", "--json")
    assert r.code == 0, r
    data = r.json()
    blob = tmp_repo.git("rev-parse", "HEAD:workflows/hello-alert.yml")
    assert data["blob"] == blob and data["reviewer"]["email"] == "ada@example.com" and data["message"] == "looks good"
    note = tmp_repo.git("notes", "--ref", "keepwf/reviews", "show", blob)
    (line,) = note.splitlines()
    assert line.startswith('{"time":"20') and json.loads(line)["v"] == 1
    again = tmp_repo.cli("approve", "hello-alert", "--json").json()
    assert again["already_approved"] is True
    assert len(tmp_repo.git("notes", "--ref", "keepwf/reviews", "show", blob).splitlines()) == 1
    lst = tmp_repo.cli("reviews", "hello-alert", "--json").json()
    assert [x["reviewer"]["email"] for x in lst["reviews"]] == ["ada@example.com"]
    assert lst["reviews"][0]["at_head"] is True
    human = tmp_repo.cli("reviews", "hello-alert")
    assert human.code == 0 and "ada@example.com" in human.out and "HEAD" in human.out


def test_approve_bad_input(tmp_repo):
    r = tmp_repo.cli("approve", "hello-alrt")
    assert r.code == 2 and "did you mean hello-alert" in r.err, r
    r = tmp_repo.cli("approve", "hello-alert", "no-such-ref")
    assert r.code == 2 and "does not name a commit" in r.err
    assert tmp_repo.cli("deploy", "hello-alert").code == 0
    tmp_repo.write("workflows/hello-alert.yml", workflow_yaml("hello-alert", "changed"))
    tmp_repo.commit("change")
    r = tmp_repo.cli("approve", "hello-alert", "deployed", "--json")  # a version REF: the deployed content
    assert r.code == 0, r
    assert r.json()["commit"] == tmp_repo.git("rev-parse", "HEAD~1")
    assert tmp_repo.cli("reviews", "nope").code == 2


def test_deployer_cannot_approve_their_own_change(gated, monkeypatch):
    assert gated.cli("approve", "hello-alert").code == 0  # Ada approves her own change...
    r = gated.cli("deploy", "hello-alert", "--env", "production")
    assert r.code == 3, r  # ...and it does not count when Ada deploys
    assert "your own approval does not count" in (r.out + r.err)
    assert gated.git("tag", "-l") == ""
    as_user(monkeypatch, "Bob Reviewer", "bob@example.com")
    assert gated.cli("approve", "hello-alert", "-m", "ok").code == 0
    as_user(monkeypatch, "Ada Tester", "ada@example.com")
    r = gated.cli("deploy", "hello-alert", "--env", "production")
    assert r.code == 0, r
    assert "bob@example.com" in r.out
    assert gated.git("tag", "-l") == "keepwf/production/hello-alert/v1"


def test_approval_follows_content_across_branches_not_edits(gated, monkeypatch):
    gated.git("checkout", "-q", "-b", "feature")
    gated.write("workflows/hello-alert.yml", workflow_yaml("hello-alert", "v2"))
    gated.commit("edit")
    as_user(monkeypatch, "Bob Reviewer", "bob@example.com")
    assert gated.cli("approve", "hello-alert", "feature").code == 0
    as_user(monkeypatch, "Ada Tester", "ada@example.com")
    gated.git("checkout", "-q", "main")
    gated.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")  # new commit, same blob: still approved
    assert gated.cli("deploy", "hello-alert", "--env", "production").code == 0
    gated.write("workflows/hello-alert.yml", workflow_yaml("hello-alert", "v3"))
    gated.commit("edit after review")
    r = gated.cli("deploy", "hello-alert", "--env", "production", "--dry-run")
    assert r.code == 3 and "has 0" in (r.out + r.err), r
    assert gated.cli("deploy", "hello-alert", "--env", "staging").code == 0  # staging needs none


def test_concurrent_approvals_are_all_kept(tmp_repo):
    procs = []
    for i in range(6):
        env = {**os.environ, "GIT_COMMITTER_EMAIL": f"r{i}@example.com", "GIT_COMMITTER_NAME": f"R{i}"}
        procs.append(subprocess.Popen([sys.executable, "-m", "keepwf", "approve", "hello-alert"], cwd=tmp_repo.path,
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    emails = {x["reviewer"]["email"] for x in tmp_repo.cli("reviews", "hello-alert", "--json").json()["reviews"]}
    assert emails == {f"r{i}@example.com" for i in range(6)}


def test_reviews_from_two_clones_merge_by_union(tmp_repo, tmp_path, monkeypatch):
    other = GitRepo(tmp_path / "other")
    subprocess.run(["git", "clone", "-q", str(tmp_repo.path), str(other.path)], check=True)
    assert tmp_repo.cli("approve", "hello-alert").code == 0
    as_user(monkeypatch, "Bob Reviewer", "bob@example.com")
    assert other.cli("approve", "hello-alert").code == 0
    other.git("fetch", "-q", str(tmp_repo.path), "refs/notes/keepwf/reviews:refs/notes/keepwf/theirs")
    other.git("notes", "--ref", "keepwf/reviews", "merge", "-q", "-s", "cat_sort_uniq", "refs/notes/keepwf/theirs")
    emails = [x["reviewer"]["email"] for x in other.cli("reviews", "hello-alert", "--json").json()["reviews"]]
    assert sorted(emails) == ["ada@example.com", "bob@example.com"]


def test_reader_skips_foreign_lines(tmp_repo):
    blob = tmp_repo.git("rev-parse", "HEAD:workflows/hello-alert.yml")
    tmp_repo.git("notes", "--ref", "keepwf/reviews", "add", "-m", "not json at all\n{\"broken\": ", blob)
    assert tmp_repo.cli("approve", "hello-alert").code == 0
    lst = tmp_repo.cli("reviews", "hello-alert", "--json").json()
    assert len(lst["reviews"]) == 1
    assert "not json at all" in tmp_repo.git("notes", "--ref", "keepwf/reviews", "show", blob)  # nothing dropped


def test_sync_carries_reviews_both_ways(tmp_repo, tmp_path, monkeypatch):
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(tmp_repo.path), str(origin)], check=True)
    tmp_repo.git("remote", "add", "origin", str(origin))
    other = GitRepo(tmp_path / "other")
    subprocess.run(["git", "clone", "-q", str(origin), str(other.path)], check=True)
    assert tmp_repo.cli("approve", "hello-alert").code == 0
    r = tmp_repo.cli("sync")
    assert r.code == 0, r
    as_user(monkeypatch, "Bob Reviewer", "bob@example.com")
    assert other.cli("approve", "hello-alert", "-m", "from the other clone").code == 0
    r = other.cli("sync")  # both sides have a reviews note now: merged, then pushed without force
    assert r.code == 0, r
    assert tmp_repo.cli("sync").code == 0
    for clone in (tmp_repo, other):
        emails = sorted(x["reviewer"]["email"] for x in clone.cli("reviews", "hello-alert", "--json").json()["reviews"])
        assert emails == ["ada@example.com", "bob@example.com"]


def test_runs_approvals_and_deploy_tags_take_who_from_one_identity_source(tmp_repo, monkeypatch):
    r = tmp_repo
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Carol Ci")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "carol@example.com")  # user.email in the config is ada@example.com
    assert r.cli("deploy", "hello-alert", "-m", "first").code == 0
    assert r.cli("approve", "hello-alert").code == 0
    run = r.cli("run", "hello-alert", "--json").json()
    approvals = r.cli("reviews", "hello-alert", "--json").json()
    tagger = r.git("for-each-ref", "--format=%(taggeremail)", "refs/tags/keepwf/production/hello-alert/v1")
    assert run["user"] == "carol@example.com"
    assert "carol@example.com" in str(approvals) and "ada@example.com" not in str(approvals)
    assert tagger == "<carol@example.com>"
