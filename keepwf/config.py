"""``keepwf.toml``: project settings. Pure parsing (the store reads the file); defaults make a bare repo work.

```toml
[keepwf]
workflows = "workflows"        # folder holding the workflow files
default_env = "production"

[engine]
allow_python = false           # the `python` provider evaluates code: off unless enabled here
bash_timeout = 60
allow_private_network = false  # http/webhook may reach loopback/private addresses (never link-local/metadata)
query_timeout = 30             # seconds for a database/metrics query (postgres, mysql, prometheus, …)

[validate]
ignore = ["offline-provider"]  # warning codes (shown as warning[code]) left out everywhere; errors always count

[hooks]
pre_push_tests = false         # the pre-push hook runs the workflow tests (keepwf test)

[serve]
queue = "postgresql://keepwf@db:5432/keepwf"   # serve/worker on PostgreSQL (docs/scale-out.md); no password here

[env.production]
branches = ["main", "master"]  # branches it may be deployed from; "*" = any (fnmatch patterns)
approvals = 0                  # approvals of the exact blob by people other than the deployer
signed = false                 # deploy tags must be signed (git tag -s)
push = false                   # deploy/rollback/promote/prune push their refs to the remote at once
promote_from = "staging"       # only `keepwf promote` from this env deploys here (optional)
min_runs = 3                   # promotion gate: runs of that content in promote_from (optional)
min_success_rate = 0.95        # promotion gate: their success rate (optional)

[env.staging]
branches = ["*"]
```
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from keepwf.errors import UsageError

CONFIG_FILE = "keepwf.toml"
MAX_BASH_TIMEOUT_S = 86400
MAX_APPROVALS = 100
DEFAULT_ENV = "production"


@dataclass(frozen=True)
class EnvConfig:
    name: str
    branches: tuple[str, ...] = ("*",)
    approvals: int = 0
    signed: bool = False
    push: bool = False
    promote_from: str | None = None
    min_runs: int | None = None
    min_success_rate: float | None = None
    canary: object = None  # keepwf.model.canary.CanaryPolicy: [canary] with [env.NAME.canary] over it
    keep_versions: int | None = None  # every deploy prunes the workflow down to this many versions (audited)

    def allows_branch(self, branch: str | None) -> bool:
        if branch is None:
            return "*" in self.branches
        return any(fnmatchcase(branch, pat) for pat in self.branches)


@dataclass(frozen=True)
class Config:
    workflows_dir: str = "workflows"
    default_env: str = DEFAULT_ENV
    envs: dict[str, EnvConfig] = field(default_factory=lambda: {DEFAULT_ENV: EnvConfig(DEFAULT_ENV)})
    allow_python: bool = False
    bash_timeout: float = 60.0
    query_timeout: float = 30.0
    validate_ignore: tuple[str, ...] = ()  # warning codes left out of every validation
    pre_push_tests: bool = False  # the pre-push hook runs `keepwf test` (docs/incidents.md)
    serve_queue: str | None = None  # [serve] queue: PostgreSQL URL (docs/scale-out.md)
    allow_private_network: bool = False
    source: str = "(defaults)"

    def env(self, name: str | None) -> EnvConfig:
        name = name or self.default_env
        if name not in self.envs:
            known = ", ".join(sorted(self.envs)) or "(none)"
            raise UsageError(
                f"unknown environment {name!r} (known: {known})",
                hint=f"add [env.{name}] to {CONFIG_FILE}, or pick one of: {known}",
            )
        return self.envs[name]


_SECTIONS = {
    "keepwf": {"workflows": str, "default_env": str},
    "engine": {"allow_python": bool, "bash_timeout": (int, float), "allow_private_network": bool,
               "query_timeout": (int, float)},
    "validate": {"ignore": list},
    "hooks": {"pre_push_tests": bool},
    "serve": {"queue": str},
}
_ENV_KEYS = {"branches": list, "approvals": int, "signed": bool, "canary": dict, "keep_versions": int, "push": bool,
             "promote_from": str, "min_runs": int, "min_success_rate": (int, float)}


def _line_of(text: str, key: str, section: str | None = None) -> int:
    """Best-effort line number of ``key`` (inside ``[section]`` when given) for error messages."""
    lines = text.splitlines()
    start = 0
    if section:
        pat = re.compile(r"^\s*\[\s*" + re.escape(section).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
        for i, ln in enumerate(lines):
            if pat.match(ln):
                start = i
                break
    kpat = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    for i in range(start, len(lines)):
        if kpat.match(lines[i]):
            return i + 1
    return start + 1 if section else 0


def _bad(source: str, text: str, section: str | None, key: str, problem: str) -> UsageError:
    line = _line_of(text, key, section)
    crumb = " › ".join(p for p in (section, key) if p)
    where = f"{source}:{line}" if line else source
    return UsageError(f"{where}: {crumb} › {problem}", hint=f"fix {source} (see docs/configuration.md)")


def parse_config(text: str, source: str = CONFIG_FILE) -> Config:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{source}: not valid TOML: {e}", hint=f"fix the syntax of {source}") from e
    except RecursionError as e:  # `a = [[[[…]]]]` thousands deep: no setting of keepwf nests more than twice
        raise UsageError(f"{source}: nested too deeply to read (arrays or tables inside each other thousands of times)",
                         hint=f"fix {source}: keepwf's settings are plain values and short lists") from e
    for section, value in data.items():
        if section not in _SECTIONS and section not in ("env", "canary"):
            raise _bad(source, text, None, section,
                       f"unknown section (known: {', '.join([*_SECTIONS, 'canary', 'env'])})")
        if not isinstance(value, dict):
            raise _bad(source, text, None, section, "must be a table, e.g. [" + section + "]")
    kw: dict = {"source": source}
    for section, keys in _SECTIONS.items():
        for key, value in data.get(section, {}).items():
            if key not in keys:
                raise _bad(source, text, section, key, f"unknown key (known: {', '.join(keys)})")
            if not isinstance(value, keys[key]) or (keys[key] is not bool and isinstance(value, bool)):
                raise _bad(source, text, section, key, f"wrong type {type(value).__name__}")
    kp = data.get("keepwf", {})
    if "workflows" in kp:
        wf = kp["workflows"].strip().strip("/")
        if not wf or wf.startswith("/") or ".." in wf.replace("\\", "/").split("/") or len(wf) > 255:
            raise _bad(source, text, "keepwf", "workflows", "must be a folder inside the repository (a relative path of at most 255 characters)")
        kw["workflows_dir"] = wf
    eng = data.get("engine", {})
    if "allow_python" in eng:
        kw["allow_python"] = eng["allow_python"]
    if "bash_timeout" in eng:
        t = float(eng["bash_timeout"])
        if not (math.isfinite(t) and 0 < t <= MAX_BASH_TIMEOUT_S):
            raise _bad(source, text, "engine", "bash_timeout",
                       f"must be more than 0 and at most {MAX_BASH_TIMEOUT_S} seconds (a day), not {eng['bash_timeout']}")
        kw["bash_timeout"] = t
    if "allow_private_network" in eng:
        kw["allow_private_network"] = eng["allow_private_network"]
    if "query_timeout" in eng:
        if not 0 < eng["query_timeout"] <= 86400:
            raise _bad(source, text, "engine", "query_timeout", "must be between 0 and 86400 seconds")
        kw["query_timeout"] = float(eng["query_timeout"])
    ignore = data.get("validate", {}).get("ignore", [])
    if not all(isinstance(c, str) and re.fullmatch(r"[a-z][a-z0-9-]*", c) for c in ignore):
        raise _bad(source, text, "validate", "ignore", 'must be a list of warning codes, e.g. ["offline-provider"]')
    kw["validate_ignore"] = tuple(ignore)
    if "queue" in data.get("serve", {}):
        q = data["serve"]["queue"].strip()
        if not re.match(r"^postgres(ql)?://", q):
            raise _bad(source, text, "serve", "queue", "must be a postgresql:// URL")
        if re.match(r"^[a-z]+://[^/@]*:[^/@]*@", q):
            raise _bad(source, text, "serve", "queue", "holds a password, which would be committed to git: put it "
                       "in ~/.pgpass (or PGPASSWORD), or pass the URL with --queue / KEEPWF_QUEUE")
        kw["serve_queue"] = q
    if "pre_push_tests" in data.get("hooks", {}):
        kw["pre_push_tests"] = data["hooks"]["pre_push_tests"]
    base_canary = _canary_policy(data.get("canary", {}), None, source, text, "canary")
    envs: dict[str, EnvConfig] = {}
    for name, spec in data.get("env", {}).items():
        sec = f"env.{name}"
        if not isinstance(spec, dict):
            raise _bad(source, text, "env", name, "must be a table, e.g. [env." + name + "]")
        if not valid_ref_component(name):
            raise _bad(source, text, sec, name, f"environment names must be usable in a git ref (letters, digits, - _ .; at most {MAX_ID_LEN} characters)")
        for key, value in spec.items():
            if key not in _ENV_KEYS:
                raise _bad(source, text, sec, key, f"unknown key (known: {', '.join(_ENV_KEYS)})")
            if not isinstance(value, _ENV_KEYS[key]) or (_ENV_KEYS[key] is not bool and isinstance(value, bool)):
                raise _bad(source, text, sec, key, f"wrong type {type(value).__name__}")
        branches = spec.get("branches", ["*"])
        if not branches or not all(isinstance(b, str) and b and len(b) <= 255 for b in branches) or len(branches) > 1000:
            raise _bad(source, text, sec, "branches", 'must be a non-empty list (at most 1000) of branch names or patterns ("*" = any) of at most 255 characters')
        approvals = spec.get("approvals", 0)
        if not 0 <= approvals <= MAX_APPROVALS:
            raise _bad(source, text, sec, "approvals", f"must be 0 to {MAX_APPROVALS}, not {approvals}")
        keep = spec.get("keep_versions")
        if keep is not None and (isinstance(keep, bool) or not 1 <= keep <= 100_000):
            raise _bad(source, text, sec, "keep_versions", "must be a whole number from 1 to 100000")
        if spec.get("min_runs", 0) < 0:
            raise _bad(source, text, sec, "min_runs", "must be 0 or more")
        rate = spec.get("min_success_rate")
        if rate is not None and not 0 <= rate <= 1:
            raise _bad(source, text, sec, "min_success_rate", "must be between 0 and 1 (0.95 = 95%)")
        envs[name] = EnvConfig(name, tuple(branches), approvals, spec.get("signed", False),
                               canary=_canary_policy(spec.get("canary", {}), base_canary, source, text,
                                                     f"env.{name}.canary"),
                               keep_versions=keep, push=spec.get("push", False), promote_from=spec.get("promote_from"),
                               min_runs=spec.get("min_runs"), min_success_rate=float(rate) if rate is not None else None)
    for name, e in envs.items():
        if e.promote_from is not None and (e.promote_from not in envs or e.promote_from == name):
            raise _bad(source, text, f"env.{name}", "promote_from",
                       f"{e.promote_from!r} is not another [env.*] table (known: {', '.join(sorted(envs))})")
    default_env = kp.get("default_env", DEFAULT_ENV)
    if not valid_ref_component(default_env):
        raise _bad(source, text, "keepwf", "default_env", f"environment names must be usable in a git ref (letters, digits, - _ .; at most {MAX_ID_LEN} characters)")
    if not envs:
        envs = {default_env: EnvConfig(default_env, canary=base_canary)}
    elif default_env not in envs:
        raise _bad(source, text, "keepwf", "default_env", f"{default_env!r} is not one of the [env.*] tables")
    kw["envs"] = envs
    kw["default_env"] = default_env
    return Config(**kw)


def _canary_policy(raw: dict, base, source: str, text: str, section: str):
    """``[canary]`` / ``[env.NAME.canary]`` → CanaryPolicy (keepwf.model.canary), errors naming the key."""
    from keepwf.model.canary import DEFAULT_POLICY, PolicyError, parse_policy

    try:
        return parse_policy(raw, base or DEFAULT_POLICY)
    except PolicyError as e:
        raise _bad(source, text, section, e.key, e.problem) from None


_REF_COMPONENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
# Longest workflow id / env name: each becomes a file name under .git/refs (plus ".lock") and part of cache file
# names (a blob SHA + "-" + id); 100 keeps every such name far below the 255 bytes of a file name (ENAMETOOLONG).
MAX_ID_LEN = 100


def valid_ref_component(name: str) -> bool:
    """True when ``name`` can be one component of a git ref name (keepwf's rule is stricter than git's) and is at most
    ``MAX_ID_LEN`` characters."""
    return (len(name) <= MAX_ID_LEN and bool(_REF_COMPONENT.match(name)) and ".." not in name
            and not name.endswith((".", ".lock")))
