"""Providers that run offline (keep-format.md §4) behind one registry, plus Keep's provider-config sources."""

from keepwf.engine.providers import console, mock  # noqa: F401 - registration
from keepwf.engine.providers.base import REGISTRY, Provider, ProviderCall, ProviderError, get_provider, register

for _mod in ("bash", "python", "http", "webhook"):
    try:
        __import__(f"keepwf.engine.providers.{_mod}")
    except ImportError:  # pragma: no cover - a provider module not written yet
        pass

__all__ = ["REGISTRY", "Provider", "ProviderCall", "ProviderError", "get_provider", "register"]
