"""Tables and views of versions: status, list, history, show, diff, audit."""

from __future__ import annotations

import sys

from keepwf.render import console, warn
from keepwf.render.styled import line, table, tty

_STATE_STYLE = {"in sync": "green", "modified": "yellow", "new": "cyan", "deleted": "red", "absent": "dim"}


def _date(iso: str) -> str:
    return iso[:16].replace("T", " ") if iso else ""


def _state(s: str):
    return (s, _STATE_STYLE.get(s))


def status(rows) -> None:
    if not rows:
        line("No workflows yet. Add one under the workflows folder, commit it, then: keepwf deploy --all")
        return
    for row in rows:
        line((row.workflow, "bold"), "  ", (row.path or "(file deleted)", "dim"))
        for e in row.envs:
            v = e.deployed
            dep = f"{v.label} {v.commit[:10]} {_date(v.date)} by {v.tagger_name}" if v else "not deployed"
            line(f"  {e.env:<12} ", (dep, None if v else "dim"), "  draft: ", _state(e.draft))
            if e.undeployed:
                more = "+" if len(e.undeployed) >= 50 else ""
                line(f"  {'':<12} ", (f"{len(e.undeployed)}{more} undeployed commit(s)", "yellow"), " touching it:")
                for ci in e.undeployed[:5]:
                    line(f"  {'':<14}{ci.sha[:10]} {ci.subject}")
            for fv in e.foreign:
                line(f"  {'':<12} ", (f"foreign tag {fv.tag} ignored: {fv.foreign}", "red"))
            if e.last_runs:  # LAST RUNS (runs feature)
                line(f"  {'':<12} last runs: " + ", ".join(str(r.get("status")) for r in e.last_runs[:5]))


def workflow_list(rows, envs: list[str]) -> None:
    if not rows:
        line("No workflows yet. Add one under the workflows folder, commit it, then: keepwf deploy --all")
        return
    out = []
    for row in rows:
        cells = [row.workflow, row.path or "(deleted)"]
        for e in row.envs:
            v = e.deployed
            cells.append((f"{v.label if v else '-'} {e.draft}", _STATE_STYLE.get(e.draft)))
        last = max((r for e in row.envs for r in (e.last_runs or [])[:1]), key=lambda r: r.get("started") or "", default=None)
        cells.append(f"{last.get('status')} {_date(last.get('started') or '')}" if last else "-")  # LAST RUN (runs feature)
        out.append(cells)
    table(["workflow", "file", *envs, "last run"], out)


def history(page) -> None:
    if not page.versions and page.total:
        last = -(-page.total // page.limit)
        line(f"{page.workflow} in {page.env}: {page.total} version(s); page {page.page} is past the last page ({last}). "
             f"See: keepwf history {page.workflow} --env {page.env} --page {last}")
        return
    if not page.versions:
        line(f"{page.workflow} has no versions in {page.env}. Deploy it: keepwf deploy {page.workflow} --env {page.env}")
        return
    line((page.workflow, "bold"), f" in {page.env}: {page.total} version(s)" + (f", page {page.page}" if page.total > page.limit else ""))
    rows = []
    for v in page.versions:
        mark = ("●", "green") if v.label == page.deployed else " "
        action = v.action + (f" of {v.rollback_of}" if v.rollback_of else "") + (f" from {v.promoted_from}" if v.promoted_from else "")
        sig = getattr(page, "signatures", {}).get(v.label)
        if v.foreign:
            action = (f"foreign ({v.foreign})", "red")
        elif sig in ("unsigned", "bad"):  # the env requires signed tags: run and trigger refuse this version
            action = (f"{action} ({'UNSIGNED' if sig == 'unsigned' else 'BAD SIGNATURE'}: will not run)", "red")
        elif v.pruned:
            action = (action + " (pruned)", "dim")
        st = page.runs.get(v.label)
        runs = f"{st.get('runs', 0)} ({st.get('success_rate', 0):.0%})" if st else ""
        if st and st.get("last_started"):  # the last run of that version: date and status
            runs += f", last {_date(st['last_started'])} {st.get('last_status')}"
        rows.append([mark, v.label, v.commit[:10], action, v.tagger_name, _date(v.date), runs, v.message.split("\n")[0]])
    table(["", "version", "commit", "action", "author", "date", "runs", "message"], rows)
    if page.deployed:
        line(("●", "green"), f" deployed: {page.deployed}")


def show(shown) -> None:
    v = shown.version
    head = [
        f"# keepwf: {v.workflow} {v.label} in {v.env}" + (" (deployed)" if v.label == shown.deployed else ""),
        f"# commit {v.commit}  blob {v.blob}",
        f"# path {v.path}  action {v.action}" + (f" of {v.rollback_of}" if v.rollback_of else "")
        + (f" from {v.promoted_from}" if v.promoted_from else ""),
        f"# by {v.tagger_name} <{v.tagger_email}> at {v.date}",
        f"# {v.message.splitlines()[0] if v.message else ''}",
    ]
    if v.foreign:
        head.append(f"# WARNING: foreign tag, not made by keepwf: {v.foreign}")
    text = "\n".join(head) + "\n" + shown.content.decode("utf-8", "replace")
    if sys.stdout.isatty():
        from rich.syntax import Syntax

        console().print(Syntax(text, "yaml", background_color="default"))
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def diff(res) -> None:
    if res.same:
        line(f"{res.a.label} and {res.b.label} of {res.workflow} are the same.")
        return
    if tty():
        for ln in res.text.splitlines():
            style = "bold" if ln.startswith(("---", "+++")) else "green" if ln.startswith("+") else \
                "red" if ln.startswith("-") else "cyan" if ln.startswith("@@") else None
            line((ln, style))
    else:
        sys.stdout.write(res.text)
    summary(res.summary)


def summary(s: dict) -> None:
    if not s:
        line("")
        line("no step-level change (formatting or comments only)")
        return
    line("")
    line(("summary", "bold"))
    for kind, sec in s.items():
        if kind == "workflow":
            line(f"  workflow changed: {', '.join(sec['changed'])}")
            continue
        for name in sec.get("added", []):
            line("  ", (f"+ {kind[:-1]} {name}", "green"), " added")
        for name in sec.get("removed", []):
            line("  ", (f"- {kind[:-1]} {name}", "red"), " removed")
        for ch in sec.get("changed", []):
            line("  ", (f"~ {kind[:-1]} {ch['name']}", "yellow"), f" changed: {', '.join(ch['keys'])}")


def audit(entries, filtered: bool = False) -> None:
    if not entries:
        line("No deploy, rollback, promote or prune matches these filters." if filtered else "No deploys yet.")
        return
    rows = []
    for e in entries:
        action = (f"{e.action} {e.detail}".strip(), None) if not e.foreign else ("foreign", "red")
        msg = (f"{e.foreign}: " if e.foreign else "") + e.message.split("\n")[0]
        rows.append([_date(e.date), action, e.env, e.workflow, e.version, e.commit[:10], e.by.split(" <")[0], msg])
    table(["date", "action", "env", "workflow", "version", "commit", "by", "message"], rows)


def unreadable(problems) -> None:
    """Working-tree files the table cannot show right (not readable, duplicate ids), on stderr."""
    for p in problems:
        warn(f"{p.location()}: {p.message} (so this listing may be incomplete; details: keepwf validate)")
