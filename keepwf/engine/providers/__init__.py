"""Providers keepwf runs itself (keep-format.md §4) behind one registry (``base.REGISTRY``)."""

from keepwf.engine.providers import bash, console, http, mock, python, webhook  # noqa: F401 - registration
from keepwf.engine.providers import (discord, jira, ntfy, opsgenie, pagerduty, sendgrid, slack,  # noqa: F401
                                    smtp, teams, telegram)
from keepwf.engine.providers.base import REGISTRY, Provider, ProviderCall, ProviderError, get_provider, register

__all__ = ["REGISTRY", "Provider", "ProviderCall", "ProviderError", "get_provider", "register"]
