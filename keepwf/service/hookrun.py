"""What each keepwf git hook does once its shell script decided Python is needed.

- pre-commit / pre-merge-commit: validate the *staged* workflow files (the index, never the working tree), with the
  staged ``keepwf.toml``; errors block, warnings are printed.
- pre-push: refuse to delete or move a deploy tag that exists on the remote (except the deletions keepwf's audited
  prune made, see ``service.prunetrust``); validate the workflows changed on the pushed branches (read from the
  pushed commits); with ``[hooks] pre_push_tests = true``, run the workflow tests (``keepwf test``, on the working
  copy) and refuse the push when one fails.
- pre-receive (bare repositories): refuse deploy-tag deletions (but a prune's) and moves server-side; the prune
  archive is write-once and the audit chain append-only.
- post-checkout / post-merge: one line when checked-out workflows differ from what is deployed.

Reads go through the git CLI (``store.gitcli``): no pygit2 on the commit path, and rich is never imported here.
Only post-checkout/post-merge (run when deploy tags exist) use the versions service, hence pygit2.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from keepwf.config import CONFIG_FILE, Config, parse_config
from keepwf.store import gitcli

TAG_PREFIX = "refs/tags/keepwf/"
ALLOW_TAG_REWRITE = "KEEPWF_ALLOW_TAG_REWRITE"


@dataclass
class HookOutcome:
    hook: str
    code: int = 0
    checked: list[str] = field(default_factory=list)  # files validated
    problems: list = field(default_factory=list)  # keepwf.model.Problem
    refusals: list[str] = field(default_factory=list)  # why the operation is refused
    notes: list[str] = field(default_factory=list)  # informational lines
    hint: str | None = None

    @property
    def errors(self) -> list:
        return [p for p in self.problems if p.severity == "error"]


def _is_zero(sha: str) -> bool:
    return not sha.strip("0")


def _config(data: bytes | None, source: str) -> Config:
    if data is None:
        return Config()
    return parse_config(data.decode("utf-8", "replace"), source)


def _in_workflows(path: str, config: Config) -> bool:
    from keepwf.workflow.loader import is_workflow_file

    folder = config.workflows_dir.strip("/")
    return is_workflow_file(path) and (folder in ("", ".") or path.startswith(folder + "/"))


def validate(sources: dict[str, bytes], config: Config):
    """The validator on ``{path: bytes}`` (per-file rules plus cross-file checks among these files)."""
    from keepwf.workflow import validate_sources

    return validate_sources(sources, config)


def _check(out: HookOutcome, sources: dict[str, bytes], config: Config):
    if not sources:
        return None
    res = validate(sources, config)
    out.checked.extend(sources)
    out.problems.extend(res.problems)
    if res.errors:
        out.code = 1
    return res


def pre_commit(hook: str = "pre-commit", cwd=None) -> HookOutcome:
    out = HookOutcome(hook)
    changed = gitcli.staged_changes(cwd, gitcli.WORKFLOW_PATHSPECS + (CONFIG_FILE,))
    if not changed:
        return out
    names = [":" + CONFIG_FILE] + [":" + p for p in changed if p != CONFIG_FILE]
    blobs = gitcli.read_objects(names, cwd)
    config = _config(blobs.get(":" + CONFIG_FILE), f"{CONFIG_FILE} (staged)")
    sources = {p: blobs[":" + p] for p in changed if _in_workflows(p, config) and blobs.get(":" + p) is not None}
    res = _check(out, sources, config)
    if res is not None:
        _duplicates_elsewhere(out, sources, {d.id for d in res.docs if d.id}, config, cwd)
    if out.code:
        out.hint = "fix the staged files, `git add` them and commit again (skip this check once: git commit --no-verify)"
    return out


def _duplicates_elsewhere(out: HookOutcome, sources: dict[str, bytes], ids: set[str], config: Config, cwd) -> None:
    """A staged workflow whose id is already used by another (unstaged) workflow file: found with one ``git grep``
    over the index, confirmed by the validator on just those files."""
    import re

    pats = [r"^\s*id:\s*[\"']?" + re.escape(i) + r"[\"']?\s*(#.*)?$" for i in sorted(ids)]
    others = [p for p in gitcli.grep_index(pats, config.workflows_dir, cwd) if p not in sources and _in_workflows(p, config)]
    if not others:
        return
    blobs = gitcli.read_objects([":" + p for p in others], cwd)
    both = {p: blobs[":" + p] for p in others if blobs.get(":" + p) is not None} | sources
    dups = [p for p in validate(both, config).problems if p.code == "duplicate-id" and p.file in sources]
    known = {(p.file, p.line, p.message) for p in out.problems}
    out.problems.extend(p for p in dups if (p.file, p.line, p.message) not in known)
    if dups:
        out.code = 1


def _tag_refusals(updates: list[tuple[str, str, str]], what_remote: str) -> list[str]:
    """``updates`` = (ref, old SHA on the remote, new SHA); a keepwf tag that exists there may not change."""
    out = []
    for ref, old, new in updates:
        if not ref.startswith(TAG_PREFIX) or _is_zero(old) or old == new:
            continue
        verb = "delete" if _is_zero(new) else "move"
        out.append(f"refusing to {verb} deploy tag {ref.removeprefix('refs/tags/')} on {what_remote}: "
                   "deploy tags are never moved or deleted (a rollback is a new version)")
    return out


def _pruned_here(updates: list[tuple[str, str, str]], archive: dict[str, str], audit_tip: str | None, cwd) -> list:
    """The updates left once the deletions that propagate keepwf's audited prune are taken out (service.prunetrust)."""
    from keepwf.service import prunetrust

    dels = prunetrust.pushed_deletions(updates)
    if not dels:
        return updates
    bad = {ref for ref, _why in prunetrust.untrusted_deletions(dels, archive, audit_tip, cwd)}
    trusted = {ref for ref, _old in dels} - bad
    return [u for u in updates if u[0] not in trusted]


