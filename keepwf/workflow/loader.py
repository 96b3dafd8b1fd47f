"""Parse a workflow file with ruamel.yaml, keeping line/column, into WorkflowDoc values.

The accepted root shapes are Keep's (keep-format.md §1.2): ``workflow:`` (legacy ``alert:``), ``workflows:`` list
(legacy ``alerts:``), or a bare workflow mapping (has ``id`` plus ``steps``/``actions``/``triggers``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from keepwf.model import Problem, WorkflowDoc

WORKFLOW_SUFFIXES = (".yml", ".yaml")


def is_workflow_file(path: str) -> bool:
    return path.lower().endswith(WORKFLOW_SUFFIXES)


@dataclass
class LoadResult:
    docs: list[WorkflowDoc] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def extend(self, other: "LoadResult") -> None:
        self.docs.extend(other.docs)
        self.problems.extend(other.problems)


def to_plain(node: Any) -> Any:
    """ruamel's commented containers → plain dict/list/str/int/float/bool/None."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (str, int, float, bool)) and k is not None else k: to_plain(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [to_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node if isinstance(node, (str, int, float)) else str(node)


def _pos(node: Any, key: Any = None) -> tuple[int, int]:
    """1-based (line, column) of a mapping key / the container itself, (1, 1) when unknown."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return (1, 1)
    try:
        if key is not None and isinstance(node, dict) and key in node:
            ln, col = lc.key(key)
        elif key is not None and isinstance(node, list):
            ln, col = lc.item(key)
        else:
            ln, col = lc.line, lc.col
        return (ln + 1, col + 1)
    except (KeyError, IndexError, TypeError, AttributeError):
        return (lc.line + 1, lc.col + 1)


def _yaml():
    from ruamel.yaml import YAML

    y = YAML(typ="rt", pure=True)
    y.allow_duplicate_keys = False
    return y


def parse_yaml(data: bytes, path: str) -> tuple[Any, list[Problem]]:
    """The document root (ruamel round-trip nodes, with positions) or a problem explaining why not."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    if b"\x00" in data[:8192]:
        return None, [Problem("error", path, 0, 0, "not a text file (binary bytes)", hint="workflow files are UTF-8 YAML")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        return None, [Problem("error", path, line, 1, f"not valid UTF-8 ({e.reason})", hint="save the file as UTF-8")]
    if not text.strip():
        return None, [Problem("error", path, 1, 1, "the file is empty", hint="add a `workflow:` mapping (see `keepwf init`)")]
    try:
        return _yaml().load(text), []
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = (e.problem or e.context or "invalid YAML").strip()
        hint = "YAML indentation must use spaces, not tabs" if "\t" in what or "tab" in what.lower() else "fix the YAML syntax at that position"
        if "duplicate key" in what.lower() or "found duplicate key" in str(e).lower():
            hint = "remove or rename one of the two keys"
        return None, [Problem("error", path, line, col, f"not valid YAML: {what}", hint=hint, code="yaml")]
    except YAMLError as e:
        return None, [Problem("error", path, 1, 1, f"not valid YAML: {e}", hint="fix the YAML syntax", code="yaml")]
    except RecursionError:
        return None, [Problem("error", path, 1, 1, "YAML nested too deeply", hint="flatten the document", code="yaml")]


def _doc(node: Any, root_plain: dict, path: str, index: int, yaml_path: str, problems: list[Problem]) -> WorkflowDoc | None:
    line, col = _pos(node)
    if not isinstance(node, dict):
        problems.append(Problem("error", path, line, col, f"{yaml_path} must be a mapping", yaml_path=yaml_path, hint="indent the workflow keys under it", code="shape"))
        return None
    data = to_plain(node)
    wf_id = data.get("id")
    if wf_id is not None and not isinstance(wf_id, str):
        wf_id = str(wf_id)
    return WorkflowDoc(id=wf_id, path=path, data=data, root=root_plain, index=index, line=line)


def load_source(data: bytes, path: str) -> LoadResult:
    """Parse one file. Every workflow document found becomes a WorkflowDoc; shape errors become problems."""
    res = LoadResult()
    root, problems = parse_yaml(data, path)
    res.problems.extend(problems)
    if root is None:
        return res
    if not isinstance(root, dict):
        kind = "a list" if isinstance(root, list) else "a scalar value"
        res.problems.append(
            Problem("error", path, 1, 1, f"the document is {kind}, not a mapping", hint="a workflow file starts with `workflow:`", code="shape")
        )
        return res
    root_plain = to_plain(root)
    for key in ("workflow", "alert"):
        if key in root:
            doc = _doc(root[key], root_plain, path, 0, key, res.problems)
            if doc:
                res.docs.append(doc)
            return res
    for key in ("workflows", "alerts"):
        if key in root:
            items = root[key]
            if not isinstance(items, list):
                line, col = _pos(root, key)
                res.problems.append(Problem("error", path, line, col, f"{key} must be a list of workflows", yaml_path=key, code="shape"))
                return res
            for i, item in enumerate(items):
                doc = _doc(item, root_plain, path, i, f"{key}[{i}]", res.problems)
                if doc:
                    res.docs.append(doc)
            return res
    if "id" in root and any(k in root for k in ("steps", "actions", "triggers")):
        doc = _doc(root, root_plain, path, 0, "", res.problems)
        if doc:
            res.docs.append(doc)
        return res
    res.problems.append(
        Problem("error", path, 1, 1, "no workflow in this file (expected a top-level `workflow:` key)", hint="put the workflow under `workflow:`", code="shape")
    )
    return res
