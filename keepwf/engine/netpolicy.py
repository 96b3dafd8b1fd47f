"""Where the engine may connect, and the one function that sends every HTTP request (issue 10).

Stable API for every provider that speaks HTTP (``http``, ``webhook``, Slack, PagerDuty, …)::

    from keepwf.engine.netpolicy import NetPolicy, send
    resp = send("POST", url, policy=NetPolicy.of(call.options), headers={...}, data=b"...", timeout=10.0)
    resp.status, resp.headers, resp.body, resp.url      # any HTTP status is a Response, not an exception

``send`` raises ``NetworkRefused`` (the policy said no) or ``SendError`` (DNS, connection, TLS, timeout); both are
``ProviderError``, so a provider can let them through as the step's error.

The policy is checked on the *addresses actually connected to*: the host of every request and of every redirect hop
is resolved once, every DNS answer is checked (one refused answer refuses the host), and the socket connects to a
checked address — so numeric spellings (``0xa9fea9fe``, ``2852039166``, ``0251.0376.0251.0376``), IPv4-mapped and
other IPv6 forms embedding an IPv4 address, and DNS names pointing inside are all judged by the address itself.

- Always refused: link-local ``169.254.0.0/16`` (every cloud metadata service, ECS's ``169.254.170.2``) and
  ``fe80::/10``, the metadata addresses ``fd00:ec2::254`` and ``100.100.100.200``, unspecified, multicast and reserved
  addresses, and Keep's blocked names (``localhost``, ``metadata.internal``, ``metadata.google.internal``,
  ``googleapis.com`` and their subdomains).
- Loopback, private (RFC 1918, ``fc00::/7``, ``100.64.0.0/10``) and every other non-global address: only with
  ``allow_private_network = true`` under ``[engine]`` in keepwf.toml (``RunOptions.allow_private_network``).
- Proxies from the environment (``HTTP_PROXY``…) are not used: the address checked is the address connected to.
- A redirect to another origin drops ``Authorization``, ``Cookie`` and ``Proxy-Authorization``.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from keepwf.engine.providers.base import ProviderError

MAX_BODY = 10 * 1024 * 1024
SETTING = "allow_private_network"
_HOW = f"set `{SETTING} = true` under [engine] in keepwf.toml to allow it"
BLOCKED_NAMES = ("localhost", "metadata.internal", "metadata.google.internal", "googleapis.com")  # Keep's list
_NEVER = tuple(ipaddress.ip_network(n) for n in (
    "169.254.0.0/16", "fe80::/10",                       # link-local: every cloud's metadata service lives here
    "fd00:ec2::254/128", "100.100.100.200/32",           # AWS IPv6 and Alibaba metadata services
    "0.0.0.0/8", "::/128", "224.0.0.0/4", "ff00::/8", "240.0.0.0/4",  # unspecified, multicast, reserved/broadcast
))
_CROSS_ORIGIN_DROP = ("authorization", "cookie", "proxy-authorization")


class NetworkRefused(ProviderError):
    """The network policy refused a host or an address."""


class SendError(ProviderError):
    """DNS, connection, TLS or timeout failure."""


def system_resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (numeric spellings are resolved the way the C library connects to them)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class NetPolicy:
    allow_private: bool = False
    resolve: Callable[[str, int], list[str]] | None = field(default=None, compare=False)  # tests: a fake DNS

    @classmethod
    def of(cls, options: Any) -> "NetPolicy":
        """The policy of a run (``RunOptions``; None → the default, private networks refused)."""
        return cls(bool(getattr(options, SETTING, False)))

    def addresses(self, host: str, port: int) -> list[str]:
        return (self.resolve or system_resolve)(host, port)


def _embedded_v4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address can reach: mapped, compatible, NAT64, 6to4, Teredo."""
    out = []
    if ip.ipv4_mapped:
        out.append(ip.ipv4_mapped)
    if ip.sixtofour:
        out.append(ip.sixtofour)
    if ip.teredo:
        out.extend(ip.teredo)
    packed = int(ip)
    if packed >> 32 == 0 and packed > 1:  # ::a.b.c.d (deprecated IPv4-compatible)
        out.append(ipaddress.IPv4Address(packed & 0xFFFFFFFF))
    if ip in ipaddress.ip_network("64:ff9b::/96"):
        out.append(ipaddress.IPv4Address(packed & 0xFFFFFFFF))
    return out


