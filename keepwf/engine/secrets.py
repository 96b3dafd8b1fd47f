"""Provider configs as Keep reads them (§2.5) and the redaction of every secret-bearing value (decision 6).

Sources, later wins: ``providers.yaml`` (passed in), document-root ``providers:``, ``KEEP_PROVIDERS`` (JSON text or
a path to a ``.json`` file), ``KEEP_PROVIDER_<NAME>`` (name lower-cased, ``_`` → ``-``). ``{{ env.X }}`` inside
``authentication`` values and ``$(X)`` values in ``KEEP_PROVIDERS`` read the environment given to the engine.
Every authentication value, and every value that came from the environment, is a secret: ``Redactor`` replaces it
with ``***`` in anything the engine returns.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from keepwf.engine.redact import MIN_SECRET_LEN, NOT_SECRET_KEYS, REDACTED, Redactor  # noqa: F401 - re-exported

_ENV_TMPL = re.compile(r"\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_DOLLAR = re.compile(r"^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$")


def _render_env(value: Any, env: Mapping[str, str], redactor: Redactor) -> Any:
    if isinstance(value, str):
        def sub(m: re.Match) -> str:
            v = env.get(m.group(1), "")
            redactor.add(v)
            return v

        m = _DOLLAR.match(value.strip())
        if m:
            v = env.get(m.group(1), "")
            redactor.add(v)
            return v
        return _ENV_TMPL.sub(sub, value) if "env." in value else value
    if isinstance(value, dict):
        return {k: _render_env(v, env, redactor) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_env(v, env, redactor) for v in value]
    return value


def _json_or_path(text: str, what: str, log, redactor: Redactor) -> dict:
    """JSON text or the path of a JSON file. A value that is neither is a secret before anything is logged (a raw
    token must never be echoed): messages name the variable, never its value."""
    raw = text
    text = text.strip()
    if not text:
        return {}
    if not text.startswith("{"):
        redactor.add(raw)
        redactor.add(text)
        try:
            with open(text, encoding="utf-8") as f:
                text = f.read()
        except (OSError, ValueError) as e:
            log("warning", f"{what} is neither a JSON object nor the path of a readable JSON file "
                           f"({getattr(e, 'strerror', None) or type(e).__name__}); ignored")
            return {}
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        redactor.add(raw)
        log("warning", f"{what} is not valid JSON ({getattr(e, 'msg', type(e).__name__)}); ignored")
        return {}
    if not isinstance(data, dict):
        redactor.add(raw)
        log("warning", f"{what} is JSON but not an object; ignored")
        return {}
    return data


_LABEL_KEYS = frozenset({"description", "name", "type", "id"})  # what names a provider, not a credential


def _secret_part(cfg: dict) -> dict:
    """Everything of a provider config from the environment except the labels naming it."""
    return {k: v for k, v in cfg.items() if k not in _LABEL_KEYS}


def load_provider_configs(providers_file: dict | None, root: dict | None, env: Mapping[str, str],
                          redactor: Redactor, log=lambda level, msg: None) -> dict[str, dict]:
    merged: dict[str, Any] = {}
    for source in (providers_file or {}, (root or {}).get("providers") if isinstance(root, dict) else None):
        if isinstance(source, dict):
            merged.update({str(k): v for k, v in source.items() if isinstance(v, dict)})
    if env.get("KEEP_PROVIDERS"):
        data = _json_or_path(env["KEEP_PROVIDERS"], "KEEP_PROVIDERS", log, redactor)
        for k, v in data.items():
            if isinstance(v, dict):
                merged[str(k)] = v
                redactor.add(_secret_part(v))
    for key, val in env.items():
        if key.startswith("KEEP_PROVIDER_") and key != "KEEP_PROVIDERS_FILE":
            name = key[len("KEEP_PROVIDER_"):].lower().replace("_", "-")
            data = _json_or_path(val, key, log, redactor)
            if data:
                merged[name] = data
                redactor.add(_secret_part(data))
    out: dict[str, dict] = {}
    for name, cfg in merged.items():
        cfg = _render_env(dict(cfg), env, redactor)
        auth = cfg.get("authentication")
        if not isinstance(auth, dict):
            cfg["authentication"] = {}
        redactor.add(cfg["authentication"])
        out[name] = cfg
    return out


def resolve_step_config(spec: Any, configs: dict[str, dict], env: Mapping[str, str], redactor: Redactor,
                        log=lambda level, msg: None) -> tuple[dict, str | None]:
    """``provider.config`` → (config dict, provider name). String form ``{{ providers.NAME }}``."""
    if spec is None:
        return {"authentication": {}}, None
    if isinstance(spec, dict):
        cfg = _render_env(dict(spec), env, redactor)
        if not isinstance(cfg.get("authentication"), dict):
            cfg["authentication"] = {}
        redactor.add(cfg["authentication"])
        return cfg, None
    text = str(spec).replace("{{", "").replace("}}", "").strip()
    parts = text.split(".")
    if len(parts) != 2:
        raise ValueError(f"Provider config ({spec}) is not valid; use \"{{{{ providers.NAME }}}}\"")
    name = parts[1].strip()
    if name not in configs:
        env_var = (f"KEEP_PROVIDER_{name.upper().replace('-', '_')}" if name == name.lower() else
                   "not KEEP_PROVIDER_*, whose names are lower-cased")  # as in Keep: 'PagerDuty' never matches
        log("warning", f"provider config {name!r} not found (providers.yaml, document-root providers:, "
                       f"KEEP_PROVIDERS, {env_var}); using empty authentication")
        return {"authentication": {}}, name
    return configs[name], name
