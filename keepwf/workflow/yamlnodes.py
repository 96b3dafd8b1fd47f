"""YAML text → a node tree that knows the line and column of every key and value.

Keep reads workflow files with PyYAML's libyaml loader (``CSafeLoader``, YAML 1.1: ``yes``/``on`` are booleans);
keepwf composes the same node tree with the same loader, so a file means exactly what it means to Keep, and it is
fast (libyaml is C; a pure-Python parser would cost more than Python's start-up on 100 files). Positions are
1-based here. Walks over the tree guard against alias bombs (``&a [*a, *a…]``): each node is visited once.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from keepwf.model import Problem

Loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"

__all__ = ["MappingNode", "Node", "ScalarNode", "SequenceNode", "compose", "construct", "get", "items", "key_node", "pos", "scalar"]


def pos(node: Node | None) -> tuple[int, int]:
    if node is None:
        return (1, 1)
    m = node.start_mark
    return (m.line + 1, m.column + 1)


def _char_at(text: str, line: int, col: int) -> str:
    lines = text.splitlines()
    return lines[line][col] if 0 <= line < len(lines) and 0 <= col < len(lines[line]) else ""


def _mark_problem(path: str, e: yaml.MarkedYAMLError, text: str) -> Problem:
    mark = e.problem_mark or e.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = " ".join(p for p in (e.context, e.problem) if p).strip() or "invalid YAML"
    hint = "fix the YAML syntax at that position"
    if mark and _char_at(text, mark.line, mark.column) == "\t":
        what = what.replace("found character", "found a tab character")
        hint = "YAML indentation must use spaces, not tabs"
    elif "\t" in what or "tab" in what.lower():
        hint = "YAML indentation must use spaces, not tabs"
    elif "expected a single document" in what:
        hint = "one workflow file holds one YAML document; remove the `---` separator or split the file"
    elif "could not determine a constructor" in what:
        hint = "YAML tags like !something are not supported by Keep's loader; remove the tag"
    return Problem("error", path, line, col, f"not valid YAML: {what}", hint=hint, code="yaml")


def compose(text: str, path: str) -> tuple[Node | None, list[Problem]]:
    """The root node of ``text`` (None for an empty document) or a problem saying where the YAML breaks."""
    loader = Loader(text)
    try:
        return loader.get_single_node(), []
    except yaml.MarkedYAMLError as e:
        return None, [_mark_problem(path, e, text)]
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, max(e.position, 0)) + 1 if isinstance(e.position, int) else 1
        return None, [Problem("error", path, line, 1, f"not valid YAML: {e}", hint="remove control characters from the file", code="yaml")]
    except yaml.YAMLError as e:
        return None, [Problem("error", path, 1, 1, f"not valid YAML: {e}", hint="fix the YAML syntax", code="yaml")]
    except RecursionError:
        return None, [Problem("error", path, 1, 1, "YAML nested too deeply", hint="flatten the document", code="yaml")]
    finally:
        loader.dispose()


MAX_ALIAS_VALUES = 100_000  # values that YAML aliases may add to a document once expanded
MAX_ALIAS_CHARS = 10_000_000  # characters of text they may add


def alias_growth(root: Node) -> tuple[int, int]:
    """(values, characters) that aliases (``*a``, ``<<: *a``) add when the document is expanded into a tree — what
    a billion-laughs document multiplies. Each node is sized once (shared nodes are memoised), so this is linear."""
    sizes: dict[int, tuple[int, int]] = {}
    unique_n = unique_c = 0

    def size(node: Node) -> tuple[int, int]:
        nonlocal unique_n, unique_c
        hit = sizes.get(id(node))
        if hit is not None:
            return hit
        sizes[id(node)] = (1, 0)  # a cycle (possible through merge keys) counts once
        if isinstance(node, ScalarNode):
            out = (1, len(node.value))
            unique_c += len(node.value)
        else:
            n, c = 1, 0
            children = node.value if isinstance(node, SequenceNode) else [x for kv in node.value for x in kv]
            for child in children:
                cn, cc = size(child)
                n, c = n + cn, c + cc
            out = (n, c)
        unique_n += 1
        sizes[id(node)] = out
        return out

    n, c = size(root)
    return n - unique_n, c - unique_c


def alias_bomb(root: Node) -> str | None:
    """Why the document's aliases expand too far, or None."""
    n, c = alias_growth(root)
    if n > MAX_ALIAS_VALUES or c > MAX_ALIAS_CHARS:
        return (f"YAML aliases (*name) expand the document by {n:,} values / {c:,} characters (the limit is "
                f"{MAX_ALIAS_VALUES:,} values and {MAX_ALIAS_CHARS:,} characters): an alias bomb is refused")
    return None


_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
_PLAIN_INT = re.compile(r"^-?(?:0|[1-9][0-9]*)$")
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"


