"""Static checks of template strings: brace/parenthesis balance, ``keep.*`` names, step references.

These mirror what Keep's renderer does at run time (keep-format.md §2.1–2.3, §2.9) so the mistakes show up in
``keepwf validate`` instead of in the middle of a run.
"""

from __future__ import annotations

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
