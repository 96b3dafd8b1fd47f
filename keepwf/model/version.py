"""Versions (deploy tags) and the one codec for their names and messages. Pure: no git, no I/O.

A version is the annotated tag ``refs/tags/keepwf/<env>/<workflow-id>/v<N>`` pointing at the deployed commit. Its
message is the human deploy message, a blank line, then the trailers (docs/versions.md)::

    Escalate after 10 minutes

    Keepwf-Workflow: page-on-call
    Keepwf-Env: production
    Keepwf-Version: v7
    Keepwf-Path: workflows/page-on-call.yml
    Keepwf-Blob: 3b18e512dba79e4c8300dd08aeb37f8e728b8dad
    Keepwf-Action: deploy

Every other module builds and parses tag names and messages through the functions here.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from keepwf.config import valid_ref_component

TAG_PREFIX = "keepwf/"  # short tag names start with this
TAG_REF_PREFIX = "refs/tags/keepwf/"  # full ref names
ARCHIVE_REF_PREFIX = "refs/keepwf/archive/"  # pruned versions: refs/keepwf/archive/<env>/<wf>/v<N> -> tag object
AUDIT_REF = "refs/keepwf/audit"  # prune events: a chain of commits, one per prune

ACTIONS = ("deploy", "rollback", "promote", "canary")  # canary: deployed only once its canary is promoted

T_WORKFLOW = "Keepwf-Workflow"
T_ENV = "Keepwf-Env"
T_VERSION = "Keepwf-Version"
T_PATH = "Keepwf-Path"
T_BLOB = "Keepwf-Blob"
T_ACTION = "Keepwf-Action"
T_ROLLBACK_OF = "Keepwf-Rollback-Of"
T_PROMOTED_FROM = "Keepwf-Promoted-From"
T_FORCED = "Keepwf-Forced"  # the checks `--force -m REASON` overrode: "redeploy", "gate" (comma-separated)
T_FORCE_REASON = "Keepwf-Force-Reason"  # the first line of REASON
T_PRUNED = "Keepwf-Pruned"  # audit chain: one line per pruned version, "<env>/<wf>/v<N> <commit>"
T_RESTORED = "Keepwf-Restored"  # audit chain: one line per restored version (keepwf prune --restore)
T_CANARY_OF = "Keepwf-Canary-Of"  # the stable version a canary is measured against
T_CANARY_STEPS = "Keepwf-Canary-Steps"  # e.g. 10,25,50
TRAILER_ORDER = (T_WORKFLOW, T_ENV, T_VERSION, T_PATH, T_BLOB, T_ACTION, T_ROLLBACK_OF, T_PROMOTED_FROM, T_CANARY_OF,
                 T_CANARY_STEPS, T_FORCED, T_FORCE_REASON)

_TRAILER_LINE = re.compile(r"^(Keepwf-[A-Za-z-]+): ?(.*)$")
_VN = re.compile(r"^v([1-9][0-9]{0,8})$")


@dataclass(frozen=True)
class Version:
    """One deploy of one workflow to one env (a deploy tag), as read back from git."""

    workflow: str
    env: str
    number: int
    commit: str
    tag: str  # the short tag name keepwf/<env>/<wf>/v<N>
    blob: str = ""
    path: str = ""
    action: str = "deploy"
    message: str = ""
    tagger_name: str = ""
    tagger_email: str = ""
    date: str = ""  # ISO-8601 with the tagger's offset
    timestamp: int = 0  # seconds since the epoch (for sorting)
    rollback_of: str | None = None  # "v<N>" of the version it replaced
    promoted_from: str | None = None  # "<env>/v<N>"
    canary_of: str | None = None  # "v<N>": the stable version of a canary (action canary)
    canary_steps: str | None = None  # "10,25,50"
    tag_oid: str = ""
    foreign: str | None = None  # why keepwf does not trust this tag (made by hand, trailers missing…); None = ours
    pruned: bool = False  # the tag was pruned; the version lives on under refs/keepwf/archive/
    forced: str | None = None  # checks overridden with --force ("redeploy", "gate"); None = none
    force_reason: str | None = None

    @property
    def label(self) -> str:
        return f"v{self.number}"

    @property
    def short(self) -> str:
        return self.commit[:10]

    @property
    def trusted(self) -> bool:
        return self.foreign is None

    @property
    def ref(self) -> str:
        return "refs/tags/" + self.tag

    def with_(self, **kw) -> "Version":
        return replace(self, **kw)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["version"] = self.label
        return d


# -- names ---------------------------------------------------------------------------------------------------------
def tag_name(env: str, workflow: str, number: int) -> str:
    """``keepwf/<env>/<workflow>/v<N>`` (the short tag name; the ref is ``refs/tags/`` + this)."""
    if not valid_ref_component(env):
        raise ValueError(f"environment name {env!r} cannot be used in a git ref")
    if not valid_ref_component(workflow):
        raise ValueError(f"workflow id {workflow!r} cannot be used in a git ref")
    if not isinstance(number, int) or number < 1:
        raise ValueError(f"version number must be 1 or more, not {number!r}")
    return f"{TAG_PREFIX}{env}/{workflow}/v{number}"


def tag_ref(env: str, workflow: str, number: int) -> str:
    return "refs/tags/" + tag_name(env, workflow, number)


def archive_ref(env: str, workflow: str, number: int) -> str:
    return ARCHIVE_REF_PREFIX + tag_name(env, workflow, number).removeprefix(TAG_PREFIX)


def workflow_prefix(env: str, workflow: str) -> str:
    """The ref prefix of one workflow's versions in one env (ends with '/')."""
    return f"{TAG_REF_PREFIX}{env}/{workflow}/"


