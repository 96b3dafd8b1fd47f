"""``keepwf init``: create or adopt a repository laid out for keepwf."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from keepwf.config import CONFIG_FILE
from keepwf.errors import StateError, UsageError

EXAMPLE_WORKFLOW = """\
workflow:
  id: hello-alert
  name: Hello alert
  description: Greets the alert it was triggered by, then tells on-call if it is critical.
  triggers:
    - type: manual
    - type: alert
      filters:
        - key: source
          value: r"(prometheus|grafana)"
  steps:
    - name: greet
      provider:
        type: console
        with:
          message: "Got alert {{ alert.name }} with severity {{ alert.severity }}"
  actions:
    - name: page-on-call
      if: "'{{ alert.severity }}' == 'critical'"
      provider:
        type: console
        with:
          message: "Paging on-call for {{ alert.name }}"
"""

DEFAULT_CONFIG = """\
# keepwf settings (docs/configuration.md)
[keepwf]
workflows = "workflows"
default_env = "production"

[engine]
allow_python = false
allow_private_network = false  # http/webhook may reach loopback/private addresses (docs/engine.md)

[env.production]
branches = ["main", "master"]
approvals = 0

[env.staging]
branches = ["*"]
"""


@dataclass
class InitResult:
    root: Path
    created_repo: bool
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    config_keys: list[str] = field(default_factory=list)


def init_project(path: Path) -> InitResult:
    path = path.resolve()
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path} is a file, not a folder", hint="give keepwf init a folder")
    try:
        return _init(path)
    except OSError as e:  # read-only or special file system, no permission: a message, not an internal error
        where = e.filename or path
        raise StateError(f"cannot set up {path}: {e.strerror or e} ({where})",
                         hint="give keepwf init a folder you can write to") from e


def _init(path: Path) -> InitResult:
    from keepwf.store.repo import Repo
    from keepwf.store.settings import configure_notes_merge, load_config

    path.mkdir(parents=True, exist_ok=True)
    created_repo = False
    try:
        repo = Repo.discover(path)
    except StateError:
        repo = Repo.init(path)
        created_repo = True
    if repo.is_bare:
        raise StateError(f"{path} is a bare repository", hint="run keepwf init in a clone with a working tree")
    res = InitResult(root=repo.root, created_repo=created_repo)
    cfg_path = repo.root / CONFIG_FILE
    if cfg_path.exists():
        res.kept.append(CONFIG_FILE)
    else:
        cfg_path.write_text(DEFAULT_CONFIG, encoding="utf-8")
        res.created.append(CONFIG_FILE)
    config = load_config(repo)
    wf_dir = repo.root / config.workflows_dir
    wf_dir.mkdir(parents=True, exist_ok=True)
    has_workflows = any(p.suffix in (".yml", ".yaml") for p in wf_dir.rglob("*") if p.is_file())
    if has_workflows:
        res.kept.append(config.workflows_dir + "/")
    else:
        (wf_dir / "hello-alert.yml").write_text(EXAMPLE_WORKFLOW, encoding="utf-8")
        res.created.append(f"{config.workflows_dir}/hello-alert.yml")
    res.config_keys = configure_notes_merge(repo)
    return res
