from __future__ import annotations

from typing import Any

from keepwf.engine.providers.base import Provider, ProviderCall, register


@register
class ConsoleProvider(Provider):
    """``message`` is written to the run's log (Keep prints it); the result is the message."""

    type = "console"

    def query(self, call: ProviderCall) -> Any:
        p = call.params
        message = p.get("message", "")
        level = str(p.get("severity", "info")) if p.get("logger") else "info"
        call.log(level if level in ("debug", "info", "warning", "error", "critical") else "info", str(message))
        return message