class _Builder:
    """Plain data from nodes, as PyYAML's SafeConstructor builds it (it is the fallback for the rare tags), in one
    pass that also notes keys given twice. Shared (aliased) nodes are built once, so alias bombs stay cheap."""

    def __init__(self, path: str):
        self.path = path
        self.duplicates: list[Problem] = []
        self.memo: dict[int, Any] = {}
        self._safe: yaml.constructor.SafeConstructor | None = None

    def slow(self, node: Node) -> Any:
        if self._safe is None:
            self._safe = yaml.constructor.SafeConstructor()
        return self._safe.construct_object(node, deep=True)

    def build(self, node: Node) -> Any:
        key = id(node)
        if key in self.memo:
            return self.memo[key]
        tag = node.tag
        if isinstance(node, ScalarNode):
            v = node.value
            if tag == STR_TAG:
                out: Any = v
            elif tag == "tag:yaml.org,2002:null":
                out = None
            elif tag == "tag:yaml.org,2002:bool" and v.lower() in _BOOLS:
                out = _BOOLS[v.lower()]
            elif tag == "tag:yaml.org,2002:int" and _PLAIN_INT.match(v):
                out = int(v)
            else:
                out = self.slow(node)
        elif isinstance(node, SequenceNode) and tag == SEQ_TAG:
            out = []
            self.memo[key] = out
            out.extend(self.build(item) for item in node.value)
        elif isinstance(node, MappingNode) and tag == MAP_TAG and not any(k.tag == MERGE_TAG for k, _v in node.value):
            out = {}
            self.memo[key] = out
            seen: dict[Any, Node] = {}
            for k, v in node.value:
                if isinstance(k, ScalarNode):
                    ident = (k.tag, k.value)
                    if ident in seen:
                        self._duplicate(k, seen[ident])
                    seen[ident] = k
                kv = self.build(k)
                try:
                    out[kv] = self.build(v)
                except TypeError:  # an unhashable key: let PyYAML say it the way Keep would see it
                    return self.slow(node)
        else:
            out = self.slow(node)
        self.memo[key] = out
        return out

    def _duplicate(self, k: Node, first: Node) -> None:
        line, col = pos(k)
        self.duplicates.append(
            Problem("error", self.path, line, col, f"duplicate key {k.value!r} (first at line {pos(first)[0]})",
                    hint="remove or rename one of the two keys; Keep would silently use the last one", code="duplicate-key")
        )


def construct(node: Node, path: str) -> tuple[Any, list[Problem]]:
    """Plain Python data (dict/list/str/int/float/bool/None, dates) exactly as Keep's safe loader builds it, and the
    keys given twice (Keep's loader silently keeps the last one; keepwf refuses the ambiguity)."""
    b = _Builder(path)
    return b.build(node), b.duplicates


def scalar(node: Node | None) -> Any:
    """The value of a scalar node (``None`` for anything else)."""
    if not isinstance(node, ScalarNode):
        return None
    try:
        return yaml.constructor.SafeConstructor().construct_object(node)
    except Exception:  # a malformed timestamp or similar: fall back to the text
        return node.value


def items(node: Node | None) -> list[tuple[str, Node, Node]]:
    """(key text, key node, value node) of a mapping node; [] for anything else."""
    if not isinstance(node, MappingNode):
        return []
    return [(k.value if isinstance(k, ScalarNode) else "<complex key>", k, v) for k, v in node.value]


def _index(node: MappingNode) -> dict[str, tuple[Node, Node]]:
    """key text → (key node, value node), the last one winning like in Keep; cached on the node."""
    idx = node.__dict__.get("_keepwf_index")
    if idx is None:
        idx = {k.value: (k, v) for k, v in node.value if isinstance(k, ScalarNode)}
        node.__dict__["_keepwf_index"] = idx
    return idx


def get(node: Node | None, key: str) -> Node | None:
    """The value node under ``key`` (the last one if given twice, like Keep), or None."""
    if isinstance(node, MappingNode):
        hit = _index(node).get(key)
        return hit[1] if hit else None
    return None


def key_node(node: Node | None, key: str) -> Node | None:
    """The key node of ``key`` (where to point at a key), or None."""
    if isinstance(node, MappingNode):
        hit = _index(node).get(key)
        return hit[0] if hit else None
    return None


def is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null")


def is_str(node: Node | None) -> bool:
    return isinstance(node, ScalarNode) and node.tag == STR_TAG


def kind(node: Node | None) -> str:
    """A word for error messages: mapping, list, string, number, boolean, null."""
    if node is None or is_null(node):
        return "empty"
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    tag = node.tag.rsplit(":", 1)[-1]
    return {"str": "a string", "int": "a number", "float": "a number", "bool": "a boolean"}.get(tag, f"a {tag}")
