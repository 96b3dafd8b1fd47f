"""``keepwf approve`` and ``keepwf reviews``: approvals of a workflow's exact content, recorded as data in git."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from keepwf.config import Config
from keepwf.errors import UsageError
from keepwf.model.review import Review, same_person
from keepwf.store.repo import Repo


@dataclass
class ApproveResult:
    review: Review
    already: bool  # this reviewer had already approved this exact content: nothing new recorded

    def to_dict(self) -> dict:
        return {**self.review.to_dict(), "already_approved": self.already}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def workflow_at(repo: Repo, config: Config, wf_id: str, ref: str | None):
    """(commit SHA, WorkflowFile) of workflow ``wf_id`` in the tree of ``ref`` (default HEAD)."""
    from keepwf.service import catalog

    rev = ref or "HEAD"
    commit = repo.resolve_commit(rev) if ref else repo.require_commit()
    if commit is None and ref:  # a version REF of the default env: v3, 3, deployed, previous
        from keepwf.errors import KeepwfError
        from keepwf.service.versions import resolve_version

        try:
            commit = resolve_version(repo, wf_id, config.default_env, ref).commit
        except KeepwfError:
            commit = None
    if commit is None:
        raise UsageError(f"{rev!r} does not name a commit or a version of {wf_id}",
                         hint="give a branch, tag, commit SHA or version (v3, deployed); default: HEAD")
    cat = catalog.at_commit(repo, commit, config)
    found = cat.get(wf_id)
    if found is None:
        import difflib

        close = difflib.get_close_matches(wf_id, sorted(cat.workflows), n=1)
        raise UsageError(
            f"workflow {wf_id!r} is not in {rev} ({commit[:10]})",
            hint=f"did you mean {close[0]}?" if close else "commit the workflow first, or give the REF that holds it",
        )
    return commit, found


def approve(repo: Repo, config: Config, wf_id: str, ref: str | None = None, message: str = "") -> ApproveResult:
    return approve_many(repo, config, [wf_id], ref, message)[0]


def split_args(repo: Repo, config: Config, args: list[str], ref: str | None, all_: bool) -> tuple[list[str], str | None]:
    """``keepwf approve WF… [REF]``: the workflow ids, and the REF — the last argument (of two or more) when it is
    not a known workflow id (at HEAD or deployed) or names a commit without such a workflow (``approve hello-alert
    origin/open-ticket`` keeps working); ``--all``: every workflow at REF."""
    from keepwf.service import catalog

    if all_:
        if len(args) > 1 or ref is not None and args:
            raise UsageError("--all approves every workflow at REF: give at most the REF", hint="keepwf approve --all origin/my-branch")
        ref = ref or (args[0] if args else None)
        rev = ref or "HEAD"
        commit = repo.resolve_commit(rev) if ref else repo.require_commit()
        if commit is None:
            raise UsageError(f"{rev!r} does not name a commit", hint="give a branch, tag or commit SHA; default: HEAD")
        return sorted(catalog.at_commit(repo, commit, config).workflows), ref
    if not args:
        raise UsageError("name the workflows to approve, or --all", hint="keepwf approve WF [REF]")
    if ref is None and len(args) > 1:
        from keepwf.store.tags import version_index

        head = repo.head_commit()
        known = set(catalog.at_commit(repo, head, config).workflows) if head else set()
        known |= {wf for (_e, wf) in version_index(repo)}
        probe = repo.resolve_commit(args[-1])
        if args[-1] not in known or (probe and args[-1] not in set(catalog.at_commit(repo, probe, config).workflows)):
            return args[:-1], args[-1]
    return args, ref


def approve_many(repo: Repo, config: Config, wf_ids: list[str], ref: str | None = None, message: str = "") -> list[ApproveResult]:
    """Approve each workflow's content at ``ref``: every new approval in ONE notes commit (all or none)."""
    from keepwf.store import reviews as store

    name, email = store.identity(repo)
    out: list[ApproveResult] = []
    new: list[tuple[str, str]] = []
    for wf_id in dict.fromkeys(wf_ids):
        commit, wf = workflow_at(repo, config, wf_id, ref)
        prior = next((r for r in store.reviews_of_blob(repo, wf.blob)
                      if r.kind == "approve" and same_person(r.reviewer_email, email)), None)
        if prior is not None:
            out.append(ApproveResult(prior, already=True))
            continue
        review = Review(time=_now(), workflow=wf_id, blob=wf.blob, commit=commit, path=wf.path, reviewer_name=name,
                        reviewer_email=email, message=" ".join(message.split()))
        new.append((wf.blob, review.to_line()))
        out.append(ApproveResult(review, already=False))
    if new:
        store.append_many(repo, new)
    return out


@dataclass
class ReviewList:
    workflow: str
    current_blob: str | None  # the workflow's content at HEAD (None if absent there)
    reviews: list[Review] = field(default_factory=list)  # newest first

    def to_dict(self) -> dict:
        return {
            "workflow": self.workflow,
            "head_blob": self.current_blob,
            "reviews": [r.to_dict() | {"at_head": r.blob == self.current_blob} for r in self.reviews],
        }


def list_reviews(repo: Repo, config: Config, wf_id: str) -> ReviewList:
    from keepwf.service import catalog
    from keepwf.store import reviews as store

    found = [r for r in store.all_reviews(repo) if r.workflow == wf_id]
    head = repo.head_commit()
    current = catalog.at_commit(repo, head, config).get(wf_id) if head else None
    if not found and current is None:  # not at HEAD: a draft not committed yet, or deployed only (a bare server)
        from keepwf.service.timeline import known_workflow

        known_workflow(repo, config, wf_id)  # a typo: exit 2 with a did-you-mean
        return ReviewList(wf_id, None, [])
    return ReviewList(wf_id, current.blob if current else None, sorted(found, key=lambda r: r.time, reverse=True))
