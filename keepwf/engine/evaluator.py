"""``if:`` and ``condition`` evaluation with a minimal asteval interpreter (keepwf decision 2: no eval of data).

The interpreter has no imports, no function/lambda definitions, no loops, no attribute access to dunders (asteval's
own rule) and a symbol table holding only a few harmless builtins. One interpreter per run.
"""

from __future__ import annotations

from typing import Any

from keepwf.engine.template import Renderer, RenderError, quote

_SAFE_BUILTINS = ("abs", "all", "any", "bool", "dict", "float", "int", "len", "list", "max", "min", "round", "set",
                  "sorted", "str", "sum", "tuple")


_PY_EXTRA = ("enumerate", "filter", "map", "range", "reversed", "zip", "isinstance", "divmod", "pow", "repr", "chr",
             "ord", "hex", "bin", "oct", "format", "frozenset")


def python_interpreter():
    """A fresh restricted interpreter for the python provider."""
    return _interpreter(python=True)


class ConditionError(Exception):
    pass


def _interpreter(python: bool = False):
    import builtins

    from asteval import Interpreter

    cfg = {k: False for k in ("import", "importfrom", "functiondef", "lambda", "while", "for", "try", "with", "raise",
                             "delete", "augassign", "print", "listcomp", "dictcomp", "setcomp", "formattedvalue",
                             "assert")}
    cfg.update({"if": False, "ifexp": True})
    if python:  # the python provider: expressions with comprehensions and f-strings
        cfg.update({"listcomp": True, "dictcomp": True, "setcomp": True, "formattedvalue": True})
    symtable = {"True": True, "False": False, "None": None}
    for name in _SAFE_BUILTINS + (_PY_EXTRA if python else ()):
        symtable[name] = getattr(builtins, name)
    interp = Interpreter(symtable=symtable, use_numpy=False, minimal=True, config=cfg, builtins_readonly=True,
                         max_statement_length=8 * 1024 * 1024, writer=_Null(), err_writer=_Null())
    return interp


class _Null:
    def write(self, *a):
        return 0

    def flush(self):
        pass


class SafeEval:
    """``evaluate(text) -> (value, error message or None)``."""

    def __init__(self):
        self._interp = None

    def evaluate(self, text: str) -> tuple[Any, str | None]:
        if self._interp is None:
            self._interp = _interpreter()
        it = self._interp
        it.error = []
        it.error_msg = None
        try:
            value = it.eval(text, show_errors=False, raise_errors=False)
        except Exception as e:  # noqa: BLE001 - asteval itself failing is an evaluation error
            return None, f"{type(e).__name__}: {e}"
        if it.error:
            err = it.error[0]
            try:
                kind, msg = err.get_error()
                lines = msg.strip().splitlines()
                return None, (lines[-1] if lines else kind)
            except Exception:  # noqa: BLE001
                return None, "evaluation error"
        return value, None


def _eval_twice(ev: SafeEval, text: str) -> tuple[Any, str | None]:
    value, err = ev.evaluate(text)
    if err is None and isinstance(value, str):
        value, err = ev.evaluate(value)
    return value, err


def evaluate_if(template: str, renderer: Renderer, ev: SafeEval) -> tuple[bool, str]:
    """Keep's rule (§2.7): quote → render leniently → asteval (again if a string) → retry unquoted on error.

    Returns (truthy, the rendered expression). Raises ConditionError with Keep's message on failure.
    """
    template = str(template)
    quoted = quote(template)
    rendered = renderer.render(quoted, safe=False, in_if=True)
    value, err = _eval_twice(ev, str(rendered))
    if err is not None:
        if quoted == template:
            raise ConditionError(f"Failed to evaluate if condition {template!r} (rendered: {str(rendered)[:200]!r}): {err}")
        rendered = renderer.render(template, safe=False, in_if=True)
        value, err = _eval_twice(ev, str(rendered))
        if err is not None:
            raise ConditionError(f"Failed to evaluate if condition {template!r} (rendered: {str(rendered)[:200]!r}): {err}")
    return bool(value), str(rendered)


