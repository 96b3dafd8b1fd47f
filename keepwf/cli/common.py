"""What every command shares: the global options (-C, --debug), the --json option, and repository lookup."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer


@dataclass
class GlobalState:
    chdirs: list[Path] = field(default_factory=list)
    debug: bool = False

    def cwd(self) -> Path:
        """The folder the command works in: the current one, changed by each -C in turn (like git)."""
        here = Path.cwd()
        for p in self.chdirs:
            here = (here / p).resolve()
            if not here.is_dir():
                from keepwf.errors import UsageError

                why = "a file, not a folder" if here.exists() else "no such folder"
                raise UsageError(f"cannot change to {str(p)!r}: {why}", hint="check the path given to -C")
        return here


state = GlobalState()

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout (and nothing else).")]
EnvOpt = Annotated[
    str | None, typer.Option("--env", "-e", help="Environment (default: the default_env of keepwf.toml, 'production').")
]
EnvFilterOpt = Annotated[
    str | None, typer.Option("--env", "-e", help="Only this environment (default: every environment).")
]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many rows per page.")]
PageOpt = Annotated[int, typer.Option("--page", "-p", min=1, help="Page number, 1 = newest.")]


def workflow_id(repo, name: str, config=None) -> str:
    """The workflow id a WF argument stands for: an id, or a workflow file's name or path (did-you-mean when
    unknown; ``keepwf.service.wfname``)."""
    from keepwf.service.wfname import resolve
    from keepwf.store.settings import load_config

    return resolve(repo, config or load_config(repo), name, cwd=state.cwd())


def open_repo():
    """The repository containing the working folder (see ``keepwf.store.repo.Repo.discover``)."""
    from keepwf.store.repo import Repo

    return Repo.discover(state.cwd())