def pre_push(remote: str, url: str, stdin: str, cwd=None) -> HookOutcome:
    out = HookOutcome("pre-push")
    pushes = [ln.split() for ln in stdin.splitlines() if len(ln.split()) == 4]
    updates = [(r_ref, r_sha, l_sha) for _l_ref, l_sha, r_ref, r_sha in pushes]
    if any(_is_zero(new) for _r, _o, new in updates):  # a prune propagating (keepwf sync) is the one deletion allowed
        from keepwf.service import prunetrust

        # as things will be once pushed: the push itself may carry the archive and the prune record (keepwf prune
        # with push = true pushes them before its local transaction commits)
        updates = _pruned_here(updates, prunetrust.archive_after(updates, cwd), prunetrust.audit_after(updates, cwd), cwd)
    refusals = _tag_refusals(updates, remote or url)
    if refusals and os.environ.get(ALLOW_TAG_REWRITE) == "1":
        out.notes += [r.replace("refusing to", f"allowed by {ALLOW_TAG_REWRITE}=1:", 1) for r in refusals]
    elif refusals:
        out.refusals = refusals
        out.code = 1
        out.hint = ("push without those tags; old versions are removed with `keepwf prune` then `keepwf sync` (the one "
                    f"deletion accepted); a deliberate exception: `{ALLOW_TAG_REWRITE}=1 git push ...`")
    out.notes += _foreign_new_tags([(r_ref, l_sha) for _l, l_sha, r_ref, r_sha in pushes
                                    if r_ref.startswith(TAG_PREFIX) and _is_zero(r_sha) and not _is_zero(l_sha)], cwd)
    run_tests = False
    for _l_ref, l_sha, r_ref, r_sha in pushes:
        if _is_zero(l_sha) or not r_ref.startswith("refs/heads/"):
            continue
        cfg_blob = gitcli.read_objects([f"{l_sha}:{CONFIG_FILE}"], cwd)[f"{l_sha}:{CONFIG_FILE}"]
        config = _config(cfg_blob, f"{CONFIG_FILE} (in {l_sha[:12]})")
        run_tests = run_tests or config.pre_push_tests
        if not _is_zero(r_sha) and gitcli.rev_exists(r_sha, cwd):
            paths = gitcli.changed_between(r_sha, l_sha, cwd, gitcli.WORKFLOW_PATHSPECS)
        else:
            paths = list(gitcli.files_in_tree(l_sha, config.workflows_dir, cwd))
        paths = [p for p in paths if _in_workflows(p, config)]
        blobs = gitcli.read_objects([f"{l_sha}:{p}" for p in paths], cwd)
        sources = {p: blobs[f"{l_sha}:{p}"] for p in paths if blobs.get(f"{l_sha}:{p}") is not None}
        before = out.code
        _check(out, sources, config)
        if out.code and not before:
            out.refusals.append(f"{r_ref.removeprefix('refs/heads/')}: workflows in {l_sha[:12]} do not validate")
            out.hint = out.hint or "fix them in a new commit and push again (git push --no-verify skips every check)"
    if run_tests and not out.code:
        _workflow_tests(out, cwd)
    return out


