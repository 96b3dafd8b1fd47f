"""Static checks of template strings: brace/parenthesis balance, ``keep.*`` names, step references.

These mirror what Keep's renderer does at run time (keep-format.md §2.1–2.3, §2.9) so the mistakes show up in
``keepwf validate`` instead of in the middle of a run.
"""

from __future__ import annotations

import ast
import re

# {{ x }}, {{{ x }}}, {{& x }}, {{# x }}, {{^ x }}, {{/ x }}
MUSTACHE_RE = re.compile(r"\{\{\{?\s*[#^/&]?\s*(.*?)\s*\}?\}\}", re.S)
# keep.<name>( — Keep extracts any "keep." followed by "(": a preceding letter/dot means a domain or another word.
KEEP_CALL_RE = re.compile(r"(?<![\w.\-/])keep\.([A-Za-z_]\w*)\s*\(")
RAW_RE = re.compile(r"raw_render_without_execution\(.*\)", re.S)
REF_RE = re.compile(r"^(steps|actions)\.([^.\s{}]+)\.?([^.\s{}]*)")


def balance_problem(text: str, parens: bool = True) -> str | None:
    """Why Keep's renderer would refuse ``text`` before rendering it, or None."""
    opens, closes = text.count("{{"), text.count("}}")
    if opens != closes:
        return f"unbalanced template braces: {opens} × '{{{{' but {closes} × '}}}}'"
    if parens:
        po, pc = text.count("("), text.count(")")
        if po != pc:
            return f"unbalanced parentheses: {po} × '(' but {pc} × ')' (Keep refuses any rendered text where they differ)"
    return None


def keep_calls(text: str) -> list[str]:
    """Names of the ``keep.*`` functions called in ``text`` (not those inside raw_render_without_execution)."""
    if "keep." not in text:
        return []
    text = RAW_RE.sub("", text)
    return KEEP_CALL_RE.findall(text)


def step_refs(text: str) -> list[tuple[str, str]]:
    """(name, attribute) of every ``{{ steps.<name>.<attribute>… }}`` / ``{{ actions.<name>… }}`` in ``text``."""
    if "steps." not in text and "actions." not in text:
        return []
    out = []
    for inner in MUSTACHE_RE.findall(text):
        m = REF_RE.match(inner.strip())
        if m and m.group(2) != "this":
            out.append((m.group(2), m.group(3)))
    return out


def foreach_refs(text: str) -> list[tuple[str, str]]:
    """Step names a ``foreach`` path walks (``{{ steps.x.results }}``, several joined by ``&&``)."""
    out = []
    for part in text.split("&&"):
        path = part.strip().removeprefix("{{").removesuffix("}}").strip()
        m = REF_RE.match(path)
        if m and m.group(2) != "this":
            out.append((m.group(2), m.group(3)))
    return out


_QUOTE_RE = re.compile(r"(?<!')\{\{[\s]*([^\}]+)[\s]*\}\}(?!')")  # Keep's IOHandler.quote
_QUOTED_TPL_RE = re.compile(r"'\{\{[^}]*\}\}'")
_SECTION_RE = re.compile(r"\{\{\{?\s*[#^/]")


def if_problem(text: str) -> str | None:
    """Why Keep could never evaluate this ``if:`` expression (it then skips the step silently), or None.

    Templates are replaced by placeholders the way Keep quotes them; the result must parse as a Python expression,
    and a template the author quoted (``'{{ x }}'``) cannot be ordered against a number (always a TypeError).
    """
    if (not text.strip() or _SECTION_RE.search(text) or "{{{" in text or "{{&" in text
            or text.count("{{") != text.count("}}")):
        return None
    authored = _QUOTED_TPL_RE.sub("'__keepwf_q__'", text)  # quoted by the author: stays text in Keep's retry
    probe = _QUOTE_RE.sub("'__keepwf_k__'", authored)
    try:
        tree = ast.parse(probe.strip(), mode="eval")
    except SyntaxError as e:
        return f"does not parse as an expression (SyntaxError: {e.msg})"
    except (ValueError, RecursionError, MemoryError):  # a NUL byte, absurd nesting: not this check's business
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            for op, a, b in zip(node.ops, sides, sides[1:]):
                if isinstance(op, (ast.Lt, ast.Gt, ast.LtE, ast.GtE)) and {_kind(a), _kind(b)} == {"quoted", "number"}:
                    return "orders a quoted template (text) against a number, which is always a TypeError"
    return None


def _kind(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        if node.value == "__keepwf_q__":
            return "quoted"
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return "number"
    return "other"
