"""One provider interface and one registry. A provider gets a ``ProviderCall`` and returns Keep's result value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class ProviderError(Exception):
    """A provider call failed; the message is the step's error."""


@dataclass
class ProviderCall:
    step: str
    kind: str  # "step" → query, "action" → notify
    provider_type: str
    params: dict[str, Any]
    config: dict[str, Any] = field(default_factory=dict)  # resolved provider config ({authentication: {...}})
    log: Callable[[str, str], None] = lambda level, msg: None
    options: Any = None  # RunOptions
    env: dict[str, str] = field(default_factory=dict)  # extra environment (bash: the values of a shell: true command)
    output: Callable[[str, str], None] | None = None  # (stream, line): a command's output as it comes (bash)


class Provider:
    """Subclasses implement ``query`` (steps) and/or ``notify`` (actions)."""

    type: str = ""
    step_only = False

    def query(self, call: ProviderCall) -> Any:
        raise ProviderError(f"provider '{self.type}' cannot be used as a step")

    def notify(self, call: ProviderCall) -> Any:
        if self.step_only:
            raise ProviderError(f"provider '{self.type}' cannot be used as an action (it has no notify; use it in steps:)")
        return self.query(call)


REGISTRY: dict[str, type[Provider]] = {}


def register(cls: type[Provider]) -> type[Provider]:
    REGISTRY[cls.type] = cls
    return cls


def get_provider(ptype: str) -> Provider | None:
    cls = REGISTRY.get(ptype)
    return cls() if cls else None


def server_only_message(ptype: str) -> str:
    if ptype == "keep":
        return ("provider 'keep' needs a Keep server (alerts database, workflows API) and cannot run offline; "
                "give responses with --mock FILE")
    return f"provider '{ptype}' cannot run offline; give responses with --mock FILE"


def basic_authorization(user: Any, password: Any) -> str:
    """The ``Authorization`` value of HTTP Basic auth (RFC 7617): ``Basic base64(user:password)``."""
    import base64

    return "Basic " + base64.b64encode(f"{user or ''}:{password or ''}".encode()).decode()
