"""Issue 10 #12: user input never reaches git as an option (``keepwf sync -- '--upload-pack=touch P'``)."""

from __future__ import annotations

import pytest

from keepwf.errors import UsageError
from keepwf.store import gitcli


@pytest.mark.parametrize("remote", ["--upload-pack=touch {p}", "--upload-pack=touch {p};", "-u touch {p}",
                                    "--receive-pack=touch {p}", "--exec=touch {p}"])
def test_sync_refuses_a_remote_that_git_would_read_as_an_option(tmp_repo, tmp_path, remote):
    marker = tmp_path / "pwned"
    r = tmp_repo.cli("sync", "--", remote.format(p=marker))
    assert r.code == 2, r
    assert "starts with '-'" in r.err and "remote" in r.err
    assert not marker.exists()


def test_a_remote_is_passed_after_double_dash(tmp_repo, tmp_path, monkeypatch):
    """Even past the check, git sees the remote as a repository, never as an option."""
    from keepwf.store.repo import Repo

    seen = []
    real = Repo.git

    def spy(self, *args, **kw):
        seen.append(args)
        return real(self, *args, **kw)

    from tests.helpers import workflow_yaml

    tmp_repo.write("workflows/pager.yml", workflow_yaml("pager"))
    tmp_repo.commit("pager")
    assert tmp_repo.cli("deploy", "pager", "-m", "first").code == 0
    monkeypatch.setattr(Repo, "git", spy)
    other = tmp_path / "other.git"
    tmp_repo.git("init", "-q", "--bare", str(other))
    r = tmp_repo.cli("sync", str(other))
    assert r.code == 0, r
    for args in seen:
        if args[0] in ("fetch", "push"):
            assert args[args.index(str(other)) - 1] == "--", args


@pytest.mark.parametrize("call", [lambda: gitcli.changed_between("--output=/tmp/x", "HEAD"),
                                  lambda: gitcli.files_in_tree("--output=/tmp/x"),
                                  lambda: gitcli.rev_exists("--help")])
def test_hook_git_reads_refuse_revisions_that_look_like_options(call):
    with pytest.raises(UsageError):
        call()


def test_init_of_a_folder_named_like_an_option_creates_that_folder(tmp_path):
    """`keepwf init -- --template=DIR` must create a folder of that name, not make git copy DIR's hooks."""
    from tests.helpers import run_cli

    evil = tmp_path / "evil"
    (evil / "hooks").mkdir(parents=True)
    (evil / "hooks" / "post-checkout").write_text("#!/bin/sh\ntouch pwned\n")
    r = run_cli("init", "--", f"--template={evil}", cwd=tmp_path)
    assert r.code == 0, r
    made = tmp_path / f"--template={evil}"
    assert (made / ".git").is_dir()
    assert not (made / ".git" / "hooks" / "post-checkout").exists()
