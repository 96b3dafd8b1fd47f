"""Redaction of secrets in everything the engine returns (keepwf decision 6, issue 10 item 6).

A secret is masked as ``***`` in every form it can take in a record, not only verbatim:

- its encoded forms: URL-quoted (``%2F``, ``+``), JSON- and repr-escaped (``\\\\``, ``\\'``, ``\\u00e9``), base64
  (``Basic`` credentials: ``base64(user:password)`` of a config holding both, and ``base64(secret:)``);
- its token parts, each masked on its own: the query values, the password and the token-like path segments of a URL
  (a Slack webhook's last segment shows up alone in a server's echo), the long words of ``Bearer xyz``;
- a secret shorter than 4 characters (a 3-character password) is masked where it stands as a whole token
  (between characters that are not letters or digits), so a short secret never masks parts of ordinary words;
- a text cut before redaction (a provider's message, a preview) that ends with the first characters of a secret has
  that beginning masked.

Redaction runs before anything is truncated for the record (``Run.clip``, ``results.truncate``).
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from typing import Any

REDACTED = "***"
MIN_SECRET_LEN = 4
# settings, not credentials (Keep's non-"sensitive" fields among them: a Jira/ntfy host, an SMTP server)
NOT_SECRET_KEYS = frozenset({"method", "verify", "timeout", "description", "base_url", "events_base_url", "host",
                             "smtp_server", "smtp_port", "encryption"})
USER_KEYS = ("http_basic_authentication_username", "username", "user", "login")
PASSWORD_KEYS = ("http_basic_authentication_password", "password", "pass", "passwd")
_MIN_PREFIX = 4


def _b64(s: str) -> str:
    return base64.b64encode(s.encode("utf-8", "backslashreplace")).decode("ascii")


def _tokenish(part: str) -> bool:
    """A URL path segment or a word that is probably a credential: long, or mixing letters and digits."""
    return len(part) >= 16 or (len(part) >= 8 and any(c.isdigit() for c in part) and any(c.isalpha() for c in part))


def encoded_forms(s: str) -> set[str]:
    """The ways ``s`` is written in URLs, JSON, Python reprs and base64 headers."""
    forms = {s, urllib.parse.quote(s, safe=""), urllib.parse.quote_plus(s), urllib.parse.quote(s),
             json.dumps(s)[1:-1], json.dumps(s, ensure_ascii=False)[1:-1], repr(s)[1:-1],
             s.encode("unicode_escape").decode("ascii")}
    if len(s) >= MIN_SECRET_LEN:
        forms |= {_b64(s), _b64(s + ":"), _b64(s).rstrip("=")}
    return {f for f in forms if f}


def token_parts(s: str) -> tuple[set[str], set[str]]:
    """(parts that are secrets in their own right, short parts) of a secret: URL query values, password and
    token-like path segments; the long words of a multi-word value."""
    parts: set[str] = set()
    try:
        u = urllib.parse.urlsplit(s)
    except ValueError:
        u = None
    if u is not None and u.scheme and u.netloc:
        if u.password:
            parts.add(urllib.parse.unquote(u.password))
        for _k, v in urllib.parse.parse_qsl(u.query, keep_blank_values=False):
            if len(v) >= MIN_SECRET_LEN:
                parts.add(v)
        parts |= {urllib.parse.unquote(seg) for seg in u.path.split("/") if _tokenish(urllib.parse.unquote(seg))}
        if u.fragment and len(u.fragment) >= MIN_SECRET_LEN:
            parts.add(u.fragment)
    else:
        words = re.split(r"[\s,;]+", s)
        if len(words) > 1:
            parts |= {w for w in words if _tokenish(w)}
    parts.discard(s)
    return {p for p in parts if len(p) >= MIN_SECRET_LEN}, {p for p in parts if len(p) < MIN_SECRET_LEN}


class Redactor:
    def __init__(self) -> None:
        self.secrets: set[str] = set()  # the values as given (a whole string equal to one is masked)
        self._forms: set[str] = set()
        self._sorted: list[str] = []
        self._short: set[str] = set()
        self._short_re: re.Pattern | None = None
        self._heads: dict[str, list[str]] | None = None

    def add(self, value: Any) -> None:
        if isinstance(value, dict):
            if set(value) == {"key", "value"}:  # webhook headers: [{key, value}] → only the value is a credential
                self.add(value["value"])
                return
            user = next((value[k] for k in USER_KEYS if isinstance(value.get(k), str)), None)
            pw = next((value[k] for k in PASSWORD_KEYS if isinstance(value.get(k), (str, int))), None)
            if user is not None and pw is not None:  # Basic credentials travel base64-encoded
                self._add_forms({_b64(f"{user}:{pw}"), _b64(f"{user}:{pw}").rstrip("=")})
            for k, v in value.items():
                if k not in NOT_SECRET_KEYS:
                    self.add(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                self.add(v)
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            self._add_secret(str(value), short_ok=isinstance(value, str))

    def _add_secret(self, s: str, short_ok: bool = True) -> None:
        if not s.strip() or s in self.secrets:
            return
        if len(s) < MIN_SECRET_LEN:
            if short_ok:
                self.secrets.add(s)
                self._short.add(s)
                self._short_re = re.compile("|".join(
                    rf"(?<![A-Za-z0-9]){re.escape(x)}(?![A-Za-z0-9])" for x in sorted(self._short, key=len, reverse=True)))
            return
        self.secrets.add(s)
        long_parts, short_parts = token_parts(s)
        self._add_forms(encoded_forms(s))
        for p in long_parts:
            self._add_forms(encoded_forms(p))
        for p in short_parts:
            self._add_secret(p)

    def _add_forms(self, forms: set[str]) -> None:
        new = {f for f in forms if len(f) >= MIN_SECRET_LEN} - self._forms
        if new:
            self._forms |= new
            self._sorted = sorted(self._forms, key=len, reverse=True)
            self._heads = None

    def text(self, s: str) -> str:
        for form in self._sorted:
            if form in s:
                s = s.replace(form, REDACTED)
        if self._short_re is not None:
            s = self._short_re.sub(REDACTED, s)
        return self._cut_tail(s) if self._sorted else s

    def _cut_tail(self, s: str) -> str:
        """A text cut mid-secret: mask the secret's beginning at the very end (one regex scan of the tail)."""
        if self._heads is None:
            heads: dict[str, list[str]] = {}
            for form in self._sorted:
                heads.setdefault(form[:_MIN_PREFIX], []).append(form)
            self._heads = heads
            self._head_re = re.compile("|".join(re.escape(h) for h in sorted(heads, key=len, reverse=True)))
            self._longest = max(len(f) for f in self._sorted)
        start = max(0, len(s) - self._longest)
        for m in self._head_re.finditer(s, start):
            rest = s[m.start():]
            if any(form.startswith(rest) for form in self._heads[m.group()]):
                return s[: m.start()] + REDACTED
        return s

    def apply(self, value: Any) -> Any:
        if not self._sorted and self._short_re is None:
            return value
        if isinstance(value, str):
            return REDACTED if value in self.secrets else self.text(value)
        if isinstance(value, dict):
            return {self.apply(k) if isinstance(k, str) else k: self.apply(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.apply(v) for v in value]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and str(value) in self.secrets:
            return REDACTED
        return value
