"""The layering of docs/architecture.md, kept true: each package may import only what its layer allows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "keepwf"

# package prefix -> module prefixes it must never import
FORBIDDEN = {
    "keepwf.model": ("pygit2", "typer", "click", "rich", "keepwf.store", "keepwf.service", "keepwf.engine", "keepwf.cli", "keepwf.render", "keepwf.workflow"),
    "keepwf.workflow": ("pygit2", "typer", "click", "rich", "keepwf.store", "keepwf.service", "keepwf.cli", "keepwf.render", "keepwf.engine"),
    "keepwf.engine": ("pygit2", "typer", "click", "rich", "keepwf.store", "keepwf.service", "keepwf.cli", "keepwf.render"),
    "keepwf.store": ("typer", "click", "rich", "keepwf.engine", "keepwf.service", "keepwf.cli", "keepwf.render"),
    "keepwf.service": ("pygit2", "typer", "click", "rich", "keepwf.cli", "keepwf.render"),
    "keepwf.render": ("pygit2", "typer", "click", "keepwf.store", "keepwf.cli"),
    "keepwf.cli": ("pygit2",),
    # the git hooks' entry point: a CLI without typer (hooks must start fast), so no typer/rich/pygit2 at all
    "keepwf.hookentry": ("pygit2", "typer", "click", "rich"),
    "keepwf.config": ("pygit2", "typer", "click", "rich"),
    "keepwf.errors": ("pygit2", "typer", "click", "rich"),
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


MODULES = sorted(PKG.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_module_respects_its_layer(path):
    mod = _module_name(path)
    rules = [bad for prefix, bad in FORBIDDEN.items() if mod == prefix or mod.startswith(prefix + ".")]
    violations = []
    for lineno, name in _imports(path):
        for bad_list in rules:
            for bad in bad_list:
                if name == bad or name.startswith(bad + "."):
                    violations.append(f"{path.relative_to(PKG.parent)}:{lineno} imports {name}")
    assert not violations, "layer violations:\n" + "\n".join(violations)


def test_no_module_is_huge():
    big = [f"{p.relative_to(PKG.parent)} ({n} lines)" for p in MODULES if (n := len(p.read_text().splitlines())) > 600]
    assert not big, "split these modules: " + ", ".join(big)