def parse_tag_name(ref: str) -> tuple[str, str, int] | None:
    """``(env, workflow, number)`` from a tag name, full ref or archive ref; None if it is not a keepwf version name."""
    for prefix in (TAG_REF_PREFIX, ARCHIVE_REF_PREFIX, TAG_PREFIX):
        if ref.startswith(prefix):
            rest = ref[len(prefix) :]
            break
    else:
        return None
    parts = rest.split("/")
    if len(parts) != 3:
        return None
    env, wf, vn = parts
    m = _VN.match(vn)
    if not m or not valid_ref_component(env) or not valid_ref_component(wf):
        return None
    return env, wf, int(m.group(1))


def parse_number(text: str) -> int | None:
    """``v3`` or ``3`` → 3; None otherwise."""
    t = text.strip()
    if t[:1] in ("v", "V"):
        t = t[1:]
    if t.isdigit() and len(t) <= 9 and int(t) > 0 and t == str(int(t)):
        return int(t)
    return None


# -- messages --------------------------------------------------------------------------------------------------------
def normalize_message(message: str) -> str:
    """What a message becomes once stored: no NULs, no trailing spaces per line, no leading/trailing blank lines,
    runs of blank lines collapsed, and no final paragraph that looks like our trailers (so it cannot be mistaken for
    them)."""
    lines = [ln.rstrip() for ln in message.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for ln in lines:
        if ln == "" and (not out or out[-1] == ""):
            continue
        out.append(ln)
    while out and out[-1] == "":
        out.pop()
    # a line starting with "Keepwf-X:" inside the message would be read as a trailer if it ended the message
    out = [(" " + ln if _TRAILER_LINE.match(ln) or ln.startswith("-----BEGIN PGP") else ln) for ln in out]
    return "\n".join(out)


def format_message(message: str, trailers: dict[str, str | None]) -> str:
    """The tag message: the human text, a blank line, the trailers in their fixed order (None values left out)."""
    body = normalize_message(message)
    lines = []
    for key in TRAILER_ORDER:
        value = trailers.get(key)
        if value is None:
            continue
        if "\n" in str(value) or "\r" in str(value):
            raise ValueError(f"trailer {key} cannot contain a newline")
        lines.append(f"{key}: {value}")
    for key, value in trailers.items():  # unknown extra trailers keep their given order after the known ones
        if key not in TRAILER_ORDER and value is not None:
            lines.append(f"{key}: {value}")
    return (body + "\n\n" if body else "") + "\n".join(lines) + "\n"


def parse_message(raw: str) -> tuple[str, dict[str, str]]:
    """``(message, trailers)`` of a tag message. Trailers are the last paragraph's ``Keepwf-*: value`` lines; a
    message without them returns ``(text, {})``. A signature block (PGP, SSH, x509) after the trailers is ignored."""
    text = raw.replace("\r\n", "\n")
    for marker in ("-----BEGIN PGP SIGNATURE-----", "-----BEGIN SSH SIGNATURE-----", "-----BEGIN SIGNED MESSAGE-----"):
        sig = text.find(marker)
        if sig >= 0:
            text = text[:sig]
    text = text.rstrip("\n")
    head, sep, last = text.rpartition("\n\n")
    if not sep:
        head, last = "", text
    trailers: dict[str, str] = {}
    lines = last.split("\n")
    if lines and all(_TRAILER_LINE.match(ln) for ln in lines):
        for ln in lines:
            m = _TRAILER_LINE.match(ln)
            trailers[m.group(1)] = m.group(2)
        return head.strip("\n"), trailers
    return text.strip("\n"), {}


def trailers_for(version: Version) -> dict[str, str | None]:
    return {
        T_WORKFLOW: version.workflow,
        T_ENV: version.env,
        T_VERSION: version.label,
        T_PATH: version.path,
        T_BLOB: version.blob,
        T_ACTION: version.action,
        T_ROLLBACK_OF: version.rollback_of,
        T_PROMOTED_FROM: version.promoted_from,
        T_CANARY_OF: version.canary_of,
        T_CANARY_STEPS: version.canary_steps,
        T_FORCED: version.forced,
        T_FORCE_REASON: version.force_reason,
    }


def check_trailers(env: str, workflow: str, number: int, trailers: dict[str, str]) -> str | None:
    """Why the trailers do not match the tag they sit on (the tag is then 'foreign'), or None when they match."""
    if not trailers:
        return "no Keepwf-* trailers (made by hand?)"
    expected = {T_WORKFLOW: workflow, T_ENV: env, T_VERSION: f"v{number}"}
    for key, value in expected.items():
        if trailers.get(key) != value:
            return f"{key} is {trailers.get(key)!r}, the tag name says {value!r}"
    for key in (T_PATH, T_BLOB):
        if not trailers.get(key):
            return f"{key} is missing"
    if trailers.get(T_ACTION) not in ACTIONS:
        return f"{T_ACTION} is {trailers.get(T_ACTION)!r} (expected one of {', '.join(ACTIONS)})"
    return None


def audit_records(message: str) -> list[tuple[str, str, str]]:
    """``(kind, "<env>/<wf>/v<N>", commit)`` of each prune or restore line of an audit-chain commit message (kind
    ``prune`` or ``restore``). A line counts only in a record whose ``Keepwf-Action`` says the same; merge commits and
    anything else give nothing."""
    lines = message.splitlines()
    out = []
    for kind, key in (("prune", T_PRUNED), ("restore", T_RESTORED)):
        if f"{T_ACTION}: {kind}" not in lines:
            continue
        for ln in lines:
            if ln.startswith(key + ": "):
                parts = ln[len(key) + 2:].split()
                if len(parts) == 2 and parts[0].count("/") == 2:
                    out.append((kind, parts[0], parts[1]))
    return out
