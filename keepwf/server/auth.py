"""API keys as Keep accepts them (``keep/identitymanager/authverifierbase.py``): ``X-API-KEY`` header, else
``?api_key=``, else ``Authorization: Basic`` (the password is the key; what Alertmanager's basic_auth sends) or
``Authorization: Digest <key>`` (what Grafana sends). Compared in constant time; 401 without a key, 403 with a
wrong one. Keys come from ``KEEPWF_API_KEYS`` (comma-separated) or a file, never from git."""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from pathlib import Path

from keepwf.errors import UsageError

ENV_VAR = "KEEPWF_API_KEYS"


def load_keys(keys_file: str | None) -> list[str]:
    keys = [k.strip() for k in os.environ.get(ENV_VAR, "").split(",") if k.strip()]
    if keys_file:
        try:
            text = Path(keys_file).read_text(encoding="utf-8")
        except OSError as e:
            raise UsageError(f"--api-keys-file {keys_file}: {e.strerror or e}",
                             hint="one key per line (lines starting with # are comments)") from e
        keys += [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return keys


def extract_key(headers, query) -> str | None:
    """The key a request carries, in Keep's order; None when it carries none."""
    key = headers.get("x-api-key") or query.get("api_key")
    if key:
        return key
    auth = headers.get("authorization") or ""
    scheme, _, cred = auth.strip().partition(" ")
    scheme = scheme.lower()
    if scheme == "basic" and cred:
        try:
            decoded = base64.b64decode(cred.strip(), validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
        return decoded.partition(":")[2] or None
    if scheme == "digest" and cred.strip():
        return cred.strip()
    return None


def check(keys: list[str], headers, query) -> tuple[int, str] | None:
    """None when the request may pass, else (status, reason)."""
    if not keys:
        return None  # --no-auth (refused unless bound to loopback)
    given = extract_key(headers, query)
    if given is None:
        return 401, "Missing API Key"
    ok = False
    for k in keys:  # every key compared, in constant time each
        ok |= hmac.compare_digest(given.encode(), k.encode())
    return None if ok else (403, "Invalid API Key")
