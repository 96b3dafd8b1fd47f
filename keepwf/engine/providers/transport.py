"""The one HTTP transport: every provider's request leaves keepwf here, and only here (docs/providers.md).

Providers build a ``Request`` (data) and read the ``Response``; ``send`` hands it to ``netpolicy.send`` (the one
function that opens connections: the network policy is checked on every address and redirect hop there) with the
provider's timeout and ``User-Agent: keepwf/<version>``, keeps the first ``MAX_BODY`` bytes of the answer and turns
every network failure into a ``ProviderError``. Error texts name the method and the URL; the engine redacts
secrets from them (a Telegram token in the path, a webhook URL) before they reach a record or a log.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from keepwf import __version__
from keepwf.engine.providers.base import ProviderError

USER_AGENT = f"keepwf/{__version__}"
MAX_BODY = 10 * 1024 * 1024
RECORDED_BODY = 16 * 1024  # what a step's error or log quotes of an answer
DEFAULT_TIMEOUT = 30.0


class HttpError(ProviderError):
    """A request failed; ``retry_after`` (seconds) is set when the server asked for a pause (429/503)."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    timeout: float = DEFAULT_TIMEOUT  # seconds, for connecting and for each read
    verify: bool = True


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON (lone surrogates kept as escaped text), or None when it is empty or not JSON."""
        from keepwf.workflow.datafile import escape_surrogates

        try:
            return escape_surrogates(json.loads(self.text)) if self.body.strip() else None
        except (ValueError, RecursionError):
            return None

    def excerpt(self, n: int = 300) -> str:
        t = self.text[:RECORDED_BODY]
        return t if len(t) <= n else t[:n] + "…"

    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("retry-after"))


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (a number of seconds; an HTTP date is not honoured: no clock here)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None


def json_body(data: Any) -> tuple[bytes, dict[str, str]]:
    return json.dumps(data, default=str).encode("utf-8"), {"Content-Type": "application/json"}


def form_body(data: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    pairs = {k: ("" if v is None else v) for k, v in data.items()}
    return (urllib.parse.urlencode(pairs, doseq=True).encode("utf-8"),
            {"Content-Type": "application/x-www-form-urlencoded"})


def send(req: Request, who: str, options: Any = None) -> Response:
    """Send ``req`` through ``netpolicy.send`` (the one sender: network policy on every address and redirect hop)
    and return the answer, whatever its status; network failures are ``ProviderError``s naming method and URL."""
    from keepwf.engine.netpolicy import NetPolicy, SendError
    from keepwf.engine.netpolicy import send as net_send

    headers = {"User-Agent": USER_AGENT, **req.headers}
    try:
        resp = net_send(req.method.upper(), req.url, policy=NetPolicy.of(options), headers=headers, data=req.body,
                        timeout=req.timeout, verify=req.verify, max_body=MAX_BODY, who=who)
    except SendError as e:
        if "timed out" in str(e):
            raise SendError(f"{e} (timeout {req.timeout:g}s; authentication.timeout sets it)") from None
        raise
    return Response(resp.status, {str(k).lower(): v for k, v in resp.headers.items()}, resp.body, resp.url)


def fail(who: str, req: Request, resp: Response, what: str | None = None) -> HttpError:
    """The step error for an answer the provider does not accept (Retry-After kept for the step's retries)."""
    detail = what or f"returned HTTP {resp.status}"
    # the whole URL: the run redacts it as a whole before clipping (a cut URL would keep half a token)
    return HttpError(f"{who}: {req.method.upper()} {req.url} {detail}: {resp.excerpt()}", resp.status,
                     resp.retry_after() if resp.status in (429, 503) else None)
