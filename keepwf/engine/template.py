"""One string through Keep's pipeline (keep-format.md §2.1–2.3): pre-checks → mustache (recursive, ≤10 passes) →
``raw_render_without_execution(...)`` or ``keep.*`` evaluation.

``keep.*`` calls are parsed with ``ast`` and evaluated by walking the tree: only calls of whitelisted ``keep.<name>``
functions with literal arguments are accepted; nothing is ever passed to ``eval``. Calls whose ``keep.`` text came
from data (an alert field, a step result) are never evaluated: the mustache renderer marks such text.
"""

from __future__ import annotations

import ast
import html
import json
import re
from collections.abc import Callable
from typing import Any

from keepwf.engine import mustache
from keepwf.engine.functions import FUNCTIONS, NEEDS_CTX, FnContext
from keepwf.engine.mustache import MARK

MAX_PASSES = 10
MAX_OUTPUT = 8 * 1024 * 1024  # characters one rendered string may grow to (recursive expansion guard)
RAW_PREFIX = "raw_render_without_execution("


class RenderError(Exception):
    """A template that cannot be rendered; the message says why (becomes the step's error)."""

    def __init__(self, message: str, missing_keys: list[str] | None = None):
        super().__init__(message)
        self.missing_keys = missing_keys or []


def _short(s: str, n: int = 120) -> str:
    s = strip_marks(s)
    return s if len(s) <= n else s[: n - 1] + "…"


def strip_marks(v: Any) -> Any:
    """Remove the data markers (recursively for containers)."""
    if isinstance(v, str):
        return v.replace(MARK, "") if MARK in v else v
    if isinstance(v, list):
        return [strip_marks(x) for x in v]
    if isinstance(v, tuple):
        return tuple(strip_marks(x) for x in v)
    if isinstance(v, dict):
        return {strip_marks(k): strip_marks(x) for k, x in v.items()}
    return v


def precheck(template: str) -> None:
    if template.count("{{") != template.count("}}"):
        raise RenderError(f"Invalid template - number of }}}} and {{{{ does not match: {_short(template)}")
    if template.count("(") != template.count(")"):
        raise RenderError(f"Invalid template - number of ( and ) does not match: {_short(template)}")


_QUOTE = re.compile(r"(?<!')\{\{[\s]*([^\}]+)[\s]*\}\}(?!')")


def quote(template: str) -> str:
    """Keep's ``IOHandler.quote``: wrap every ``{{ … }}`` not already next to a ``'`` in single quotes."""
    return _QUOTE.sub(r"'{{ \1 }}'", template)


def render_mustache(template: str, context: dict, escape=None) -> tuple[str, list[str]]:
    """Keep's ``render_recursively``: up to 10 passes while the output changed and still holds ``{{``."""
    current = template
    missing: list[str] = []
    for i in range(MAX_PASSES):
        try:
            rendered, miss = mustache.render(current, context, escape)
        except mustache.MustacheError as e:
            raise RenderError(f"Invalid template: {e}: {_short(template)}") from None
        except RecursionError:
            raise RenderError(f"template nests too deeply: {_short(template)}") from None
        if i == 0:
            missing = miss
        if len(rendered) > MAX_OUTPUT:
            raise RenderError(f"template expands beyond {MAX_OUTPUT} characters (recursive rendering?): {_short(template)}")
        if rendered == current or "{{" not in rendered or "providers." in rendered:
            return rendered, missing
        current = rendered
    return current, missing


# --- keep.* extraction (Keep's extract_keep_functions, including its embedded-quote heuristic) --------------------

def extract_keep_functions(text: str) -> list[tuple[str, dict[int, str]]]:
    matches = []
    i = 0
    n = len(text)
    while i < n:
        j = text.find("keep.", i)
        if j < 0:
            break
        start = j
        func_start = text.find("(", start)
        if func_start < 0:
            break
        i = func_start + 1
        depth = 1
        in_string = False
        escape_next = False
        quote_char = ""
        escapes: dict[int, str] = {}
        while i < n and (depth > 0 or in_string):
            c = text[i]
            if c == "\\" and in_string and not escape_next:
                escape_next = True
                i += 1
                continue
            if c in ('"', "'"):
                if not in_string:
                    in_string = True
                    quote_char = c
                elif c == quote_char and not escape_next:
                    nxt = text[i + 1] if i + 1 < n else ""
                    if not nxt.isalnum() and nxt != " ":
                        in_string = False
                        quote_char = ""
                    else:
                        escapes[i - start] = c
            elif c == "(" and not in_string:
                depth += 1
            elif c == ")" and not in_string:
                depth -= 1
            escape_next = False
            i += 1
        if depth == 0:
            matches.append((text[start:i], escapes))
    return matches


