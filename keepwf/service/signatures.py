"""``keepwf verify``: check the signatures of deploy tags, held to each environment's ``signed`` rule."""

from __future__ import annotations

from dataclasses import dataclass, field

from keepwf.errors import UsageError

TAG_PREFIX = "refs/tags/keepwf/"


@dataclass(frozen=True)
class TagCheck:
    tag: str
    env: str
    workflow: str
    version: int
    status: str  # good | bad | unsigned
    required: bool  # the env requires signed tags
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "good" or (self.status == "unsigned" and not self.required)

    def to_dict(self) -> dict:
        return {"tag": self.tag, "env": self.env, "workflow": self.workflow, "version": self.version,
                "status": self.status, "required": self.required, "ok": self.ok, "detail": self.detail}


@dataclass
class VerifyReport:
    checks: list[TagCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "tags": [c.to_dict() for c in self.checks]}


def deploy_tags(repo, workflow: str | None = None, env: str | None = None) -> list[tuple[str, str, str, int]]:
    """``(short tag name, env, workflow, N)`` of every deploy tag, oldest version first."""
    from keepwf.store import gitcli

    out = []
    for ref, _commit, _msg in gitcli.tag_refs(TAG_PREFIX, repo.root if not repo.is_bare else repo.git_dir):
        parts = ref.removeprefix(TAG_PREFIX).split("/")
        if len(parts) != 3 or parts[2][:1] != "v" or not parts[2][1:].isdigit():
            continue
        e, wf, n = parts[0], parts[1], int(parts[2][1:])
        if (workflow and wf != workflow) or (env and e != env):
            continue
        out.append((ref.removeprefix("refs/tags/"), e, wf, n))
    return sorted(out, key=lambda t: (t[1], t[2], t[3]))


def verify(repo, config, workflow: str | None = None, env: str | None = None) -> VerifyReport:
    from keepwf.store.signing import verify_tag

    if env:
        config.env(env)  # unknown env → UsageError naming the known ones
    tags = deploy_tags(repo, workflow, env)
    if workflow and not tags:
        where = f" in {env}" if env else ""
        raise UsageError(f"no deploy tags of {workflow!r}{where}", hint="run `keepwf history " + workflow + "` to see its versions")
    report = VerifyReport()
    for short, e, wf, n in tags:
        sig = verify_tag(repo, short)
        required = bool(config.envs.get(e) and config.envs[e].signed)
        report.checks.append(TagCheck(short, e, wf, n, sig.status, required, sig.detail))
    return report
