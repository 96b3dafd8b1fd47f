"""``keepwf fmt``: one layout for every workflow file (and Keep's legacy roots upgraded), comments kept."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from keepwf.errors import UsageError
from keepwf.store.repo import Repo


@dataclass
class FmtResult:
    check: bool
    changed: list[str] = field(default_factory=list)  # files rewritten (or that would be, with check)
    unchanged: int = 0
    refused: list[dict] = field(default_factory=list)  # [{path, reason}]

    def to_dict(self) -> dict:
        return {"check": self.check, "changed": self.changed, "unchanged": self.unchanged, "refused": self.refused}


def fmt(repo: Repo, paths: list[str], *, upgrade: bool = False, check: bool = False) -> FmtResult:
    from keepwf.service import catalog
    from keepwf.store.settings import load_config
    from keepwf.workflow.edit import format_text

    sources = catalog.working_tree(repo, load_config(repo)).sources
    if paths:
        wanted = {p.replace(os.sep, "/").lstrip("./") for p in paths}
        missing = wanted - set(sources)
        if missing:
            raise UsageError(f"not a workflow file of this repository: {', '.join(sorted(missing))}",
                             hint="give paths relative to the repository root, e.g. workflows/hello-alert.yml")
        sources = {p: b for p, b in sources.items() if p in wanted}
    res = FmtResult(check)
    for path, data in sorted(sources.items()):
        try:
            text = data.decode("utf-8")
            new = format_text(text, upgrade, path)
        except (UnicodeDecodeError, UsageError) as e:
            res.refused.append({"path": path, "reason": getattr(e, "message", str(e))})
            continue
        if new == text:
            res.unchanged += 1
            continue
        res.changed.append(path)
        if not check:
            target = repo.root / path
            tmp = target.with_name(f".{target.name}.keepwf-fmt")
            tmp.write_text(new, encoding="utf-8")
            os.replace(tmp, target)  # atomic: a crash leaves the old file or the new one
    return res
