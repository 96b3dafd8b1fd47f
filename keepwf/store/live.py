"""Runs in progress, for ``keepwf runs --follow`` and ``runs show RUN_ID --follow`` in other processes.

While a run executes, its progress events go to ``.git/keepwf/live/<run_id>.jsonl`` (a header line with who runs
what, then one line per step start/end and log line, flushed as they happen); once the run's record is in the run
log the file is renamed ``<run_id>.done`` (a follower reads the last events from it) and removed by a later reader
after ``DONE_KEEP_S``. Nothing here is ever committed or pushed: it is a local window on work in progress. A file
left by a killed process is recognised by its pid and ignored (and removed by the next reader).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

LIVE_DIR = ("keepwf", "live")
DONE_KEEP_S = 60.0


def live_dir(repo) -> Path:
    return repo.common_dir.joinpath(*LIVE_DIR)


class LiveRun:
    """The writer: one per executing run. Failures to write never affect the run (the window is best effort)."""

    def __init__(self, repo, run_id: str, header: dict[str, Any]):
        self.path = live_dir(repo) / f"{run_id}.jsonl"
        self._f = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._f = open(self.path, "w", encoding="utf-8")
            self.write({"run_id": run_id, "pid": os.getpid(), **header})
        except OSError:
            self._f = None

    def write(self, obj: dict[str, Any]) -> None:
        if self._f is None:
            return
        try:
            self._f.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
            self._f.flush()
        except (OSError, ValueError):
            self._f = None

    def close(self) -> None:
        """The record is in the run log: the window closes (kept a minute as ``.done`` for followers)."""
        if self._f is not None:
            try:
                self._f.close()
            except OSError:
                pass
        try:
            os.replace(self.path, done_path(self.path))
        except OSError:
            pass


def done_path(path: Path) -> Path:
    return path.with_suffix(".done")


def alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def read_live(path: Path) -> tuple[dict | None, list[dict]]:
    """(header, events) of one live file; (None, []) when gone or unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None, []
    lines = []
    for ln in text.split("\n"):
        if not ln.endswith("}"):
            continue  # a line being written, or blank
        try:
            lines.append(json.loads(ln))
        except ValueError:
            continue
    return (lines[0], lines[1:]) if lines else (None, [])


def running(repo) -> Iterator[tuple[Path, dict]]:
    """(file, header) of every run in progress (files of dead processes are removed)."""
    d = live_dir(repo)
    try:
        files = sorted(d.glob("*.jsonl"))
        _drop_old_done(repo, d)
    except OSError:
        return
    for p in files:
        head, _ = read_live(p)
        if head is None:
            continue
        if not alive(head.get("pid")):
            try:
                p.unlink()
            except OSError:
                pass
            continue
        yield p, head


def _drop_old_done(repo, d: Path) -> None:
    """Closed windows older than DONE_KEEP_S, aged in file time (see store.reftx.file_clock_now)."""
    from keepwf.store.reftx import file_clock_now

    done = list(d.glob("*.done"))
    if not done:
        return
    now = file_clock_now(repo.common_dir)
    for p in done:
        try:
            if now - p.stat().st_mtime > DONE_KEEP_S:
                p.unlink()
        except OSError:
            pass
