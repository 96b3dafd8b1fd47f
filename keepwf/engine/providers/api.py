"""What the API providers (slack, pagerduty, …) share: their config, their parameters, one way to call the transport.

A provider module builds each request from ``authentication`` + ``with:`` and reads the answer into Keep's result
shape; ``call_api`` hands the request to ``transport.send`` (the only place a connection is opened) and logs the
exchange (method, URL, status, the start of the answer) through the run's log, which redacts every secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from keepwf.engine.providers.base import Provider, ProviderCall, ProviderError
from keepwf.engine.providers.transport import DEFAULT_TIMEOUT, Request, Response, fail, form_body, json_body, send


class ApiProvider(Provider):
    """A notification provider: ``notify`` only; a step (``query``) answers like Keep, which has no query for it."""

    known: frozenset[str] = frozenset()  # the with: parameters it reads; others are warned about and ignored
    step_known: frozenset[str] = frozenset()  # what a step (query) reads besides

    def query(self, call: ProviderCall) -> Any:
        raise ProviderError(f"provider '{self.type}' has no query in Keep; use it as an action (actions:)")

    def notify(self, call: ProviderCall) -> Any:
        unknown = sorted(k for k in call.params if k not in self.known)
        if unknown:
            call.log("warning", f"{self.type}: ignoring unknown parameter(s) {', '.join(unknown)} "
                                f"(known: {', '.join(sorted(self.known))})")
        return self.send(call, Api(call, self.type))

    def send(self, call: ProviderCall, api: Api) -> Any:  # pragma: no cover - every provider defines it
        raise NotImplementedError


class Api:
    """One provider call's view of its config and of the transport."""

    def __init__(self, call: ProviderCall, who: str):
        self.call = call
        self.who = who
        self.auth: dict = (call.config or {}).get("authentication") or {}
        self.params = call.params

    # -- config and parameters -----------------------------------------------------------------------------------
    def need(self, *keys: str) -> None:
        missing = [k for k in keys if not self.auth.get(k)]
        if missing:
            raise ProviderError(f"{self.who}: the provider config needs authentication.{' and '.join(missing)} "
                                f"(providers.yaml, the document's providers:, KEEP_PROVIDERS or KEEP_PROVIDER_<NAME>; "
                                f"docs/providers.md#{self.who})")

    def base(self, default: str) -> str:
        """The API's base URL: ``authentication.base_url`` (a proxy, a regional or test endpoint) or Keep's."""
        return str(self.auth.get("base_url") or default).rstrip("/")

    def p(self, key: str, default: Any = None) -> Any:
        v = self.params.get(key)
        return default if v is None else v

    def timeout(self) -> float:
        raw = self.auth.get("timeout", getattr(self.call.options, "http_timeout", DEFAULT_TIMEOUT))
        try:
            t = float(raw)
        except (TypeError, ValueError):
            raise ProviderError(f"{self.who}: authentication.timeout must be a number of seconds, got {raw!r}") from None
        if t <= 0:
            raise ProviderError(f"{self.who}: authentication.timeout must be positive, got {raw!r}")
        return t

    def event(self) -> dict | None:
        """The alert that triggered the run (Keep's ``event_context``), or None."""
        opts = self.call.options
        ev = getattr(opts, "event", None)
        return ev if isinstance(ev, dict) and getattr(opts, "event_kind", "alert") != "incident" else None

    def now(self):
        from datetime import datetime, timezone

        now = getattr(self.call.options, "now", None)
        return now() if now else datetime.now(timezone.utc)

    # -- the wire ------------------------------------------------------------------------------------------------
    def request(self, method: str, url: str, *, headers: dict | None = None, json_data: Any = None,
                form: dict | None = None, data: bytes | str | None = None) -> tuple[Request, Response]:
        hdrs: dict[str, str] = {}
        body = None
        if json_data is not None:
            body, extra = json_body(json_data)
            hdrs.update(extra)
        elif form is not None:
            body, extra = form_body(form)
            hdrs.update(extra)
        elif data is not None:
            body = data.encode("utf-8") if isinstance(data, str) else data
        hdrs.update(headers or {})
        req = Request(method, url, hdrs, body, timeout=self.timeout(),
                      verify=self.auth.get("verify", True) not in (False, "false", "False"))
        resp = send(req, self.who, self.call.options)
        self.call.log("debug", f"{self.who}: {method} {url} → HTTP {resp.status}: {resp.excerpt(1024)}")
        return req, resp

    def ok(self, req: Request, resp: Response, accept: Callable[[Response], bool] | None = None,
           what: str | None = None) -> Response:
        if not (accept(resp) if accept else resp.ok):
            raise fail(self.who, req, resp, what)
        return resp


def json_param(value: Any, who: str, name: str) -> Any:
    """A parameter that Keep accepts as a structure or as JSON text."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError as e:
            raise ProviderError(f"{who}: {name} is not valid JSON ({e.msg})") from None
    return value


def as_list(value: Any) -> list:
    if value in (None, ""):
        return []
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            loaded = json.loads(value.replace("'", '"'))
            if isinstance(loaded, list):
                return loaded
        except ValueError:
            pass
    return list(value) if isinstance(value, (list, tuple)) else [value]
