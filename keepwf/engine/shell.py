"""Shell quoting of values substituted into a ``bash`` command (keepwf decision 3).

``{{ x }}`` is quoted for the place it lands in: outside quotes → ``shlex.quote``; inside '…' → close, escaped
quote, reopen; inside "…" → backslash before ``\\ " $ ` ``. ``{{{ x }}}`` / ``{{& x }}`` stay raw (the author's
explicit choice). An alert field ``x; touch pwned.txt`` is therefore echoed, never executed.
"""

from __future__ import annotations

import shlex


def quote_state(text: str) -> str:
    """'' (unquoted), "'" or '"': the shell quoting state at the end of ``text``."""
    state = ""
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if state == "":
            if c == "\\":
                i += 1
            elif c in ("'", '"'):
                state = c
        elif state == "'":
            if c == "'":
                state = ""
        else:
            if c == "\\":
                i += 1
            elif c == '"':
                state = ""
        i += 1
    return state


def shell_escape(value: str, out: list[str]) -> str:
    """For ``shell: true`` (``/bin/sh -c``)."""
    state = quote_state("".join(out))
    if state == "'":
        return value.replace("'", "'\"'\"'")
    if state == '"':
        return "".join("\\" + c if c in '\\"$`' else c for c in value)
    return shlex.quote(value)


def shlex_escape(value: str, out: list[str]) -> str:
    """For ``shell: false`` (Keep's default: ``shlex.split``, no shell): inside "…" only ``\\`` and ``"`` escape."""
    state = quote_state("".join(out))
    if state == "'":
        return value.replace("'", "'\"'\"'")
    if state == '"':
        return "".join("\\" + c if c in '\\"' else c for c in value)
    return shlex.quote(value)
