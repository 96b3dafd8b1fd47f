"""The web view's guards: loopback-only without keys, a login that sets a signed session cookie, CSRF tokens.

- Without API keys the view answers only on a loopback address (``keepwf ui`` refuses another host).
- With keys (``keepwf serve``), every page needs a session: ``POST /login`` with a key sets an HMAC-signed cookie
  (the key itself is never stored in it, never shown); keys are compared in constant time.
- Every form that changes something carries a CSRF token: an HMAC of the session (or, without keys, of a random
  cookie set on first visit — double submit) under a per-process secret; the POST must also come from the same
  origin (``Origin``/``Referer`` host equals ``Host``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import urlsplit

SESSION_COOKIE = "keepwf_session"
BROWSER_COOKIE = "keepwf_browser"
SESSION_TTL_S = 12 * 3600


class Guard:
    def __init__(self, api_keys: frozenset[str] | None = None, secret: bytes | None = None, clock=time.time):
        self.api_keys = api_keys or frozenset()
        self.secret = secret or secrets.token_bytes(32)
        self.clock = clock

    @property
    def needs_login(self) -> bool:
        return bool(self.api_keys)

    def _mac(self, text: str) -> str:
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()

    # -- sessions ---------------------------------------------------------------------------------------------------
    def check_key(self, key: str) -> bool:
        ok = False
        for k in self.api_keys:  # every key compared, in constant time each
            ok |= hmac.compare_digest(k.encode(), key.encode())
        return ok

    def new_session(self) -> str:
        sid = secrets.token_hex(16)
        expires = int(self.clock()) + SESSION_TTL_S
        return f"{sid}.{expires}.{self._mac(f'{sid}.{expires}')}"

    def session_ok(self, cookie: str | None) -> bool:
        if not cookie or cookie.count(".") != 2:
            return False
        sid, expires, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac(f"{sid}.{expires}")):
            return False
        return expires.isdigit() and int(expires) > self.clock()

    # -- CSRF ------------------------------------------------------------------------------------------------------
    def csrf_token(self, anchor: str) -> str:
        """The token for forms of the browser identified by ``anchor`` (its session or browser cookie)."""
        return self._mac("csrf:" + anchor)

    def csrf_ok(self, anchor: str | None, token: str | None) -> bool:
        return bool(anchor and token) and hmac.compare_digest(self.csrf_token(anchor), token)


def same_origin(headers) -> bool:
    """A state-changing request must come from a page of this server."""
    host = headers.get("host", "")
    src = headers.get("origin") or headers.get("referer")
    if not src:
        return False
    return urlsplit(src).netloc == host


def is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