def _trim_token(token: str) -> str:
    if len(token) > 64:
        m = re.match(r"keep\.(\w+)", token)
        return f"keep.{m.group(1)}(...)" if m else token[:64] + "…"
    return token


class KeepCallError(Exception):
    pass


def _parse_token(token: str) -> ast.AST:
    try:
        return ast.parse(token, mode="eval")
    except SyntaxError as e:
        if "unterminated string literal" in str(e) or "EOL" in str(e):
            t = html.unescape(token.replace("\r\n", "").replace("\n", ""))
            try:
                return ast.parse(t, mode="eval")
            except SyntaxError:
                t2 = t.replace("\\n", "\n").replace("\\", "").replace("\n", "\\n")
                t2 = _encode_single_quotes_in_double_quotes(t2)
                try:
                    return ast.parse(t2, mode="eval")
                except SyntaxError:
                    t3 = t2.replace("('", '("').replace("')", '")').replace("',", '",')
                    return ast.parse(t3, mode="eval")
        return ast.parse(token.encode("unicode_escape"), mode="eval")


def _encode_single_quotes_in_double_quotes(s: str) -> str:
    out = []
    in_dq = False
    for i, c in enumerate(s):
        if c == '"':
            in_dq = not in_dq
        elif c == "'" and in_dq and not (i > 0 and s[i - 1] == "\\"):
            out.append("\\'")
            continue
        out.append(c)
    return "".join(out)


def _arg_value(node: ast.AST, ctx: FnContext, depth: int) -> Any:
    if isinstance(node, ast.Call):
        return _call(node, ctx, depth + 1)
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.Dict):
        return ast.literal_eval(node)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        try:
            return ast.literal_eval(node)
        except (ValueError, SyntaxError, TypeError):
            return ast.unparse(node)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        try:
            return str(ast.literal_eval(node))
        except (ValueError, SyntaxError, TypeError):
            pass
    raise KeepCallError(f"unsupported argument {ast.unparse(node)[:60]!r} (only literals and keep.* calls)")


def _call(node: ast.AST, ctx: FnContext, depth: int = 0) -> Any:
    if depth > 30:
        raise KeepCallError("keep.* calls nested too deeply")
    if not isinstance(node, ast.Call):
        raise KeepCallError("not a function call")
    f = node.func
    if not (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "keep"):
        raise KeepCallError(f"only keep.* functions can be called, not {ast.unparse(f)[:40]!r}")
    name = f.attr
    fn = FUNCTIONS.get(name)
    if fn is None:
        import difflib

        close = difflib.get_close_matches(name, FUNCTIONS, n=1)
        hint = f"; did you mean keep.{close[0]}?" if close else " (docs/engine.md lists the functions)"
        raise KeepCallError(f"unknown function keep.{name}{hint}")
    args = []
    for a in node.args:
        if isinstance(a, ast.Starred):
            raise KeepCallError("*args are not supported")
        v = _arg_value(a, ctx, depth)
        if v or v == "":
            args.append(v)
    kwargs = {}
    for kw in node.keywords:
        if kw.arg is None or kw.arg.startswith("_"):
            raise KeepCallError("**kwargs and private keyword arguments are not supported")
        kwargs[kw.arg] = _arg_value(kw.value, ctx, depth)
    if name in NEEDS_CTX:
        kwargs["_ctx"] = ctx
    try:
        return fn(*args, **kwargs)
    except ValueError:
        args = [a.replace("\n", "\\n") if isinstance(a, str) else a for a in args]
        kwargs = {k: (v.replace("\n", "\\n") if isinstance(v, str) else v) for k, v in kwargs.items()}
        return fn(*args, **kwargs)


