"""A cache of parsed workflow documents by blob SHA (``.git/keepwf/cache/``): a deployed blob never changes, so
``keepwf run`` need not re-parse its YAML (parsing is most of a small run's time).
Only an optimisation: anything unreadable is a miss, and writes are atomic."""

from __future__ import annotations

import json
import os

DIR = "keepwf/cache"


def get(repo, key: str) -> dict | None:
    try:
        return json.loads((repo.common_dir / DIR / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def put(repo, key: str, value: dict) -> None:
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return  # not plain JSON data (a YAML timestamp…): parse each time
    d = repo.common_dir / DIR
    try:
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, d / f"{key}.json")
    except OSError:
        pass
