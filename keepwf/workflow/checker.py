"""The problem collector the validation rules write to: located findings with YAML path, hint and code."""

from __future__ import annotations

import difflib
from typing import Iterator

from keepwf.config import Config
from keepwf.model import Problem
from keepwf.workflow import yamlnodes as yn


def join(ypath: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{ypath}[{key}]"
    return f"{ypath}.{key}" if ypath else key


def did_you_mean(word: str, choices, cutoff: float = 0.6) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None


class Checker:
    def __init__(self, path: str, config: Config | None = None):
        self.path = path
        self.config = config or Config()
        self.problems: list[Problem] = []

    def add(self, severity: str, node, ypath: str, message: str, hint: str | None = None, code: str = "") -> None:
        line, col = yn.pos(node)
        self.problems.append(Problem(severity, self.path, line, col, message, yaml_path=ypath, hint=hint, code=code))  # type: ignore[arg-type]

    def error(self, node, ypath: str, message: str, hint: str | None = None, code: str = "") -> None:
        self.add("error", node, ypath, message, hint, code)

    def warn(self, node, ypath: str, message: str, hint: str | None = None, code: str = "") -> None:
        self.add("warning", node, ypath, message, hint, code)

    def unknown_keys(self, node, ypath: str, known, where: str, skip=()) -> None:
        for key, knode, _v in yn.items(node):
            if key in known or key in skip:
                continue
            guess = did_you_mean(key, known)
            hint = f"did you mean {guess!r}?" if guess else f"known keys here: {', '.join(known)}"
            self.warn(knode, join(ypath, key), f"unknown key {key!r} in {where} (Keep ignores it)", hint, "unknown-key")

    def expect_bool(self, node, ypath: str, key: str) -> None:
        v = yn.get(node, key)
        if v is None or yn.is_null(v):
            return
        val = yn.scalar(v)
        if not isinstance(val, bool) and str(val).lower() not in ("true", "false"):
            self.warn(v, join(ypath, key), f"{key} should be true or false, not {yn.kind(v)}", f"write `{key}: true` or `{key}: false`", "type")

    def expect_list(self, node, ypath: str, key: str, severity: str = "warning") -> yn.Node | None:
        v = yn.get(node, key)
        if v is None or yn.is_null(v):
            return None
        if not isinstance(v, yn.SequenceNode):
            self.add(severity, v, join(ypath, key), f"{key} must be a list, not {yn.kind(v)}", f"write each entry as a `- item` line under {key}:", "type")
            return None
        return v

    def strings(self, node, ypath: str) -> Iterator[tuple[yn.Node, str, str]]:
        """(node, yaml path, text) of every string scalar below ``node`` (each node once)."""
        seen: set[int] = set()
        stack = [(node, ypath)]
        while stack:
            n, p = stack.pop()
            if n is None or id(n) in seen:
                continue
            seen.add(id(n))
            if isinstance(n, yn.ScalarNode):
                if n.tag == yn.STR_TAG:
                    yield n, p, n.value
            elif isinstance(n, yn.MappingNode):
                for k, _kn, v in reversed(yn.items(n)):
                    stack.append((v, join(p, k)))
            elif isinstance(n, yn.SequenceNode):
                for i in range(len(n.value) - 1, -1, -1):
                    stack.append((n.value[i], join(p, i)))
