"""Validate many workflow files at once: per-file rules plus cross-file checks (duplicate workflow ids)."""

from __future__ import annotations

from typing import Mapping

from keepwf.config import Config, valid_ref_component
from keepwf.model import Problem
from keepwf.workflow.checker import Checker
from keepwf.workflow.loader import LoadResult, parse_source


def validate_source(data: bytes, path: str, config: Config | None = None) -> LoadResult:
    """Load one file and apply every per-file rule. Never raises for bad input."""
    parsed = parse_source(data, path)
    res = parsed.result
    if parsed.root is None:
        return res
    from keepwf.workflow.rules import check_root, check_workflow

    c = Checker(path, config)
    check_root(c, parsed)
    for loc in parsed.workflows:
        check_workflow(c, loc.node, loc.prefix)
    res.problems.extend(c.problems)
    res.problems.sort(key=lambda p: (p.line, p.column))
    return res


def validate_sources(sources: Mapping[str, bytes], config: Config | None = None) -> LoadResult:
    """Load and validate every file; ``sources`` maps a (repo-relative) path to its bytes, in display order.

    Returns every WorkflowDoc found and every problem (errors and warnings), per file in line order, then the
    cross-file problems. Never raises for bad input.
    """
    config = config or Config()
    out = LoadResult()
    seen: dict[str, tuple[str, int]] = {}
    for path, data in sources.items():
        try:
            res = validate_source(data, path, config)
        except RecursionError:
            res = LoadResult(problems=[Problem("error", path, 1, 1, "YAML nested too deeply", hint="flatten the document", code="yaml")])
        for doc in res.docs:
            if not doc.id or not valid_ref_component(doc.id):
                continue
            if doc.id in seen:
                fpath, fline = seen[doc.id]
                res.problems.append(
                    Problem("error", path, doc.line, 1, f"duplicate workflow id {doc.id!r} (also in {fpath}:{fline})", yaml_path="id",
                            hint="workflow ids must be unique across the workflows folder; rename one of them", code="duplicate-id")
                )
            else:
                seen[doc.id] = (path, doc.line)
        out.extend(res)
    return out
