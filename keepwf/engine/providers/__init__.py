"""Providers that run offline (keep-format.md §4) behind one registry (``base.REGISTRY``)."""

from keepwf.engine.providers import (  # noqa: F401 - registration
    bash, clickhouse, console, elastic, grafana, http, mock, mysql, postgres, promql, python, webhook)
from keepwf.engine.providers.base import REGISTRY, Provider, ProviderCall, ProviderError, get_provider, register

__all__ = ["REGISTRY", "Provider", "ProviderCall", "ProviderError", "get_provider", "register"]
