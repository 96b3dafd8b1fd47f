"""Parse a workflow file into WorkflowDoc values (plain data for the engine) plus the node tree (for validation).

The accepted root shapes are Keep's (keep-format.md §1.2): ``workflow:`` (legacy ``alert:``), ``workflows:`` list
(legacy ``alerts:``), or a bare workflow mapping (has ``id`` plus ``steps``/``actions``/``triggers``).
``load_source`` never raises for bad input: every finding is a Problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from keepwf.model import Problem, WorkflowDoc
from keepwf.model.workflow import HasProblems
from keepwf.workflow import yamlnodes as yn

WORKFLOW_SUFFIXES = (".yml", ".yaml")
SINGLE_KEYS = ("workflow", "alert")
LIST_KEYS = ("workflows", "alerts")


def is_workflow_file(path: str) -> bool:
    return path.lower().endswith(WORKFLOW_SUFFIXES)


@dataclass
class LoadResult(HasProblems):
    docs: list[WorkflowDoc] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def extend(self, other: "LoadResult") -> None:
        self.docs.extend(other.docs)
        self.problems.extend(other.problems)


@dataclass
class Located:
    """One workflow document with its node and the YAML path prefix (``workflow``, ``workflows[1]``, or "")."""

    doc: WorkflowDoc
    node: Any
    prefix: str


@dataclass
class Parsed:
    result: LoadResult
    root: Any = None  # the root node (None when the file is not YAML)
    workflows: list[Located] = field(default_factory=list)


def _text(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    if b"\x00" in data[:8192]:
        return None, [Problem("error", path, 0, 0, "not a text file (binary bytes)", hint="workflow files are UTF-8 YAML", code="yaml")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        return None, [Problem("error", path, line, 1, f"not valid UTF-8 ({e.reason})", hint="save the file as UTF-8", code="yaml")]
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return None, [Problem("error", path, 1, 1, "the file is empty", hint="add a `workflow:` mapping (see `keepwf init`)", code="empty")]
    return text, []


def parse_source(data: bytes, path: str) -> Parsed:
    """Parse one file: its node tree, its workflow documents, and the problems found on the way."""
    res = LoadResult()
    parsed = Parsed(res)
    text, problems = _text(data, path)
    res.problems.extend(problems)
    if text is None:
        return parsed
    root, problems = yn.compose(text, path)
    res.problems.extend(problems)
    if root is None:
        if not problems:
            res.problems.append(Problem("error", path, 1, 1, "the file is empty", hint="add a `workflow:` mapping", code="empty"))
        return parsed
    if "*" in text:  # aliases can only come with a '*': refuse a document they would blow up (consts, vars…)
        try:
            why = yn.alias_bomb(root)
        except RecursionError:
            why = "YAML nested too deeply"
        if why:
            res.problems.append(Problem("error", path, 1, 1, why, hint="write the values out, or use fewer nested aliases",
                                        code="yaml"))
            return parsed
    parsed.root = root
    if not isinstance(root, yn.MappingNode):
        kind = "a list" if isinstance(root, yn.SequenceNode) else "a scalar value"
        line, col = yn.pos(root)
        res.problems.append(
            Problem("error", path, line, col, f"the document is {kind}, not a mapping", hint="a workflow file starts with `workflow:`", code="shape")
        )
        return parsed
    try:
        data_root, dups = yn.construct(root, path)
        res.problems.extend(dups)
    except RecursionError:
        res.problems.append(Problem("error", path, 1, 1, "YAML nested too deeply", hint="flatten the document", code="yaml"))
        return parsed
    except Exception as e:  # ConstructorError (unknown tag, unhashable key), bad timestamps…
        mark = getattr(e, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(str(p) for p in (getattr(e, "context", None), getattr(e, "problem", None)) if p) or str(e)
        res.problems.append(Problem("error", path, line, col, f"cannot read the YAML value: {what}", hint="remove YAML tags (!x) and complex keys", code="yaml"))
        return parsed
    for key in SINGLE_KEYS:
        node = yn.get(root, key)
        if yn.key_node(root, key) is not None:
            _add(parsed, node, data_root.get(key), data_root, path, 0, key)
            return parsed
    for key in LIST_KEYS:
        if yn.key_node(root, key) is not None:
            node = yn.get(root, key)
            if not isinstance(node, yn.SequenceNode):
                line, col = yn.pos(yn.key_node(root, key))
                res.problems.append(Problem("error", path, line, col, f"{key} must be a list of workflows", yaml_path=key, hint=f"write each workflow as a `- id: …` item under {key}:", code="shape"))
                return parsed
            for i, item in enumerate(node.value):
                _add(parsed, item, data_root[key][i], data_root, path, i, f"{key}[{i}]")
            return parsed
    if yn.get(root, "id") is not None and any(yn.key_node(root, k) is not None for k in ("steps", "actions", "triggers")):
        _add(parsed, root, data_root, data_root, path, 0, "")
        return parsed
    res.problems.append(
        Problem("error", path, 1, 1, "no workflow in this file (expected a top-level `workflow:` key)", hint="put the workflow under `workflow:`", code="shape")
    )
    return parsed


def _add(parsed: Parsed, node: Any, data: Any, root_data: dict, path: str, index: int, yaml_path: str) -> None:
    if not isinstance(node, yn.MappingNode):
        line, col = yn.pos(node)
        parsed.result.problems.append(
            Problem("error", path, line, col, f"{yaml_path} must be a mapping, not {yn.kind(node)}", yaml_path=yaml_path,
                    hint="indent the workflow keys (id, triggers, steps…) under it", code="shape")
        )
        return
    wf_id = data.get("id")
    if wf_id is not None and not isinstance(wf_id, str):
        wf_id = str(wf_id)
    doc = WorkflowDoc(id=wf_id, path=path, data=data, root=root_data, index=index, line=yn.pos(node)[0])
    parsed.result.docs.append(doc)
    parsed.workflows.append(Located(doc, node, yaml_path))


def load_source(data: bytes, path: str) -> LoadResult:
    """Parse one file. Every workflow document found becomes a WorkflowDoc; shape errors become problems.

    This only loads; ``keepwf.workflow.validate_sources`` also applies the validation rules.
    """
    return parse_source(data, path).result
