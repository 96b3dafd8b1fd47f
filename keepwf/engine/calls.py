"""``keep.*`` calls after mustache (keep-format.md §2.3): extraction as Keep does it, then evaluation by walking the
``ast`` of each call — only whitelisted ``keep.<name>`` functions with literal arguments; nothing is ``eval``-ed."""

from __future__ import annotations

import ast
import html
import json
import re
from typing import Any

from keepwf.engine.functions import FUNCTIONS, NEEDS_CTX, FnContext
from keepwf.engine.marks import RenderError, strip_marks

RAW_PREFIX = "raw_render_without_execution("


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
