"""A cheap signature of the keepwf refs on disk: it changes whenever a deploy, rollback, promote, prune or sync
changes a deploy tag (packed-refs is rewritten, or a loose tag file appears/changes), or a canary's state moves (a
promoted canary becomes the deployed version). ``keepwf serve`` re-reads the
deployed versions only when it changes, so a deploy from another process takes effect for the next event."""

from __future__ import annotations

import os


def _stat(path: str) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return ()
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def refs_signature(repo) -> tuple:
    base = str(repo.common_dir)
    sig: list = [_stat(os.path.join(base, "packed-refs"))]
    for sub in ("refs/tags/keepwf", "refs/keepwf/archive", "refs/keepwf/canary"):  # canary: a promotion deploys
        for root, dirs, files in os.walk(os.path.join(base, sub)):
            dirs.sort()
            sig.append((root, _stat(root)))
            for f in sorted(files):
                sig.append((f, _stat(os.path.join(root, f))))
    return tuple(sig)
