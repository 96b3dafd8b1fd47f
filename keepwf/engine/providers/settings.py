"""What the query providers share: the provider config's ``authentication`` with a clear message for a missing field,
the query timeout, and Keep's loose booleans (``single_row: "True"``)."""

from __future__ import annotations

from typing import Any

from keepwf.engine.providers.base import ProviderCall, ProviderError

DEFAULT_QUERY_TIMEOUT = 30.0
SOURCES = "providers.yaml, the document's providers:, KEEP_PROVIDERS or KEEP_PROVIDER_<NAME>"


def truthy(value: Any) -> bool:
    """YAML ``true`` or a string Keep's examples write (``"True"``); ``"false"``, ``"0"`` and ``""`` are false."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)


def auth_of(call: ProviderCall, who: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The provider config's ``authentication``; a missing required field names itself and where configs come from."""
    auth = (call.config or {}).get("authentication") or {}
    missing = [k for k in required if auth.get(k) in (None, "")]
    if missing:
        fields = ", ".join(f"authentication.{k}" for k in missing)
        raise ProviderError(f"{who}: the provider config needs {fields} ({SOURCES}); see docs/providers.md#{who}")
    return auth


def timeout_of(call: ProviderCall, who: str) -> float:
    """Seconds: ``with.timeout``, else the provider config's ``timeout``, else ``[engine] query_timeout``."""
    opts_default = getattr(call.options, "query_timeout", DEFAULT_QUERY_TIMEOUT)
    raw = call.params.get("timeout", (call.config or {}).get("timeout", opts_default))
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ProviderError(f"{who}: timeout must be a number of seconds, got {raw!r}") from None
    if not 0 < value <= 86400:
        raise ProviderError(f"{who}: timeout must be between 0 and 86400 seconds, got {raw!r}")
    return value


def port_of(auth: dict, default: int, who: str) -> int:
    raw = auth.get("port") or default
    try:
        port = int(raw)
    except (TypeError, ValueError):
        raise ProviderError(f"{who}: authentication.port must be a number, got {raw!r}") from None
    if not 0 < port < 65536:
        raise ProviderError(f"{who}: authentication.port {port} is not a TCP port")
    return port
