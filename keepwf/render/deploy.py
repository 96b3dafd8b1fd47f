"""Drawing the release checklist and the outcome of deploy / rollback / promote / prune."""

from __future__ import annotations

from keepwf.render import console, escape

_MARK = {"ok": "[green]✓[/green]", "fail": "[bold red]✗[/bold red]", "skip": "[dim]-[/dim]", "warn": "[yellow]![/yellow]"}


def checklist(checks) -> None:
    c = console()
    for item in checks:
        c.print(f"  {_MARK[item.status]} {item.name:<10} {escape(item.detail)}")
        if item.failed and item.hint:
            c.print(f"               [cyan]hint:[/cyan] {escape(item.hint)}")


def deploy_result(res) -> None:
    c = console()
    where = f"{res.env} from {res.branch or 'detached HEAD'} at {(res.commit or '')[:10]}"
    c.print(f"[bold]Release checklist[/bold] ({escape(where)})")
    checklist(res.checks)
    if res.error is not None:
        return
    c.print("")
    verb = "would create" if res.dry_run else "created"
    for item in res.items:
        if item.status == "create":
            v = item.version
            prev = f" (was {item.previous.label})" if item.previous else " (first version)"
            c.print(f"  [green]{verb}[/green] {escape(v.tag)}{escape(prev)}  {v.commit[:10]} {escape(item.path)}")
        elif item.status == "unchanged":
            c.print(f"  [dim]unchanged[/dim] {escape(item.workflow)}: {item.previous.label} already has this content, skipped")
        elif item.status == "deleted":
            c.print(f"  [yellow]deleted[/yellow]   {escape(item.workflow)}: file {escape(item.path)} is gone; "
                    f"{item.previous.label} stays deployed in {escape(res.env)} (never removed silently)")
    n = len(res.created)
    if res.dry_run:
        c.print(f"\nDry run: {n} version(s) would be created; nothing was written.")
    elif n:
        c.print(f"\nDeployed {n} workflow(s) to {escape(res.env)}.")
    else:
        c.print(f"\nNothing to deploy: every selected workflow is unchanged in {escape(res.env)}.")


def release_result(res) -> None:
    """rollback / promote: the diff about to go live, then what was (or would be) created."""
    from keepwf.render.versions import diff as draw_diff

    c = console()
    cur = f"{res.current.label} ({res.current.short})" if res.current else "nothing"
    tgt = f"{res.target.label} ({res.target.short})" if res.action == "rollback" else \
        f"{res.target.env}/{res.target.label} ({res.target.short})"
    c.print(f"[bold]{res.action}[/bold] {escape(res.workflow)} in {escape(res.env)}: deployed {escape(cur)} → {escape(tgt)}")
    if res.checks:
        checklist(res.checks)
    if res.noop:
        c.print(f"Nothing to do: {escape(res.env)} already runs this content ({escape(cur)}); no version created.")
        return
    if res.diff is not None:
        c.print("[bold]The change about to go live:[/bold]")
        draw_diff(res.diff)
    v = res.version
    extra = f"rollback of {v.rollback_of}" if v.rollback_of else f"promoted from {v.promoted_from}"
    verb = "would create" if res.dry_run else "created"
    c.print(f"\n[green]{verb}[/green] {escape(v.tag)} → commit {v.commit[:10]} ({escape(extra)})")
    if res.dry_run:
        c.print("Dry run: nothing was written.")


def prune_result(res) -> None:
    c = console()
    if not res.pruned:
        c.print(f"Nothing to prune ({res.kept} version(s) kept).")
        return
    verb = "would prune" if res.dry_run else "pruned"
    for v in res.pruned:
        c.print(f"  [yellow]{verb}[/yellow] {escape(v.tag)}  {v.commit[:10]} {v.date[:10]}")
    c.print(f"{len(res.pruned)} version(s) {verb}, {res.kept} kept.")
    if res.dry_run:
        c.print("Dry run: nothing was written.")
    else:
        c.print(f"Archived under refs/keepwf/archive/ (still reachable, listed by `keepwf history --pruned` and "
                f"`keepwf audit`); audit record {res.audit_commit[:10]}.")