def _workflow_tests(out: HookOutcome, cwd) -> None:
    """``keepwf test`` on the working copy (only when enabled: it loads the engine)."""
    from pathlib import Path

    from keepwf.service.wftests import run_tests
    from keepwf.store.repo import Repo

    report = run_tests(Repo.discover(Path(cwd or os.getcwd())), [])
    for c in report.cases:
        if not c.ok:
            out.refusals.append(f"workflow test failed: {c.workflow} › {c.name}: {(c.error or c.failures[0])}")
    out.notes.append(f"keepwf pre-push: {len(report.cases) - report.failed} workflow test(s) passed"
                     + (f", {report.failed} failed" if report.failed else ""))
    if report.failed:
        out.code = 1
        out.hint = "keepwf test shows every failure; fix and push again (git push --no-verify skips every check)"


def _foreign_new_tags(new_tags: list[tuple[str, str]], cwd) -> list[str]:
    """Warnings for new deploy-tag refs that keepwf did not make (lightweight, or no Keepwf-* trailers)."""
    if not new_tags:
        return []
    objs = gitcli.read_objects([sha for _ref, sha in new_tags], cwd)
    out = []
    for ref, sha in new_tags:
        data = objs.get(sha) or b""
        if not data.startswith(b"object ") or b"\nKeepwf-Workflow: " not in data:
            out.append(f"keepwf pre-push: warning: {ref.removeprefix('refs/tags/')} was not made by keepwf "
                       "(lightweight or without Keepwf-* trailers); keepwf will report it as foreign, never trust it")
    return out


def pre_receive(stdin: str, cwd=None) -> HookOutcome:
    from keepwf.service import prunetrust

    out = HookOutcome("pre-receive")
    updates = [(ref, old, new) for old, new, ref in (ln.split() for ln in stdin.splitlines() if len(ln.split()) == 3)]
    out.refusals = prunetrust.record_refusals(updates, cwd)
    dels = prunetrust.pushed_deletions(updates)
    untrusted = dict(prunetrust.untrusted_deletions(dels, prunetrust.archive_after(updates, cwd),
                                                    prunetrust.audit_after(updates, cwd), cwd)) if dels else {}
    for u in updates:
        if u[0] in {r for r, _o in dels} and u[0] not in untrusted:
            continue  # a prune propagating: archived and recorded on the audit chain
        out.refusals += [r + (f" ({untrusted[u[0]]})" if u[0] in untrusted else "") for r in _tag_refusals([u], "this repository")]
    if out.refusals:
        out.code = 1
        out.hint = ("deploy tags are append-only here; deploy or roll back with keepwf to make a new version, and "
                    "remove old versions with `keepwf prune` then `keepwf sync` (the one deletion accepted)")
    return out


def deployed_drift(cwd=None) -> list[tuple[str, str]]:
    """``(env, workflow)`` pairs whose deployed file (the newest version keepwf trusts) differs from HEAD's."""
    from pathlib import Path

    from keepwf.service.versions import deployed_versions
    from keepwf.store.repo import Repo

    if gitcli.head(cwd) is None:
        return []
    repo = Repo.discover(Path(cwd or ".").resolve())
    deployed = deployed_versions(repo)
    if not deployed:
        return []
    here = gitcli.files_in_tree("HEAD", "", cwd)
    return sorted(k for k, v in deployed.items() if v.path and here.get(v.path) != v.blob)


def post_checkout(hook: str = "post-checkout", cwd=None) -> HookOutcome:
    out = HookOutcome(hook)
    drift = deployed_drift(cwd)
    if drift:
        by_env: dict[str, list[str]] = {}
        for env, wf in drift:
            by_env.setdefault(env, []).append(wf)
        shown = "; ".join(f"{env}: {', '.join(wfs[:5])}{' …' if len(wfs) > 5 else ''}" for env, wfs in sorted(by_env.items()))
        n = len({wf for _env, wf in drift})  # workflows, not (env, workflow) pairs: one in two envs is one
        out.notes.append(f"keepwf: {n} deployed workflow{'s' if n != 1 else ''} differ{'s' if n == 1 else ''} "
                         f"from this checkout ({shown}); see `keepwf status`")
    return out


def run_hook(hook: str, args: list[str], stdin_text) -> HookOutcome:
    """Dispatch one hook invocation (``stdin_text`` is called only by hooks that read stdin)."""
    if hook in ("pre-commit", "pre-merge-commit"):
        return pre_commit(hook)
    if hook == "pre-push":
        return pre_push(args[0] if args else "", args[1] if len(args) > 1 else "", stdin_text())
    if hook == "pre-receive":
        return pre_receive(stdin_text())
    if hook in ("post-checkout", "post-merge"):
        return post_checkout(hook)
    from keepwf.errors import UsageError

    raise UsageError(f"unknown hook {hook!r}", hint="keepwf hooks install writes the hooks that call keepwf hook-run")
