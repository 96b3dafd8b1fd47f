"""The approvals item of the release checklist (hook point: the release-flow feature fills it in)."""

from __future__ import annotations

from keepwf.config import EnvConfig
from keepwf.model.release import CheckItem
from keepwf.store.repo import Repo


def check_approvals(repo: Repo, env_cfg: EnvConfig, wf_id: str, blob: str, deployer: str) -> CheckItem:
    """Whether ``blob`` of ``wf_id`` has the approvals ``env_cfg`` requires, by people other than ``deployer``
    (an email). ``approvals = 0`` → "not required"."""
    if env_cfg.approvals <= 0:
        return CheckItem("approvals", "ok", "not required")
    return CheckItem(
        "approvals", "fail",
        f"{wf_id}: {env_cfg.name} requires {env_cfg.approvals} approval(s) and keepwf cannot record approvals yet",
        hint=f"set approvals = 0 under [env.{env_cfg.name}] in keepwf.toml until approvals are supported",
    )