def refusal(address: str, policy: NetPolicy) -> str | None:
    """Why ``address`` (an IP literal) may not be connected to, or None when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    candidates = [ip] + (_embedded_v4(ip) if isinstance(ip, ipaddress.IPv6Address) else [])
    for a in candidates:
        if any(a.version == n.version and a in n for n in _NEVER):
            kind = "link-local/metadata" if any(a in n for n in _NEVER[:4] if a.version == n.version) else \
                "unspecified/multicast/reserved"
            return f"{address} is a {kind} address, which keepwf never connects to"
    if policy.allow_private:
        return None
    for a in candidates:
        if not a.is_global:
            kind = "loopback" if a.is_loopback else "private (non-public)"
            return f"{address} is a {kind} address; {_HOW}"
    return None


def check_url(url: str) -> urllib.parse.SplitResult:
    """Scheme and host of ``url`` before anything is sent (the addresses are checked when connecting)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise NetworkRefused(f"only http:// and https:// URLs are allowed, got {url!r}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise NetworkRefused(f"the URL has no host: {url!r}")
    try:
        parts.port
    except ValueError:
        raise NetworkRefused(f"the URL's port is not a number: {url!r}") from None
    for name in BLOCKED_NAMES:
        if host == name or host.endswith("." + name):
            raise NetworkRefused(f"host {host!r} is blocked (Keep blocks {name}); for a local server use "
                                 f"127.0.0.1 and `{SETTING} = true` under [engine] in keepwf.toml")
    return parts


def _connect(policy: NetPolicy, address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, **_kw):
    """``socket.create_connection`` that connects only to addresses the policy allows."""
    host, port = address
    try:
        answers = policy.addresses(host, port)
    except (socket.gaierror, UnicodeError) as e:
        raise SendError(f"cannot resolve {host!r}: {getattr(e, 'strerror', None) or e}") from None
    for a in answers:
        why = refusal(a, policy)
        if why:
            shown = "" if host == a else f"{host[:100]} resolves to {a}, and "
            raise NetworkRefused(f"refused to connect: {shown}{why}")
    err: OSError | None = None
    for a in answers:
        family = socket.AF_INET6 if ":" in a else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect((a, port))
            return sock
        except OSError as e:
            sock.close()
            err = e
    raise err or SendError(f"{host!r} resolves to no address")


@functools.lru_cache(maxsize=2)
def _tls_context(verify: bool):
    """One TLS context per verify setting: loading the CA store costs ~70 ms, far more than a request."""
    import ssl

    ctx = ssl.create_default_context()
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _opener(policy: NetPolicy, verify: bool):
    import http.client
    from urllib import request as url_request

    class GuardedHTTP(http.client.HTTPConnection):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self._create_connection = functools.partial(_connect, policy)

    class GuardedHTTPS(http.client.HTTPSConnection):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self._create_connection = functools.partial(_connect, policy)

    ctx = _tls_context(verify)

    class Http(url_request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(GuardedHTTP, req)

    class Https(url_request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(GuardedHTTPS, req, context=ctx)

    class Redirect(url_request.HTTPRedirectHandler):
        def http_error_302(self, req, fp, code, msg, headers):
            target = headers.get("location") or headers.get("uri")
            if target:
                try:
                    check_url(urllib.parse.urljoin(req.full_url, target))
                except NetworkRefused as e:
                    raise NetworkRefused(f"redirect to {target!r} refused: {e}") from None
            return super().http_error_302(req, fp, code, msg, headers)

        http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            new_req = super().redirect_request(req, fp, code, msg, headers, newurl)
            old, new = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
            if new_req is not None and (old.scheme, old.hostname, old.port) != (new.scheme, new.hostname, new.port):
                for k in list(new_req.headers):
                    if k.lower() in _CROSS_ORIGIN_DROP:
                        del new_req.headers[k]
            return new_req

    return url_request.build_opener(url_request.ProxyHandler({}), Http(), Https(context=ctx), Redirect())


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str  # after redirects


def send(method: str, url: str, *, policy: NetPolicy, headers: dict[str, str] | None = None,
         data: bytes | None = None, timeout: float = 30.0, verify: bool = True, max_body: int = MAX_BODY,
         who: str = "http") -> Response:
    """Send one HTTP request under ``policy``; the response body is read up to ``max_body`` bytes."""
    import http.client
    from urllib import error as url_error
    from urllib import request as url_request

    url = url.strip()
    try:
        check_url(url)
        req = url_request.Request(url, data=data, headers=dict(headers or {}), method=method)
        resp = _opener(policy, verify).open(req, timeout=timeout)
        with resp:
            return Response(resp.status, dict(resp.headers.items()), resp.read(max_body), resp.geturl())
    except url_error.HTTPError as e:
        body = e.read(max_body) if e.fp else b""
        return Response(e.code, dict(e.headers.items()) if e.headers else {}, body, e.geturl() or url)
    except (NetworkRefused, SendError) as e:
        raise type(e)(f"{who}: {method} {url}: {e}") from None
    except url_error.URLError as e:
        reason = e.reason
        if isinstance(reason, ProviderError):
            raise type(reason)(f"{who}: {method} {url}: {reason}") from None
        raise SendError(f"{who}: {method} {url} failed: {reason}") from None
    except (TimeoutError, OSError, http.client.HTTPException, ValueError) as e:
        raise SendError(f"{who}: {method} {url} failed: {e or type(e).__name__}") from None
