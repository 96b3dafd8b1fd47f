"""Keeping a busy repository packed, in the spirit of ``git gc --auto``.

Every run writes a handful of loose objects. Counting them all would cost a walk of ``.git/objects``; like git, we
count one of the 256 fan-out folders (``objects/17``) and multiply. Past the threshold (git's ``gc.auto``, default
6700) we start ``git gc --auto --quiet`` in the background: git re-checks, packs, and holds its own ``gc.pid`` lock so
two writers never pack at once. ``gc.auto = 0`` turns it off, as for git.
"""

from __future__ import annotations

import os
import subprocess

DEFAULT_GC_AUTO = 6700


def loose_estimate(repo) -> int:
    """Approximate number of loose objects (entries in objects/17 × 256)."""
    try:
        return len(os.listdir(repo.common_dir / "objects" / "17")) * 256
    except FileNotFoundError:
        return 0


def gc_threshold(repo) -> int:
    try:
        return int(repo.pg.config["gc.auto"])
    except (KeyError, ValueError):
        return DEFAULT_GC_AUTO


def maybe_pack(repo, *, wait: bool = False) -> bool:
    """Start ``git gc --auto`` when loose objects piled up; returns True if it was started."""
    est = loose_estimate(repo)
    if est < 512:  # cheap exit before reading config
        return False
    limit = gc_threshold(repo)
    if limit <= 0 or est <= limit:
        return False
    cmd = ["git", "-C", str(repo.common_dir), "gc", "--auto", "--quiet"]
    try:
        if wait:
            subprocess.run(cmd, capture_output=True, check=False)
        else:
            subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    except OSError:  # pragma: no cover - git missing: packing is an optimisation
        return False
    return True
