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
    from keepwf.store import reviews as store

    commit, wf = workflow_at(repo, config, wf_id, ref)
    name, email = store.identity(repo)
    for r in store.reviews_of_blob(repo, wf.blob):
        if r.kind == "approve" and same_person(r.reviewer_email, email):
            return ApproveResult(r, already=True)
    review = Review(time=_now(), workflow=wf_id, blob=wf.blob, commit=commit, path=wf.path, reviewer_name=name,
                    reviewer_email=email, message=" ".join(message.split()))
    store.append(repo, wf.blob, review.to_line())
    return ApproveResult(review, already=False)


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
