"""``python`` (step only): evaluate the ``code`` expression — only when ``[engine] allow_python = true``.

keepwf decision 2: the expression is evaluated by a restricted asteval interpreter (no ``import`` statements, no
dunder attributes, a small whitelist of builtins), never by Python's ``eval``. ``imports:`` may name modules from
``ALLOWED_IMPORTS``; their public attributes become names, as in Keep.
"""

from __future__ import annotations

import importlib
from typing import Any

from keepwf.engine.providers.base import Provider, ProviderCall, ProviderError, register

ALLOWED_IMPORTS = ("json", "math", "datetime", "re", "statistics", "random", "string", "collections", "itertools",
                   "functools", "decimal", "fractions")


@register
class PythonProvider(Provider):
    type = "python"
    step_only = True

    def query(self, call: ProviderCall) -> Any:
        opts = call.options
        if not getattr(opts, "allow_python", False):
            raise ProviderError("the python provider is disabled: it evaluates code from the workflow; enable it "
                                "with `[engine] allow_python = true` in keepwf.toml")
        code = call.params.get("code", "")
        if not isinstance(code, str) or not code.strip():
            raise ProviderError("python: with.code is empty")
        from keepwf.engine.evaluator import python_interpreter

        interp = python_interpreter()
        imports = call.params.get("imports") or ""
        for mod in [m.strip() for m in str(imports).split(",") if m.strip()]:
            if mod not in ALLOWED_IMPORTS:
                raise ProviderError(f"python: import {mod!r} is not allowed (allowed: {', '.join(ALLOWED_IMPORTS)})")
            module = importlib.import_module(mod)
            for name in dir(module):
                if not name.startswith("_"):
                    interp.symtable[name] = getattr(module, name)
            interp.symtable[mod] = module
        interp.error = []
        try:
            value = interp.eval(code.strip(), show_errors=False, raise_errors=False)
        except Exception as e:  # noqa: BLE001
            raise ProviderError(f"python: {type(e).__name__}: {e}") from None
        if interp.error:
            kind, msg = interp.error[0].get_error()
            lines = msg.strip().splitlines()
            raise ProviderError(f"python: {lines[-1] if lines else kind}")
        return value
