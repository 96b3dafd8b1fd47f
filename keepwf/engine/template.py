"""One string through Keep's pipeline (keep-format.md §2.1–2.3): pre-checks → mustache (recursive, ≤10 passes) →
``raw_render_without_execution(...)`` or ``keep.*`` evaluation.

``keep.*`` calls are parsed with ``ast`` and evaluated by walking the tree: only calls of whitelisted ``keep.<name>``
functions with literal arguments are accepted; nothing is ever passed to ``eval``. Calls whose ``keep.`` text came
from data (an alert field, a step result) are never evaluated: the mustache renderer marks such text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from keepwf.engine import mustache
from keepwf.engine.calls import RAW_PREFIX, evaluate_functions, extract_keep_functions  # noqa: F401 - re-exported
from keepwf.engine.escapes import if_escape, keep_arg_escape  # noqa: F401 - re-exported
from keepwf.engine.functions import FnContext
from keepwf.engine.marks import RenderError, _short, strip_marks  # noqa: F401 - re-exported

# Keep's _render turns strictness off for "{{^", "{{ ^", "{{#fn." and "{{ #fn." (exactly one space or none)
_LENIENT = re.compile(r"\{\{ ?(\^|#fn\.)")
MAX_PASSES = 10
MAX_OUTPUT = 8 * 1024 * 1024  # characters one rendered string may grow to (recursive expansion guard)


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
            if "grows beyond" in str(e):
                raise RenderError(f"template expands beyond {MAX_OUTPUT} characters (recursive rendering?): "
                                  f"{_short(template)}") from None
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
            if escape is None and in_if:
                escape = if_escape
            elif escape is None and "keep." in template and not template.lstrip().startswith(RAW_PREFIX):
                escape = keep_arg_escape
            rendered, missing = render_mustache(template, self.context, escape)
        else:
            rendered, missing = (html.unescape(template) if "&" in template else template), []
        if safe and missing and not _LENIENT.search(template):
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
            out = {}
            for k, v in value.items():
                esc = escape_for.get(k) if escape_for else None
                out[k] = self.render(v, safe=safe, escape=esc) if esc and isinstance(v, str) else self.render_structure(v, safe)
            return out
        if isinstance(value, list):
            return [self.render_structure(v, safe) for v in value]
        return value


_BOOL_WORDS = {"1": True, "on": True, "t": True, "true": True, "y": True, "yes": True,
               "0": False, "off": False, "f": False, "false": False, "n": False, "no": False}


def step_parameter(value: Any) -> tuple[str, bool, str | None] | None:
    """(key, safe, default) when ``value`` is a Keep ``StepProviderParameter`` (a mapping of ``key``, ``safe``,
    ``default`` in a *step's* ``with:``, validated as pydantic 1 does: numbers become text), else None.

    Keep's parser also converts a mapping with other keys besides ``key`` (pydantic ignores them, so they are lost);
    keepwf leaves such a mapping whole (docs/engine.md)."""
    if not isinstance(value, dict) or "key" not in value or not set(value) <= {"key", "safe", "default"}:
        return None
    key, safe, default = value["key"], value.get("safe", False), value.get("default")
    if isinstance(key, (int, float)):
        key = str(key)
    if not isinstance(key, str):
        return None
    if isinstance(safe, str):
        safe = _BOOL_WORDS.get(safe.strip().lower(), safe)
    elif isinstance(safe, int) and safe in (0, 1):
        safe = bool(safe)
    if not isinstance(safe, bool):
        return None
    if isinstance(default, (int, float)):
        default = str(default)
    if default is not None and not isinstance(default, str):
        return None
    return key, safe, default
