"""The one HTTP transport: every provider's request leaves keepwf here, and only here (docs/providers.md).

Providers build a ``Request`` (data) and read the ``Response``; ``send`` checks the URL (scheme, Keep's blocklist,
every redirect hop), applies the timeouts (connect, and a total deadline for the whole exchange), sends
``User-Agent: keepwf/<version>``, keeps the first ``MAX_BODY`` bytes of the answer and turns every network failure
into a ``ProviderError``. Error texts name the method and the URL; the engine redacts secrets from them (a Telegram
token in the path, a webhook URL) before they reach a record or a log.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from keepwf import __version__
from keepwf.engine.providers.base import ProviderError

BLOCKED = ("localhost", "169.254.169.254", "metadata.internal", "metadata.google.internal", "googleapis.com")
USER_AGENT = f"keepwf/{__version__}"
MAX_BODY = 10 * 1024 * 1024
RECORDED_BODY = 16 * 1024  # what a step's error or log quotes of an answer
REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5
DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0


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
    timeout: float = DEFAULT_TIMEOUT  # total: connect + send + read
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    verify: bool = True
    follow_redirects: bool = True


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
        """The body as JSON, or None when it is empty or not JSON."""
        try:
            return json.loads(self.text) if self.body.strip() else None
        except ValueError:
            return None

    def parsed(self) -> Any:
        """JSON when the body is JSON, else the text (the ``http`` provider's ``body``)."""
        try:
            return json.loads(self.text)
        except ValueError:
            return self.text

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


def check_url(url: str, who: str) -> urllib.parse.SplitResult:
    """The network policy for every URL keepwf connects to (and every redirect hop)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ProviderError(f"{who}: only http:// and https:// URLs are allowed, got {url[:80]!r}")
    if not parts.hostname:
        raise ProviderError(f"{who}: URL {url[:80]!r} has no host")
    low = url.lower()
    for bad in BLOCKED:
        if bad in low:
            raise ProviderError(f"{who}: URL contains {bad!r}, which Keep blocks (use 127.0.0.1 for a local server)")
    return parts


def _connection(parts: urllib.parse.SplitResult, req: Request, connect_timeout: float):
    import http.client

    port = parts.port
    if parts.scheme.lower() == "https":
        import ssl

        ctx = ssl.create_default_context()
        if not req.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection(parts.hostname, port, timeout=connect_timeout, context=ctx)
    return http.client.HTTPConnection(parts.hostname, port, timeout=connect_timeout)


def _read(resp, deadline: float, sock) -> bytes:
    chunks, size = [], 0
    while size < MAX_BODY:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        if sock is not None:
            sock.settimeout(left)
        chunk = resp.read1(min(65536, MAX_BODY - size)) if hasattr(resp, "read1") else resp.read(65536)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _once(req: Request, url: str, method: str, body: bytes | None, deadline: float, who: str) -> Response:
    parts = check_url(url, who)
    conn = _connection(parts, req, max(0.001, min(req.connect_timeout, deadline - time.monotonic())))
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **req.headers}
    try:
        conn.connect()
        conn.sock.settimeout(max(0.001, deadline - time.monotonic()))
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = _read(resp, deadline, conn.sock)
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, url)
    finally:
        conn.close()


def send(req: Request, who: str) -> Response:
    """Send ``req`` (following redirects to allowed URLs only) and return the answer, whatever its status."""
    method = req.method.upper()
    url, body = req.url.strip(), req.body
    deadline = time.monotonic() + max(0.001, float(req.timeout))
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            resp = _once(req, url, method, body, deadline, who)
        except ProviderError:
            raise
        except (TimeoutError, OSError) as e:
            reason = "timed out" if isinstance(e, TimeoutError) or "timed out" in str(e) else (e.strerror or str(e))
            raise HttpError(f"{who}: {method} {url[:200]} failed: {reason} (timeout {req.timeout:g}s)") from None
        except Exception as e:  # noqa: BLE001 - http.client's protocol errors (bad status line, …)
            raise HttpError(f"{who}: {method} {url[:200]} failed: {type(e).__name__}: {e}") from None
        if resp.status in REDIRECTS and req.follow_redirects and resp.headers.get("location"):
            new = urllib.parse.urljoin(url, resp.headers["location"])
            try:
                check_url(new, who)
            except ProviderError as e:
                raise ProviderError(f"redirect to a blocked URL refused: {new[:120]} ({e})") from None
            if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                method, body = ("GET" if method != "HEAD" else "HEAD"), None
            url = new
            continue
        return resp
    raise HttpError(f"{who}: {method} {req.url[:200]} failed: more than {MAX_REDIRECTS} redirects")


def fail(who: str, req: Request, resp: Response, what: str | None = None) -> HttpError:
    """The step error for an answer the provider does not accept (Retry-After kept for the step's retries)."""
    detail = what or f"returned HTTP {resp.status}"
    return HttpError(f"{who}: {req.method.upper()} {req.url[:200]} {detail}: {resp.excerpt()}", resp.status,
                     resp.retry_after() if resp.status in (429, 503) else None)
