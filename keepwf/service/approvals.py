"""The approvals item of the release checklist: approvals of exactly the blob being deployed, by people other than
the deployer, counted from the reviews notes (``keepwf approve``)."""

from __future__ import annotations

from keepwf.config import EnvConfig
from keepwf.model.release import CheckItem
from keepwf.model.review import same_person
from keepwf.store.repo import Repo


def approvers(repo: Repo, blob: str, deployer: str) -> tuple[list[str], list[str]]:
    """(emails whose approval of ``blob`` counts, emails that do not: the deployer's own approval)."""
    from keepwf.store.reviews import reviews_of_blob

    counted: list[str] = []
    own: list[str] = []
    for r in reviews_of_blob(repo, blob):
        if r.kind != "approve" or not r.reviewer_email.strip():
            continue
        email = r.reviewer_email.strip().lower()
        if same_person(email, deployer or ""):
            if email not in own:
                own.append(email)
        elif email not in counted:
            counted.append(email)
    return counted, own


def check_approvals(repo: Repo, env_cfg: EnvConfig, wf_id: str, blob: str, deployer: str) -> CheckItem:
    """Whether ``blob`` of ``wf_id`` has the approvals ``env_cfg`` requires, by people other than ``deployer``
    (an email). ``approvals = 0`` → "not required"."""
    need = env_cfg.approvals
    if need <= 0:
        return CheckItem("approvals", "ok", "not required")
    counted, own = approvers(repo, blob, deployer)
    by = f" ({', '.join(counted)})" if counted else ""
    mine = f"; your own approval does not count ({deployer})" if own else ""
    if len(counted) >= need:
        return CheckItem("approvals", "ok", f"{wf_id}: {len(counted)} of {need} approval(s) of blob {blob[:10]}{by}")
    return CheckItem(
        "approvals", "fail",
        f"{wf_id}: {env_cfg.name} needs {need} approval(s) of blob {blob[:10]} by someone other than the deployer, "
        f"has {len(counted)}{by}{mine}",
        hint=f"ask a reviewer to run `keepwf approve {wf_id} <REF>` on this content (see `keepwf reviews {wf_id}`)",
    )
