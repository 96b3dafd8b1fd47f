"""``if:`` and ``condition`` evaluation with a minimal asteval interpreter (keepwf decision 2: no eval of data).

The interpreter has no imports, no function/lambda definitions, no loops, no attribute access to dunders (asteval's
own rule) and a symbol table holding only a few harmless builtins. One interpreter per run.
"""

from __future__ import annotations

import ast
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


_PARSED: dict[str, object] = {}  # expression text → parsed tree (asteval does not mutate it)


class SafeEval:
    """``evaluate(text) -> (value, error message or None)``; ``check(text)`` also tells whether Keep would raise."""

    def __init__(self):
        self._interp = None

    def evaluate(self, text: str) -> tuple[Any, str | None]:
        value, err, _hard = self.check(text)
        return value, err

    def check(self, text: str) -> tuple[Any, str | None, bool]:
        """(value, error or None, hard). ``hard`` mirrors asteval 1.0.6's ``error_msg`` (Keep's step.py raises only
        when it is set): a NameError or a failing function call is hard; a TypeError, SyntaxError, ZeroDivisionError,
        IndexError, KeyError or AttributeError leaves it empty, so Keep treats the expression as false."""
        if self._interp is None:
            self._interp = _interpreter()
        it = self._interp
        it.error = []
        it.error_msg = None
        node = _PARSED.get(text)
        if node is None:
            if len(text) > it.max_statement_length:
                return None, f"expression longer than {it.max_statement_length} characters", True
            try:
                # ast.parse already locates every node: asteval's extra fix_missing_locations pass is not needed
                node = ast.parse(text)
            except SyntaxError as e:
                return None, f"SyntaxError: {e.msg}", False
            except (ValueError, MemoryError, RecursionError) as e:
                return None, f"{type(e).__name__}: {e}", True
            if len(text) <= 4096:
                if len(_PARSED) > 4096:
                    _PARSED.clear()
                _PARSED[text] = node
        try:
            value = it.eval(node, show_errors=False, raise_errors=False)
        except Exception as e:  # noqa: BLE001 - asteval itself failing is an evaluation error
            return None, f"{type(e).__name__}: {e}", True
        if it.error:
            return None, self._message(it), bool(it.error_msg)
        return value, None, False

    @staticmethod
    def _message(it) -> str:
        err = it.error[0]
        exc = getattr(getattr(err, "exc", None), "__name__", None) or "Error"
        msg = str(getattr(err, "msg", "") or "").strip().splitlines()
        return f"{exc}: {msg[-1]}" if msg else exc


def _eval_twice(ev: SafeEval, text: str) -> tuple[Any, str | None, bool]:
    value, err, hard = ev.check(text)
    if err is None and isinstance(value, str):
        value, err, hard = ev.check(value)
    return value, err, hard


def evaluate_if(template: str, renderer: Renderer, ev: SafeEval) -> tuple[bool, str, str | None]:
    """Keep's rule (§2.7): quote → render leniently → asteval (again if a string) → retry unquoted on error.

    Returns (truthy, the rendered expression, the evaluation error Keep ignores or None). As in Keep (step.py with
    asteval 1.0.6), only a "hard" error fails: a NameError or a failing call (after the unquoted retry when quoting
    changed the expression). Any other error leaves the expression false, so the step is skipped. Raises
    ConditionError with Keep's message for a hard error.
    """
    template = str(template)
    quoted = quote(template)
    rendered = renderer.render(quoted, safe=False, in_if=True)
    value, err, hard = _eval_twice(ev, str(rendered))
    if err is not None:
        if hard and quoted == template:
            raise ConditionError(f"Failed to evaluate if condition {template!r} (rendered: {str(rendered)!r}): {err}")
        rendered = renderer.render(template, safe=False, in_if=True)
        value, err, hard = _eval_twice(ev, str(rendered))
        if err is not None:
            if hard:
                raise ConditionError(f"Failed to evaluate if condition {template!r} (rendered: {str(rendered)!r}): {err}")
            return False, str(rendered), err
    return bool(value), str(rendered), None


# --- condition: threshold / assert (§2.8) -------------------------------------------------------------------------

def _is_percentage(a: Any) -> bool:
    if isinstance(a, (int, float)) or not isinstance(a, str) or not a.endswith("%"):
        return False
    try:
        f = float(a.strip("%"))
    except ValueError:
        raise ConditionError(f"Invalid threshold value {a!r}: not a percentage") from None
    return not (f < 0 or f > 100)


def _threshold_compare(value: Any, threshold: Any, compare_type: str) -> bool:
    """Keep's ThresholdCondition._validate/_apply_threshold, message for message."""
    if str(value).replace(".", "", 1).isdigit():
        value = float(value)
        try:
            threshold = float(threshold)
        except (TypeError, ValueError):
            raise ConditionError("Invalid values for threshold - the compare_to is a float where the compare_value "
                                 f"is not ({threshold!r})") from None
    if not isinstance(threshold, type(value)):
        raise ConditionError("Invalid threshold value, currently support only numeric and percentage values but got "
                             f"{value!r} and {threshold!r}")
    if _is_percentage(value) and not _is_percentage(threshold):
        raise ConditionError("Invalid threshold value, currently support only numeric and percentage values but got "
                             f"{value!r} and {threshold!r}")
    if _is_percentage(value) and _is_percentage(threshold):
        value, threshold = float(value.strip("%")), float(threshold.strip("%"))
    try:
        return value < threshold if compare_type == "lt" else value > threshold
    except TypeError:
        raise ConditionError(f"Invalid threshold value: cannot compare {value!r} and {threshold!r}") from None


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
            if "," in str(compare_to):
                thresholds = [t.strip() for t in str(compare_to).split(",")]
                levels = [lv.strip() for lv in str(level or "").split(",")]
                if len(levels) != len(thresholds):
                    raise ConditionError("Number of levels and number of thresholds do not match")
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
            expr = renderer.render(cond.get("assert", ""), safe=False, in_if=True)
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