# --- condition: threshold / assert (§2.8) -------------------------------------------------------------------------

def _is_number(s: Any) -> bool:
    return isinstance(s, str) and s.replace(".", "", 1).isdigit()


def _threshold_compare(value: Any, threshold: Any, compare_type: str) -> bool:
    if isinstance(value, str) and _is_number(value):
        value = float(value)
        try:
            threshold = float(threshold)
        except (TypeError, ValueError):
            raise ConditionError(f"Invalid values for threshold: {value!r} vs {threshold!r}") from None
    elif isinstance(value, str) and value.endswith("%") and isinstance(threshold, str) and threshold.strip().endswith("%"):
        try:
            value, threshold = float(value[:-1]), float(threshold.strip()[:-1])
        except ValueError:
            raise ConditionError(f"Invalid values for threshold: {value!r} vs {threshold!r}") from None
    elif isinstance(value, str) and (value.endswith("%") != (isinstance(threshold, str) and threshold.strip().endswith("%"))):
        raise ConditionError(f"Invalid values for threshold: {value!r} vs {threshold!r} (mixed percent and non-percent)")
    if isinstance(value, (int, float)) and isinstance(threshold, str):
        try:
            threshold = float(threshold)
        except ValueError:
            raise ConditionError(f"Invalid values for threshold: {value!r} vs {threshold!r}") from None
    try:
        if compare_type == "lt":
            return value < threshold
        return value > threshold
    except TypeError:
        raise ConditionError(f"Invalid values for threshold: {value!r} vs {threshold!r} (types differ)") from None


def apply_condition(cond: dict, renderer: Renderer, ev: SafeEval) -> dict:
    """Evaluate one ``condition`` entry; returns Keep's record ``{value, compare_to, result, type, alias, level?}``."""
    if not isinstance(cond, dict):
        raise ConditionError("each condition must be a mapping")
    name = cond.get("name")
    if not name:
        raise ConditionError("Condition must have a name")
    ctype = cond.get("type", "threshold")
    alias = cond.get("alias") or name
    rec: dict[str, Any] = {"name": name, "type": ctype, "alias": alias}
    try:
        if ctype == "threshold":
            value = renderer.render(cond.get("value", ""), safe=False)
            value = value.strip() if isinstance(value, str) else value
            compare_to = renderer.render(cond.get("compare_to", ""), safe=False)
            compare_type = str(cond.get("compare_type", "gt"))
            if compare_type not in ("gt", "lt"):
                raise ConditionError(f"unknown compare_type {compare_type!r} (use gt or lt)")
            level = cond.get("level")
            rec.update(value=value, compare_to=compare_to, compare_value=value)
            if isinstance(compare_to, str) and "," in compare_to:
                thresholds = [t.strip() for t in compare_to.split(",")]
                levels = [lv.strip() for lv in str(level or "").split(",")]
                if len(levels) != len(thresholds):
                    raise ConditionError("condition threshold: compare_to and level must have the same number of items")
                result = False
                for t, lv in zip(thresholds, levels):
                    if _threshold_compare(value, t, compare_type):
                        result = True
                        rec["level"] = lv
                        break
            else:
                result = _threshold_compare(value, compare_to, compare_type)
                if level is not None and result:
                    rec["level"] = level
        elif ctype == "assert":
            expr = renderer.render(cond.get("assert", ""), safe=False)
            rec["assert"] = expr
            value, err = ev.evaluate(str(expr))
            result = bool(value) if err is None else False
        elif ctype == "stddev":
            raise ConditionError("condition type 'stddev' is not supported by keepwf (no Keep example uses it)")
        else:
            raise ConditionError(f"unknown condition type {ctype!r} (threshold or assert)")
    except RenderError as e:
        raise ConditionError(f"condition {name!r}: {e}") from None
    rec["result"] = bool(result)
    return rec
