"""Tables and views of versions: status, list, history, show, diff, audit."""

from __future__ import annotations

import sys

from keepwf.render import console, escape

_STATE_STYLE = {"in sync": "green", "modified": "yellow", "new": "cyan", "deleted": "red", "absent": "dim"}


def _date(iso: str) -> str:
    return iso[:16].replace("T", " ") if iso else ""


def _state(s: str) -> str:
    return f"[{_STATE_STYLE.get(s, 'white')}]{escape(s)}[/]"


def _table(*cols: str):
    from rich.table import Table

    t = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for c in cols:
        t.add_column(c)
    return t


def _print_table(t) -> None:
    """Tables never wrap cells: on a terminal rich fits them; piped, lines are as long as they need to be."""
    if sys.stdout.isatty():
        console().print(t)
    else:
        from rich.console import Console

        Console(file=sys.stdout, width=400, highlight=False, soft_wrap=True, no_color=True).print(t)


def status(rows) -> None:
    c = console()
    if not rows:
        c.print("No workflows yet. Add one under the workflows folder, commit it, then: keepwf deploy --all")
        return
    for row in rows:
        c.print(f"[bold]{escape(row.workflow)}[/bold]  [dim]{escape(row.path or '(file deleted)')}[/dim]")
        for e in row.envs:
            v = e.deployed
            dep = f"{v.label} {v.commit[:10]} {_date(v.date)} by {escape(v.tagger_name)}" if v else "[dim]not deployed[/dim]"
            c.print(f"  {escape(e.env):<12} {dep}  draft: {_state(e.draft)}")
            if e.undeployed:
                more = "+" if len(e.undeployed) >= 50 else ""
                c.print(f"  {'':<12} [yellow]{len(e.undeployed)}{more} undeployed commit(s)[/yellow] touching it:")
                for ci in e.undeployed[:5]:
                    c.print(f"  {'':<14}{ci.sha[:10]} {escape(ci.subject)}")
            if e.last_runs:  # LAST RUNS (runs feature)
                c.print(f"  {'':<12} last runs: " + ", ".join(escape(str(r.get('status'))) for r in e.last_runs[:5]))


def workflow_list(rows, envs: list[str]) -> None:
    c = console()
    if not rows:
        c.print("No workflows yet. Add one under the workflows folder, commit it, then: keepwf deploy --all")
        return
    t = _table("workflow", "file", *envs)
    for row in rows:
        cells = []
        for e in row.envs:
            v = e.deployed
            cells.append(f"{v.label if v else '-'} {_state(e.draft)}")
        t.add_row(escape(row.workflow), escape(row.path or "(deleted)"), *cells)
    _print_table(t)


def history(page) -> None:
    c = console()
    if not page.versions:
        c.print(f"{escape(page.workflow)} has no versions in {escape(page.env)}. Deploy it: keepwf deploy {escape(page.workflow)} --env {escape(page.env)}")
        return
    c.print(f"[bold]{escape(page.workflow)}[/bold] in {escape(page.env)}: {page.total} version(s)"
            + (f", page {page.page}" if page.total > page.limit else ""))
    t = _table("", "version", "commit", "action", "author", "date", "runs", "message")
    for v in page.versions:
        mark = "[green]●[/green]" if v.label == page.deployed else " "
        action = escape(v.action + (f" of {v.rollback_of}" if v.rollback_of else "")
                        + (f" from {v.promoted_from}" if v.promoted_from else ""))
        if v.foreign:
            action = f"[red]foreign[/red] ({escape(v.foreign)})"
        elif v.pruned:
            action += " [dim](pruned)[/dim]"
        st = page.runs.get(v.label)
        runs = f"{st.get('runs', 0)} ({st.get('success_rate', 0):.0%})" if st else ""
        t.add_row(mark, v.label, v.commit[:10], action,
                  escape(v.tagger_name), _date(v.date), runs, escape(v.message.split("\n")[0]))
    _print_table(t)
    if page.deployed:
        c.print(f"[green]●[/green] deployed: {page.deployed}")


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
        console().print(f"{escape(res.a.label)} and {escape(res.b.label)} of {escape(res.workflow)} are the same.")
        return
    if sys.stdout.isatty():
        c = console()
        for ln in res.text.splitlines():
            style = "bold" if ln.startswith(("---", "+++")) else "green" if ln.startswith("+") else \
                "red" if ln.startswith("-") else "cyan" if ln.startswith("@@") else None
            c.print(f"[{style}]{escape(ln)}[/]" if style else escape(ln))
    else:
        sys.stdout.write(res.text)
    summary(res.summary)


def summary(s: dict) -> None:
    c = console()
    if not s:
        c.print("\nno step-level change (formatting or comments only)")
        return
    c.print("\n[bold]summary[/bold]")
    for kind, sec in s.items():
        if kind == "workflow":
            c.print(f"  workflow changed: {escape(', '.join(sec['changed']))}")
            continue
        for name in sec.get("added", []):
            c.print(f"  [green]+ {kind[:-1]} {escape(name)}[/green] added")
        for name in sec.get("removed", []):
            c.print(f"  [red]- {kind[:-1]} {escape(name)}[/red] removed")
        for ch in sec.get("changed", []):
            c.print(f"  [yellow]~ {kind[:-1]} {escape(ch['name'])}[/yellow] changed: {escape(', '.join(ch['keys']))}")


def audit(entries) -> None:
    c = console()
    if not entries:
        c.print("No deploys yet.")
        return
    t = _table("date", "action", "env", "workflow", "version", "commit", "by", "message")
    for e in entries:
        action = escape(f"{e.action} {e.detail}".strip()) if not e.foreign else "[red]foreign[/red]"
        t.add_row(_date(e.date), action, escape(e.env), escape(e.workflow), escape(e.version), e.commit[:10],
                  escape(e.by.split(" <")[0]), escape((e.foreign and f"{e.foreign}: " or "") + e.message.split("\n")[0]))
    _print_table(t)
