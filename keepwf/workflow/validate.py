"""Validate many workflow files at once: per-file rules plus cross-file checks (duplicate workflow ids)."""

from __future__ import annotations

from typing import Mapping

from keepwf.config import Config, valid_ref_component
from keepwf.model import Problem
from keepwf.workflow import yamlnodes as yn
from keepwf.workflow.checker import Checker, join
from keepwf.workflow.loader import LoadResult, Parsed, parse_source


def _validate(data: bytes, path: str, config: Config | None) -> Parsed:
    parsed = parse_source(data, path)
    if parsed.root is None:
        return parsed
    from keepwf.workflow.rules import check_root, check_workflow

    c = Checker(path, config)
    check_root(c, parsed)
    for loc in parsed.workflows:
        check_workflow(c, loc.node, loc.prefix)
    res = parsed.result
    res.problems.extend(c.problems)
    res.problems.sort(key=lambda p: (p.line, p.column))
    return parsed


def validate_source(data: bytes, path: str, config: Config | None = None) -> LoadResult:
    """Load one file and apply every per-file rule (no cross-file checks). Never raises for bad input."""
    try:
        return _validate(data, path, config).result
    except RecursionError:
        return LoadResult(problems=[Problem("error", path, 1, 1, "YAML nested too deeply", hint="flatten the document", code="yaml")])


def validate_sources(sources: Mapping[str, bytes], config: Config | None = None, duplicate_ids: str = "error") -> LoadResult:
    """Load and validate every file; ``sources`` maps a (repo-relative) path to its bytes, in display order.

    Returns every WorkflowDoc found and every problem (errors and warnings): per file in line order, a duplicate
    workflow id reported on the later file. Never raises for bad input.

    ``duplicate_ids`` is the severity of a workflow id used twice: an error for the files of a workflows folder
    (they would collide as deploy tags), a warning for a loose collection of files that is never deployed together.
    """
    config = config or Config()
    out = LoadResult()
    seen: dict[str, tuple[str, int]] = {}
    for path, data in sources.items():
        try:
            parsed = _validate(data, path, config)
        except RecursionError:
            out.problems.append(Problem("error", path, 1, 1, "YAML nested too deeply", hint="flatten the document", code="yaml"))
            continue
        for loc in parsed.workflows:
            wid = loc.doc.id
            if not wid or not valid_ref_component(wid):
                continue
            line, col = yn.pos(yn.get(loc.node, "id"))
            if wid in seen:
                fpath, fline = seen[wid]
                where = f"line {fline}" if fpath == path else f"{fpath}:{fline}"
                parsed.result.problems.append(
                    Problem(duplicate_ids, path, line, col, f"duplicate workflow id {wid!r} (also in {where})", yaml_path=join(loc.prefix, "id"),
                            hint="workflow ids must be unique across the workflows folder (they name the deploy tags); rename one", code="duplicate-id")
                )
            else:
                seen[wid] = (path, line)
        out.extend(parsed.result)
    if config.validate_ignore:  # keepwf.toml › validate › ignore: warnings the project decided to live with
        out.problems = [p for p in out.problems if not (p.severity == "warning" and p.code in config.validate_ignore)]
    return out
