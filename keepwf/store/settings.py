"""Reading ``keepwf.toml`` and writing the git config keepwf relies on."""

from __future__ import annotations

from keepwf.config import CONFIG_FILE, Config, parse_config
from keepwf.store.locate import read_config
from keepwf.store.repo import Repo

# Notes refs keepwf writes, and how git should merge each across clones (lines start with a sortable time).
NOTES_REFS = ("keepwf/runs", "keepwf/drafts", "keepwf/reviews")


def load_config(repo: Repo) -> Config:
    """keepwf.toml from the top of the working tree (from HEAD in a bare repository); defaults when absent."""
    if repo.is_bare:
        head = repo.head_commit()
        found = repo.blob_at(head, CONFIG_FILE) if head else None
        return parse_config(found[1].decode("utf-8", "replace"), CONFIG_FILE) if found else Config()
    return read_config(repo.root)


def configure_notes_merge(repo: Repo) -> list[str]:
    """Set ``notes.<ref>.mergeStrategy = cat_sort_uniq`` for keepwf's notes refs; returns the keys set."""
    cfg = repo.pg.config
    keys = []
    for ref in NOTES_REFS:
        key = f"notes.{ref}.mergeStrategy"
        cfg[key] = "cat_sort_uniq"
        keys.append(key)
    return keys
