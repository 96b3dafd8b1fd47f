"""Data files users hand to keepwf — alert and incident events, ``--mock`` responses, ``providers.yaml``.

One reader for all of them: JSON first (its error says where), else YAML read the way Keep reads YAML (PyYAML's safe
loader, YAML 1.1), as plain Python data. Every failure is a ``UsageError`` naming the file and the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from keepwf.errors import UsageError


def parse_data(text: str, source: str, hint: str) -> Any:
    """JSON or YAML ``text`` → plain data; ``source`` names it in messages (``--alert a.json``)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise UsageError(f"{source}: nested too deeply to read", hint=hint) from None
    except ValueError as json_err:
        if text.lstrip()[:1] in ("{", "["):  # meant as JSON: its error says where
            raise UsageError(f"{source}: not valid JSON: {json_err}", hint=hint) from None
    import yaml

    from keepwf.workflow.yamlnodes import Loader

    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)
    except RecursionError:
        raise UsageError(f"{source}: nested too deeply to read", hint=hint) from None
    except yaml.YAMLError as e:
        first = str(e).strip().splitlines()
        raise UsageError(f"{source}: neither JSON nor YAML: {' '.join(first[:3])}", hint=hint) from None


def read_data_file(path: Path, source: str, hint: str) -> Any:
    """Read and parse a JSON or YAML file (UTF-8)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise UsageError(f"{source}: cannot read: {e.strerror or e}", hint=hint) from None
    except UnicodeDecodeError as e:
        raise UsageError(f"{source}: not UTF-8 text (byte {e.start})", hint=hint) from None
    return parse_data(text, source, hint)
