from __future__ import annotations

from typing import Any

from keepwf.engine.providers.base import Provider, ProviderCall, register

_INTERNAL = ("enrich_alert", "enrich_incident", "audit_enabled")


@register
class MockProvider(Provider):
    """Keep's ``mock`` provider: a step returns ``command_output``; an action returns its parameters."""

    type = "mock"

    def query(self, call: ProviderCall) -> Any:
        return call.params.get("command_output")

    def notify(self, call: ProviderCall) -> Any:
        return {k: v for k, v in call.params.items() if k not in _INTERNAL}
