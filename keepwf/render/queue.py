"""The view of ``keepwf queue status``."""

from __future__ import annotations

from keepwf.render import line

STATES = (("todo", "waiting"), ("doing", "running"), ("failed", "failed"))


def draw_status(st: dict) -> None:
    if not st.get("initialised"):
        line("the queue database has no keepwf queue yet (it is created when serve or a worker starts)")
        return
    wfs = st["workflows"]
    if not wfs:
        line("no jobs waiting, running or failed")
    else:
        width = max(len("workflow"), *(len(w) for w in wfs))
        line(f"{'workflow':<{width}}  " + "  ".join(f"{label:>7}" for _s, label in STATES))
        for wf, counts in sorted(wfs.items()):
            line(f"{wf:<{width}}  " + "  ".join(f"{counts.get(s, 0):>7}" for s, _l in STATES))
    workers = st["workers"]
    line(f"workers: {len(workers)} ({st['stalled_workers']} stalled)")
    for w in workers:
        line(f"  #{w['id']}  last heartbeat {w['seconds_since']} s ago  running {w['running']}"
             + ("  STALLED" if w["stalled"] else ""))
