"""``keepwf.toml``: project settings. Pure parsing (the store reads the file); defaults make a bare repo work.

```toml
[keepwf]
workflows = "workflows"        # folder holding the workflow files
default_env = "production"

[engine]
allow_python = false           # the `python` provider evaluates code: off unless enabled here
bash_timeout = 60

[hooks]
pre_push_tests = false         # the pre-push hook runs the workflow tests (keepwf test)

[serve]
queue = "postgresql://keepwf@db:5432/keepwf"   # serve/worker on PostgreSQL (docs/scale-out.md); no password here

[env.production]
branches = ["main", "master"]  # branches it may be deployed from; "*" = any (fnmatch patterns)
approvals = 0                  # approvals of the exact blob by people other than the deployer
signed = false                 # deploy tags must be signed (git tag -s)

[env.staging]
branches = ["*"]
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from keepwf.errors import UsageError

CONFIG_FILE = "keepwf.toml"
DEFAULT_ENV = "production"


@dataclass(frozen=True)
class EnvConfig:
    name: str
    branches: tuple[str, ...] = ("*",)
    approvals: int = 0
    signed: bool = False

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
    pre_push_tests: bool = False  # the pre-push hook runs `keepwf test` (docs/incidents.md)
    serve_queue: str | None = None  # [serve] queue: PostgreSQL URL (docs/scale-out.md)
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
    "engine": {"allow_python": bool, "bash_timeout": (int, float)},
    "hooks": {"pre_push_tests": bool},
    "serve": {"queue": str},
}
_ENV_KEYS = {"branches": list, "approvals": int, "signed": bool}


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
    for section, value in data.items():
        if section not in _SECTIONS and section != "env":
            raise _bad(source, text, None, section, f"unknown section (known: {', '.join([*_SECTIONS, 'env'])})")
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
        if not wf or wf.startswith("/") or ".." in wf.replace("\\", "/").split("/"):
            raise _bad(source, text, "keepwf", "workflows", "must be a folder inside the repository")
        kw["workflows_dir"] = wf
    eng = data.get("engine", {})
    if "allow_python" in eng:
        kw["allow_python"] = eng["allow_python"]
    if "bash_timeout" in eng:
        kw["bash_timeout"] = float(eng["bash_timeout"])
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
    envs: dict[str, EnvConfig] = {}
    for name, spec in data.get("env", {}).items():
        sec = f"env.{name}"
        if not isinstance(spec, dict):
            raise _bad(source, text, "env", name, "must be a table, e.g. [env." + name + "]")
        if not valid_ref_component(name):
            raise _bad(source, text, sec, name, "environment names must be usable in a git ref (letters, digits, - _ .)")
        for key, value in spec.items():
            if key not in _ENV_KEYS:
                raise _bad(source, text, sec, key, f"unknown key (known: {', '.join(_ENV_KEYS)})")
            if not isinstance(value, _ENV_KEYS[key]) or (key == "approvals" and isinstance(value, bool)):
                raise _bad(source, text, sec, key, f"wrong type {type(value).__name__}")
        branches = spec.get("branches", ["*"])
        if not branches or not all(isinstance(b, str) and b for b in branches):
            raise _bad(source, text, sec, "branches", 'must be a non-empty list of branch names or patterns ("*" = any)')
        approvals = spec.get("approvals", 0)
        if approvals < 0:
            raise _bad(source, text, sec, "approvals", "must be 0 or more")
        envs[name] = EnvConfig(name, tuple(branches), approvals, spec.get("signed", False))
    default_env = kp.get("default_env", DEFAULT_ENV)
    if not valid_ref_component(default_env):
        raise _bad(source, text, "keepwf", "default_env", "environment names must be usable in a git ref (letters, digits, - _ .)")
    if not envs:
        envs = {default_env: EnvConfig(default_env)}
    elif default_env not in envs:
        raise _bad(source, text, "keepwf", "default_env", f"{default_env!r} is not one of the [env.*] tables")
    kw["envs"] = envs
    kw["default_env"] = default_env
    return Config(**kw)


_REF_COMPONENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


def valid_ref_component(name: str) -> bool:
    """True when ``name`` can be one component of a git ref name (keepwf's rule is stricter than git's)."""
    return bool(_REF_COMPONENT.match(name)) and ".." not in name and not name.endswith((".", ".lock"))
