"""The layering of docs/architecture.md, kept true: each package may import only what its layer allows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "keepwf"

# the server stack: only keepwf.server imports it, and only inside functions (the CLI's start-up must not load it)
SERVER_ONLY = ("starlette", "uvicorn", "prometheus_client")

# package prefix -> module prefixes it must never import
FORBIDDEN = {
    "keepwf.model": ("pygit2", "typer", "click", "rich", "keepwf.store", "keepwf.service", "keepwf.engine", "keepwf.cli", "keepwf.render", "keepwf.workflow", *SERVER_ONLY),
    "keepwf.workflow": ("pygit2", "typer", "click", "rich", "keepwf.store", "keepwf.service", "keepwf.cli", "keepwf.render", "keepwf.engine", *SERVER_ONLY),
    "keepwf.engine": ("pygit2", "typer", "click", "rich", "keepwf.store", "keepwf.service", "keepwf.cli", "keepwf.render", *SERVER_ONLY),
    "keepwf.store": ("typer", "click", "rich", "keepwf.engine", "keepwf.service", "keepwf.cli", "keepwf.render", *SERVER_ONLY),
    "keepwf.service": ("pygit2", "typer", "click", "rich", "keepwf.cli", "keepwf.render", "keepwf.server", *SERVER_ONLY),
    "keepwf.render": ("pygit2", "typer", "click", "keepwf.store", "keepwf.cli", *SERVER_ONLY),
    "keepwf.cli": ("pygit2", *SERVER_ONLY),
    # the HTTP interface beside the CLI: no terminal UI, no git internals (it calls service/)
    "keepwf.server": ("pygit2", "typer", "click", "rich", "keepwf.cli", "keepwf.render"),
    # the git hooks' entry point: a CLI without typer (hooks must start fast), so no typer/rich/pygit2 at all
    "keepwf.hookentry": ("pygit2", "typer", "click", "rich", *SERVER_ONLY),
    "keepwf.config": ("pygit2", "typer", "click", "rich", *SERVER_ONLY),
    "keepwf.errors": ("pygit2", "typer", "click", "rich", *SERVER_ONLY),
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


SERVER_PKG = PKG / "server"


@pytest.mark.parametrize("path", sorted(SERVER_PKG.rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_server_stack_is_imported_lazily(path):
    """starlette/uvicorn/prometheus_client only inside functions of keepwf.server (never at module level)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in top if isinstance(n, ast.ImportFrom) and n.module]
    bad = [n for n in names if n.split(".")[0] in SERVER_ONLY]
    assert not bad, f"{path.relative_to(PKG.parent)} imports {bad} at module level"


def test_keepwf_help_does_not_load_the_server_stack():
    import subprocess
    import sys

    code = ("import sys; from keepwf.cli import main; main(['--help']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in %r))" % (SERVER_ONLY,))
    cp = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.strip().splitlines()[-1] == "[]"