def eval_token(token: str, escapes: dict[int, str], ctx: FnContext) -> Any:
    t = token
    for k, pos in enumerate(sorted(escapes)):
        t = t[: pos + k] + "\\" + t[pos + k :]
    t = strip_marks(t)
    try:
        tree = _parse_token(t)
        return _call(tree.body, ctx)
    except RecursionError:
        raise RenderError(f"Got RecursionError while parsing token '{_trim_token(token)}': nested too deeply") from None
    except MemoryError:
        raise RenderError(f"Got MemoryError while parsing token '{_trim_token(token)}'") from None
    except Exception as e:  # noqa: BLE001 - any failure of a keep.* call becomes a clear render error
        msg = (str(e).splitlines() or [""])[-1]
        raise RenderError(f"Got {type(e).__name__} while parsing token '{strip_marks(_trim_token(token))}': {msg}") from None


def _text(val: Any, token: str) -> str:
    try:
        return str(val)
    except ValueError as e:  # e.g. an integer too large to print
        raise RenderError(f"Got ValueError while parsing token '{_trim_token(strip_marks(token))}': {e}") from None


def evaluate_functions(s: str, ctx: FnContext, raw_allowed: bool = True) -> Any:
    """Keep's ``IOHandler.parse`` after mustache: raw wrapper, or evaluate each ``keep.*`` token."""
    if raw_allowed and s.startswith(RAW_PREFIX) and s.endswith(")"):
        inner = s.replace(RAW_PREFIX, "", 1)
        return inner[::-1].replace(")", "", 1)[::-1]
    if "keep." not in s:
        return s
    tokens = extract_keep_functions(s)
    if len(tokens) == 1:
        token, esc = tokens[0]
        val = eval_token(token, esc, ctx)
        if isinstance(val, dict):
            if s == token:
                return val
            val = json.dumps(val, default=str)
        return s.replace(token, _text(val, token))
    done: set[str] = set()
    out = s
    for token, esc in tokens:
        if token in done:
            continue
        val = eval_token(token, esc, ctx)
        out = out.replace(token, _text(val, token))
        done.add(token)
    return out


class Renderer:
    """Renders strings and ``with:`` structures against a context dict (``providers`` excluded by the caller)."""

    def __init__(self, context: dict, fn_ctx: FnContext | None = None):
        self.context = context
        self.fn_ctx = fn_ctx or FnContext()

    def render(self, template: Any, safe: bool = False, default: Any = "", escape: Callable | None = None,
               in_if: bool = False) -> Any:
        if not isinstance(template, str):
            return template
        precheck(template)
        if "{{" in template:
            rendered, missing = render_mustache(template, self.context, escape)
        else:
            rendered, missing = (html.unescape(template) if "&" in template else template), []
        if safe and missing and "{{^" not in template and "{{#fn." not in template:
            keys = sorted(set(missing))
            err = f"Could not find key: {keys[0]}" if len(keys) == 1 else "Could not find keys: " + ", ".join(keys)
            raise RenderError(f"{err} in the context.", missing_keys=keys)
        if not rendered:
            return default
        if "keep." in rendered or rendered.startswith(RAW_PREFIX):
            old = self.fn_ctx.in_if
            self.fn_ctx.in_if = in_if
            try:
                # the raw wrapper counts only when the author wrote it (not when an alert field starts with it)
                rendered = evaluate_functions(rendered, self.fn_ctx, template.lstrip().startswith(RAW_PREFIX))
            finally:
                self.fn_ctx.in_if = old
        return strip_marks(rendered)

    def render_structure(self, value: Any, safe: bool = True, escape_for: dict[str, Callable] | None = None) -> Any:
        """Keep's ``render_context``: walk dicts/lists, render every string (strict about missing keys)."""
        if isinstance(value, str):
            return self.render(value, safe=safe)
        if isinstance(value, dict):
            if isinstance(value.get("key"), str) and set(value) <= {"key", "safe", "default"}:
                # StepProviderParameter (§2.6)
                default = value.get("default")
                default = "" if default is None else str(default)
                s = bool(value.get("safe")) and value.get("default") is not None
                return self.render(value["key"], safe=s, default=default)
            out = {}
            for k, v in value.items():
                esc = escape_for.get(k) if escape_for else None
                out[k] = self.render(v, safe=safe, escape=esc) if esc and isinstance(v, str) else self.render_structure(v, safe)
            return out
        if isinstance(value, list):
            return [self.render_structure(v, safe) for v in value]
        return value
