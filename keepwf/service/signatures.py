"""``keepwf verify``: check the signatures of deploy tags, held to each environment's ``signed`` rule; and the check
every run path makes before running a version in an env with ``signed = true`` (``check_run_signature``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from keepwf.errors import StateError, UsageError

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


_VERIFIED: dict[str, object] = {}  # tag object SHA → TagSignature (tag objects never change; one verify per process)


def tag_signature(repo, tag: str, tag_oid: str | None = None):
    """The TagSignature of version tag ``tag`` (``keepwf/<env>/<wf>/vN``; live, else archived), cached per object."""
    from keepwf.model.version import ARCHIVE_REF_PREFIX, TAG_PREFIX
    from keepwf.store.reftx import current
    from keepwf.store.signing import TagSignature, verify_tag

    ref = f"refs/tags/{tag}"
    oid = tag_oid or current(repo.pg, ref)
    if oid is None:
        ref = ARCHIVE_REF_PREFIX + tag.removeprefix(TAG_PREFIX)
        oid = current(repo.pg, ref)
    if oid is None:
        return TagSignature(tag, "unsigned", "no such tag")
    key = str(oid)
    if key not in _VERIFIED:
        _VERIFIED[key] = verify_tag(repo, tag, key)
    return _VERIFIED[key]


def signature_problem(repo, config, env: str, tag: str | None, tag_oid: str | None = None) -> str | None:
    """Why version tag ``tag`` must not run in ``env`` (its env requires signed tags and it does not verify), or None.
    Drafts (no tag) and envs without ``signed = true`` are never held back."""
    ec = config.envs.get(env)
    if not tag or ec is None or not ec.signed:
        return None
    sig = tag_signature(repo, tag, tag_oid)
    if sig.status == "good":
        return None
    what = "is not signed" if sig.status == "unsigned" else f"has a bad signature ({sig.detail})"
    return f"{tag} {what}, and {env} requires signed deploy tags (signed = true)"


def check_run_signature(repo, config, env: str, tag: str | None, tag_oid: str | None = None) -> None:
    """Raise StateError (exit 3) before running a version whose tag does not verify in a signed env. The one check
    `keepwf run`, `keepwf trigger` and `keepwf serve` make (through ``service.execute.execute``)."""
    why = signature_problem(repo, config, env, tag, tag_oid)
    if why is not None:
        raise StateError(f"refusing to run: {why}",
                         hint=f"keepwf verify --env {env} shows every tag's signature; deploy again with signing set "
                              "up (the new version is signed), or roll back to a signed version")
