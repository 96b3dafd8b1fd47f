"""The web libraries stay behind the front door: only keepwf/server/ imports them, and only inside functions, so the
CLI and the git hooks never pay their import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "keepwf"
WEB = ("starlette", "uvicorn", "jinja2", "multipart", "python_multipart", "prometheus_client", "playwright")


def _imports(path: Path, top_level_only: bool) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out = []
    for node in nodes:
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


def _web(name: str) -> bool:
    return any(name == w or name.startswith(w + ".") for w in WEB)


def test_only_the_server_package_imports_web_libraries_and_only_lazily():
    bad = []
    for path in sorted(PKG.rglob("*.py")):
        in_server = path.relative_to(PKG).parts[0] == "server"
        for lineno, name in _imports(path, top_level_only=in_server):
            if _web(name):
                bad.append(f"{path.relative_to(PKG.parent)}:{lineno} imports {name}"
                           + (" at module level" if in_server else " outside keepwf/server/"))
    assert not bad, "\n".join(bad)


def test_cli_start_up_imports_no_web_library():
    code = ("import sys; from keepwf.cli import main; import keepwf.cli.commands; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in %r))" % (WEB,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
