"""A small, fast mustache renderer with chevron 0.14's observable behaviour (Keep renders with chevron).

Compiled templates are cached. Differences from chevron, on purpose:

- no attribute access on values (``{{ x.__class__ }}`` finds nothing): contexts are plain dicts and lists;
- values substituted from *data* (anything outside ``consts``/``vars``) have ``{{`` and ``keep.`` neutralised with an
  invisible marker so that alert text is never rendered again nor evaluated as a ``keep.*`` call (see
  ``template.strip_marks``);
- an ``escape`` hook replaces HTML escaping (Keep un-escapes chevron's HTML escaping after each pass, so the
  default hook is the identity) — the bash provider passes a shell-quoting hook.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

MARK = "\ue000"  # neutralises "{{" and "keep." inside data values
TRUSTED_ROOTS = frozenset({"consts", "vars"})


class MustacheError(Exception):
    """A template that cannot be parsed (unclosed section, unclosed tag, empty tag)."""


# Node kinds
LIT, VAR, RAW, SEC, INV = 0, 1, 2, 3, 4


def _tag_type(tag: str) -> tuple[str, str]:
    if not tag:
        raise MustacheError("empty tag {{}}")
    c = tag[0]
    kinds = {"!": "comment", "#": "section", "^": "inverted", "/": "end", ">": "partial", "=": "delim", "&": "raw", "{": "raw?"}
    kind = kinds.get(c, "variable")
    if kind != "variable":
        tag = tag[1:]
    return kind, tag


def _tokenize(template: str) -> list[tuple[str, str]]:
    """chevron.tokenizer semantics (standalone-line stripping included)."""
    out: list[tuple[str, str]] = []
    pos = 0
    n = len(template)
    standalone = True
    open_sections: list[str] = []
    while True:
        i = template.find("{{", pos)
        if i < 0:
            out.append(("literal", template[pos:]))
            break
        literal = template[pos:i]
        # left standalone check
        if "\n" in literal or standalone:
            pad = literal.rsplit("\n", 1)[-1]
            standalone = pad == "" or pad.isspace()
        j = template.find("}}", i + 2)
        if j < 0:
            raise MustacheError("unclosed tag {{ (no matching }})")
        kind, key = _tag_type(template[i + 2 : j])
        pos = j + 2
        if kind == "raw?":
            if template.startswith("}", pos):
                pos += 1
            kind = "raw"
        elif kind == "delim":
            raise MustacheError("set-delimiter tags {{= =}} are not supported")
        key = key.strip()
        if kind in ("section", "inverted"):
            open_sections.append(key)
        elif kind == "end":
            if not open_sections:
                raise MustacheError(f"closing tag {{{{/{key}}}}} that was never opened")
            last = open_sections.pop()
            if last != key:
                raise MustacheError(f"closing tag {{{{/{key}}}}} but the open section is {{{{#{last}}}}}")
        # right standalone check
        if standalone and kind not in ("variable", "raw"):
            nl = template.find("\n", pos)
            rest = template[pos:] if nl < 0 else template[pos:nl]
            standalone = rest == "" or rest.isspace()
        else:
            standalone = False
        if standalone:
            nl = template.find("\n", pos)
            if nl >= 0:  # chevron keeps a trailing remainder without newline at the end of the template
                pos = nl + 1
            if kind != "partial":
                literal = literal.rstrip(" ")
        if literal:
            out.append(("literal", literal))
        if kind not in ("comment", "delim"):
            out.append((kind, key))
        if pos >= n:
            break
    if open_sections:
        raise MustacheError(f"section {{{{#{open_sections[-1]}}}}} is never closed")
    return out


def _build(tokens: list[tuple[str, str]], start: int, end_key: str | None) -> tuple[list, int]:
    nodes: list = []
    i = start
    while i < len(tokens):
        kind, key = tokens[i]
        i += 1
        if kind == "literal":
            nodes.append((LIT, key, html.unescape(key) if "&" in key else key))
        elif kind == "variable":
            nodes.append((VAR, key, key.split(".")))
        elif kind == "raw":
            nodes.append((RAW, key, key.split(".")))
        elif kind in ("section", "inverted"):
            body_start = i
            children, i = _build(tokens, i, key)
            raw_text = _source(tokens[body_start : i - 1])
            nodes.append((SEC if kind == "section" else INV, key, key.split("."), children, raw_text))
        elif kind == "end":
            return nodes, i
        # partials render nothing (no partials in Keep)
    return nodes, i


def _source(tokens: list[tuple[str, str]]) -> str:
    """Template text of a section body, as chevron hands it to a lambda."""
    sig = {"section": "#", "inverted": "^", "end": "/", "partial": ">", "raw": "& ", "variable": ""}
    parts = []
    for kind, key in tokens:
        parts.append(key if kind == "literal" else "{{" + sig.get(kind, "") + (key if kind == "raw" else key) + "}}")
    return "".join(parts)


_CACHE: dict[str, list] = {}


def compile_template(template: str) -> list:
    nodes = _CACHE.get(template)
    if nodes is None:
        nodes, _ = _build(_tokenize(template), 0, None)
        if len(_CACHE) > 20000:
            _CACHE.clear()
        _CACHE[template] = nodes
    return nodes


def _zero(v: Any) -> bool:
    return (v is False or v == 0) and type(v) in (int, float, bool)


def lookup(key: str, parts: list[str], scopes: list) -> tuple[Any, bool, int]:
    """chevron._get_key without getattr: (value, found, index of the scope it was found in)."""
    if key == ".":
        return scopes[0], True, 0
    for si, scope in enumerate(scopes):
        if _zero(scope):
            return scope, True, si
        cur = scope
        ok = True
        for child in parts:
            if _zero(cur):
                return cur, True, si
            if isinstance(cur, dict):
                if child in cur:
                    cur = cur[child]
                    continue
                ok = False
                break
            if isinstance(cur, (list, tuple, str)):
                try:
                    cur = cur[int(child)]
                    continue
                except (ValueError, IndexError):
                    ok = False
                    break
            ok = False
            break
        if ok:
            if _zero(cur):
                return cur, True, si
            return (cur if cur else ""), True, si
    return "", False, -1


def _mark(s: str) -> str:
    if "{{" in s:
        s = s.replace("{{", "{" + MARK + "{")
    if "keep." in s:
        s = s.replace("keep.", "keep" + MARK + ".")
    return s


class RenderState:
    __slots__ = ("missing", "escape", "depth")

    def __init__(self, escape: Callable[[str, list], str] | None = None):
        self.missing: list[str] = []
        self.escape = escape
        self.depth = 0


def _to_text(v: Any) -> str:
    return v if type(v) is str else str(v)


def render_nodes(nodes: list, scopes: list, st: RenderState, out: list) -> None:
    if len(scopes) > 1 and not scopes[0]:
        return
    nroot = len(scopes) - 1
    for node in nodes:
        kind = node[0]
        if kind == LIT:
            out.append(node[2])
        elif kind == VAR or kind == RAW:
            v, found, si = lookup(node[1], node[2], scopes)
            if not found:
                st.missing.append(node[1])
                continue
            if v is True and kind == VAR and node[1] == "." and len(scopes) > 1:
                v = scopes[1]
            s = _to_text(v)
            if not (si == nroot and node[2][0] in TRUSTED_ROOTS):
                s = _mark(s)
            if kind == VAR:
                if st.escape is not None:
                    s = st.escape(s, out)
            elif "&" in s:
                s = html.unescape(s)
            out.append(s)
        elif kind == SEC:
            v, found, _ = lookup(node[1], node[2], scopes)
            if not found:
                st.missing.append(node[1])
            if callable(v):
                text = node[4]

                def _render(t: str, _scopes=scopes) -> str:
                    sub: list = []
                    render_nodes(compile_template(t), _scopes, st, sub)
                    return "".join(sub)

                out.append(_to_text(v(text, _render)))
            elif isinstance(v, (list, tuple)):
                st.depth += 1
                if st.depth > 50:
                    raise MustacheError("sections nested too deeply")
                for item in v:
                    render_nodes(node[3], [item, *scopes], st, out)
                st.depth -= 1
            elif v:
                render_nodes(node[3], [v, *scopes], st, out)
        elif kind == INV:
            v, found, _ = lookup(node[1], node[2], scopes)
            if not found:
                st.missing.append(node[1])
            if not v:
                render_nodes(node[3], [True, *scopes], st, out)


def render(template: str, context: dict, escape: Callable[[str, list], str] | None = None) -> tuple[str, list[str]]:
    """Render one pass. Returns (text, missing keys)."""
    st = RenderState(escape)
    out: list[str] = []
    render_nodes(compile_template(template), [context], st, out)
    return "".join(out), st.missing
