"""The run log in git: chains + bounded notes, reading newest first, imports, merging two clones."""

from __future__ import annotations

import itertools
import subprocess

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwf.model.runrecord import decode_lines
from keepwf.store.repo import Repo
from keepwf.store.runlog import NOTE_KEEP, RunLog, import_records
from keepwf.store.runmerge import merge_from
from tests.runlog_helpers import make_record


def _repo(git_repo) -> Repo:
    return Repo.discover(git_repo.path)


def test_append_read_newest_first_and_by_version(tmp_repo):
    repo = _repo(tmp_repo)
    head = repo.head_commit()
    log = RunLog(repo)
    recs = [make_record(i, version=f"v{1 + i % 3}", commit=head) for i in range(30)]
    for r in recs:
        log.append(r)
    got = list(log.iter_runs())
    assert [r["run_id"] for r in got] == [r["run_id"] for r in reversed(recs)]
    v2 = list(log.iter_runs("production", "wf1", "v2"))
    assert [r["run_id"] for r in v2] == [r["run_id"] for r in reversed(recs) if r["version"] == "v2"]
    assert list(log.iter_runs(workflow="other")) == []
    # the note on the deployed commit: valid git note, bounded, the newest runs
    shown = tmp_repo.git("notes", "--ref", "keepwf/runs", "show", head)
    lines = decode_lines(shown)
    assert len(lines) == NOTE_KEEP
    assert [r["run_id"] for r in lines] == [r["run_id"] for r in recs[-NOTE_KEEP:]]
    assert tmp_repo.git("fsck", "--no-dangling", "--no-progress") == ""


def test_find_by_prefix(tmp_repo):
    log = RunLog(_repo(tmp_repo))
    recs = [make_record(i) for i in range(5)]
    for r in recs:
        log.append(r)
    assert log.find(recs[2]["run_id"][:14].lower()) == [recs[2]]
    assert log.find(recs[2]["run_id"]) == [recs[2]]
    assert log.find("ZZZZ") == []
    assert len(log.find(recs[0]["run_id"][:2])) == 5


def test_drafts_are_apart(tmp_repo):
    repo = _repo(tmp_repo)
    RunLog(repo).append(make_record(1, commit=repo.head_commit()))
    RunLog(repo, "drafts").append(make_record(2, draft=True, commit=repo.head_commit()))
    assert [r["draft"] for r in RunLog(repo).iter_runs()] == [False]
    assert [r["draft"] for r in RunLog(repo, "drafts").iter_runs()] == [True]
    assert "draft" in tmp_repo.git("notes", "--ref", "keepwf/drafts", "show", "HEAD")


def test_import_is_idempotent_and_keeps_order(tmp_repo):
    repo = _repo(tmp_repo)
    log = RunLog(repo)
    new = [make_record(i) for i in range(10, 15)]
    for r in new:
        log.append(r)
    old = [make_record(i) for i in range(5)]
    assert import_records(repo, old + new) == (5, 5)
    assert import_records(repo, old + new) == (0, 10)
    got = [r["started"] for r in log.iter_runs()]
    assert len(got) == 10 and got == sorted(got, reverse=True)


def test_git_written_notes_and_fanout_mix(tmp_repo):
    """A note git wrote (flat path) and keepwf's (fanout path) on the same commit are both read, never lost."""
    repo = _repo(tmp_repo)
    head = repo.head_commit()
    first = make_record(1, commit=head)
    from keepwf.model.runrecord import encode_line

    tmp_repo.git("notes", "--ref", "keepwf/runs", "add", "-m", encode_line(first), head)
    second = make_record(2, commit=head)
    RunLog(repo).append(second)
    assert [r["run_id"] for r in RunLog(repo).note(head)] == [first["run_id"], second["run_id"]]
    shown = decode_lines(tmp_repo.git("notes", "--ref", "keepwf/runs", "show", head))
    assert second["run_id"] in {r["run_id"] for r in shown}


def _clone(tmp_path, bare, name):
    from tests.helpers import GitRepo

    p = tmp_path / name
    subprocess.run(["git", "clone", "-q", str(bare), str(p)], check=True)
    return GitRepo(p)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 6), st.integers(0, 6), st.integers(0, 4))
