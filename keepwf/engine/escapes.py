"""Escaping of *data* substituted into code-like places: quoted ``keep.*`` arguments and ``if:``/``assert:``
expressions (shell quoting for ``bash`` lives in shell.py). keepwf decision: data is a value, never code."""

from __future__ import annotations

import ast

from keepwf.engine.mustache import MARK, _mark


def keep_call_quote(text: str) -> str | None:
    """Inside an open ``keep.f(`` call at the end of ``text``: the quote char of the string literal we are in."""
    start = text.rfind("keep.")
    while start >= 0:
        i = text.find("(", start)
        if i < 0:
            start = text.rfind("keep.", 0, start)
            continue
        depth, quote_char, esc = 1, "", False
        i += 1
        n = len(text)
        while i < n:
            c = text[i]
            if quote_char:
                if esc:
                    esc = False
                elif c == "\\":
                    esc = True
                elif c == quote_char:
                    quote_char = ""
            elif c in "'\"":
                quote_char = c
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        if i >= n:  # still open at the end: this is the call we are in
            return quote_char or None
        start = text.rfind("keep.", 0, start)
    return None


def keep_arg_escape(value: str, out: list, trusted: bool = False) -> str:
    """Data substituted inside a quoted ``keep.*`` argument is escaped as a Python string literal, so the function
    receives exactly the data (Keep's heuristics break on quotes, backslashes and newlines in alert text)."""
    if trusted or not out:
        return value
    q = keep_call_quote("".join(out))
    if q is None:
        return value
    return value.replace("\\", "\\\\").replace(q, "\\" + q).replace("\n", "\\n").replace("\r", "\\r")


keep_arg_escape.raw_too = True  # type: ignore[attr-defined]


def python_quote_state(text: str) -> str | None:
    """The Python string-literal quote we are inside at the end of ``text`` (None outside strings)."""
    q = None
    esc = False
    for c in text:
        if q:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == q:
                q = None
        elif c in "'\"":
            q = c
    return q


def if_escape(value: str, out: list, trusted: bool = False) -> str:
    """keepwf decision: data in an ``if:``/``assert:`` expression is always a value, never code.

    Inside quotes it is escaped as a Python string literal (it cannot close the quotes); outside quotes (Keep's
    unquoted retry, ``{{ alert.count }} > 5``) it is inserted as is only when it is a Python literal (a number,
    ``True``, a list…), otherwise as a quoted string.
    """
    if trusted:
        return value
    q = python_quote_state("".join(out))
    if q is not None:
        return value.replace("\\", "\\\\").replace(q, "\\" + q).replace("\n", "\\n").replace("\r", "\\r")
    text = value.replace(MARK, "")
    if not text.strip():
        return value
    try:
        ast.literal_eval(text.strip())
        return value
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _mark(repr(text))  # keep the data markers: `keep.` / `{{` in the data stay inert after quoting


if_escape.raw_too = True  # type: ignore[attr-defined]
