"""Data files users hand to keepwf — alert and incident events, ``--mock`` responses, ``providers.yaml``.

One reader for all of them: JSON first (its error says where), else YAML read the way Keep reads YAML (PyYAML's safe
loader, YAML 1.1), as plain Python data. Every failure is a ``UsageError`` naming the file and the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from keepwf.errors import UsageError


def lone_surrogate(value: Any, where: str = "") -> str | None:
    """Where ``value`` holds a lone UTF-16 surrogate (``"\\ud800"`` in JSON), which no UTF-8 record can store:
    ``name``, ``labels.team``, ``items[2]``, ``(key)``; None when there is none."""
    stack = [(value, where)]
    while stack:
        v, at = stack.pop()
        if isinstance(v, str):
            if not v.isascii():
                try:
                    v.encode("utf-8")
                except UnicodeEncodeError:
                    return at or "(the value)"
        elif isinstance(v, dict):
            for k, x in v.items():
                key = str(k) if not isinstance(k, str) or k.isascii() else k.encode("utf-8", "backslashreplace").decode()
                stack.append((k, f"{at}.(key {key})".lstrip(".")))
                stack.append((x, f"{at}.{key}".lstrip(".")))
        elif isinstance(v, (list, tuple)):
            stack.extend((x, f"{at}[{i}]") for i, x in enumerate(v))
    return None


def escape_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate written as its escape text (``\\ud800``), so it can be stored as UTF-8."""
    if isinstance(value, str):
        if value.isascii():
            return value
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {escape_surrogates(k): escape_surrogates(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [escape_surrogates(v) for v in value]
    return value


def refuse_surrogates(value: Any, source: str, hint: str) -> None:
    """A usage error (exit 2) when ``value`` holds a lone surrogate: refused before anything runs."""
    at = lone_surrogate(value)
    if at is not None:
        raise UsageError(f"{source}: {at} holds a lone UTF-16 surrogate (such as \\ud800), which is not text and "
                         "cannot be recorded; nothing was run", hint=hint)


def parse_data(text: str, source: str, hint: str) -> Any:
    """JSON or YAML ``text`` → plain data; ``source`` names it in messages (``--alert a.json``)."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:  # undecodable bytes read through surrogateescape (stdin)
            raise UsageError(f"{source}: not UTF-8 text (character {e.start})", hint=hint) from None
    try:
        data = json.loads(text)
        if "\\u" in text:
            refuse_surrogates(data, source, hint)
        return data
    except RecursionError:
        raise UsageError(f"{source}: nested too deeply to read", hint=hint) from None
    except ValueError as json_err:
        if text.lstrip()[:1] in ("{", "["):  # meant as JSON: its error says where
            raise UsageError(f"{source}: not valid JSON: {json_err}", hint=hint) from None
    import yaml

    from keepwf.workflow.yamlnodes import Loader, alias_bomb

    loader = None
    try:
        loader = Loader(text)
        node = loader.get_single_node()
        if node is None:
            return None
        if "*" in text:  # aliases can only come with a '*'
            why = alias_bomb(node)
            if why:
                raise UsageError(f"{source}: {why}", hint=hint)
        return loader.construct_document(node)
    except RecursionError:
        raise UsageError(f"{source}: nested too deeply to read", hint=hint) from None
    except yaml.YAMLError as e:
        first = str(e).strip().splitlines()
        raise UsageError(f"{source}: neither JSON nor YAML: {' '.join(first[:3])}", hint=hint) from None
    finally:
        if loader is not None:
            loader.dispose()


def read_data_file(path: Path, source: str, hint: str) -> Any:
    """Read and parse a JSON or YAML file (UTF-8)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise UsageError(f"{source}: cannot read: {e.strerror or e}", hint=hint) from None
    except UnicodeDecodeError as e:
        raise UsageError(f"{source}: not UTF-8 text (byte {e.start})", hint=hint) from None
    return parse_data(text, source, hint)