def test_merging_two_clones_loses_nothing_duplicates_nothing(tmp_path_factory, n_a, n_b, n_both):
    tmp = tmp_path_factory.mktemp("m")
    a = tmp / "a"
    subprocess.run(["git", "init", "-q", str(a)], check=True)
    subprocess.run(["git", "-C", str(a), "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    b = tmp / "b"
    subprocess.run(["git", "clone", "-q", str(a), str(b)], check=True)
    ra, rb = Repo.discover(a), Repo.discover(b)
    head = ra.head_commit()
    counter = itertools.count()
    both = [make_record(next(counter), commit=head, version="v1") for _ in range(n_both)]
    for r in both:
        RunLog(ra).append(r)
    subprocess.run(["git", "-C", str(b), "fetch", "-q", str(a), "+refs/keepwf/*:refs/keepwf/*", "+refs/notes/*:refs/notes/*"], check=True)
    only_a = [make_record(next(counter), commit=head, version=v) for v in ["v1", "v2"] * n_a]
    only_b = [make_record(next(counter), commit=head, version=v) for v in ["v1", "v3"] * n_b]
    for r in only_a:
        RunLog(ra).append(r)
    for r in only_b:
        RunLog(rb).append(r)
    subprocess.run(["git", "-C", str(a), "fetch", "-q", str(b), "+refs/keepwf/runs/*:refs/keepwf/remotes/b/keepwf/runs/*",
                    "+refs/notes/keepwf/*:refs/keepwf/remotes/b/notes/keepwf/*"], check=True)
    merge_from(ra, "refs/keepwf/remotes/b/")
    merge_from(ra, "refs/keepwf/remotes/b/")  # twice: idempotent
    got = [r["run_id"] for r in RunLog(ra).iter_runs()]
    assert sorted(got) == sorted(r["run_id"] for r in both + only_a + only_b)
    assert len(got) == len(set(got))
    for v in ("v1", "v2", "v3"):
        want = [r for r in both + only_a + only_b if r["version"] == v]
        assert {r["run_id"] for r in RunLog(ra).iter_runs("production", "wf1", v)} == {r["run_id"] for r in want}
    note_ids = [r["run_id"] for r in RunLog(ra).note(head)]
    assert len(note_ids) == len(set(note_ids)) == min(NOTE_KEEP, len(both + only_a + only_b))


def test_git_cat_sort_uniq_merges_two_clones_notes(tmp_path):
    """The contract for other tools: plain `git notes merge -s cat_sort_uniq` of keepwf notes keeps every run once."""
    a = tmp_path / "a"
    subprocess.run(["git", "init", "-q", str(a)], check=True)
    subprocess.run(["git", "-C", str(a), "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    b = tmp_path / "b"
    subprocess.run(["git", "clone", "-q", str(a), str(b)], check=True)
    ra, rb = Repo.discover(a), Repo.discover(b)
    head = ra.head_commit()
    shared = make_record(0, commit=head)
    RunLog(ra).append(shared)
    subprocess.run(["git", "-C", str(b), "fetch", "-q", str(a), "+refs/notes/keepwf/runs:refs/notes/keepwf/runs"], check=True)
    mine = [make_record(i, commit=head) for i in (1, 4)]
    theirs = [make_record(i, commit=head) for i in (2, 3)]
    for r in mine:
        RunLog(ra).append(r)
    for r in theirs:
        RunLog(rb).append(r)
    subprocess.run(["git", "-C", str(a), "fetch", "-q", str(b), "+refs/notes/keepwf/runs:refs/notes/theirs"], check=True)
    subprocess.run(["git", "-C", str(a), "notes", "--ref", "keepwf/runs", "merge", "-q", "-s", "cat_sort_uniq", "refs/notes/theirs"], check=True)
    shown = subprocess.run(["git", "-C", str(a), "notes", "--ref", "keepwf/runs", "show", head], capture_output=True, text=True, check=True).stdout
    ids = [r["run_id"] for r in decode_lines(shown)]
    assert ids == [r["run_id"] for r in sorted([shared, *mine, *theirs], key=lambda r: r["started"])]
    assert [r["run_id"] for r in RunLog(ra).note(head)] == ids  # and keepwf reads the git-merged note
