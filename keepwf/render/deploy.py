"""Drawing the release checklist and the outcome of deploy / rollback / promote / prune."""

from __future__ import annotations

from keepwf.render.styled import line

_MARK = {"ok": ("✓", "green"), "fail": ("✗", "bold red"), "skip": ("-", "dim"), "warn": ("!", "yellow")}


def checklist(checks) -> None:
    for item in checks:
        line("  ", _MARK[item.status], f" {item.name:<10} {item.detail}")
        if item.failed and item.hint:
            line("               ", ("hint:", "cyan"), f" {item.hint}")


def deploy_result(res) -> None:
    where = f"{res.env} from {res.branch or 'detached HEAD'} at {(res.commit or '')[:10]}"
    line(("Release checklist", "bold"), f" ({where})")
    checklist(res.checks)
    if res.error is not None:
        return
    line("")
    verb = "would create" if res.dry_run else "created"
    for item in res.items:
        if item.status == "create":
            v = item.version
            prev = f" (was {item.previous.label})" if item.previous else " (first version)"
            line("  ", (verb, "green"), f" {v.tag}{prev}  {v.commit[:10]} {item.path}")
        elif item.status == "unchanged":
            line("  ", ("unchanged", "dim"), f" {item.workflow}: {item.previous.label} already has this content, skipped")
        elif item.status == "deleted":
            line("  ", ("deleted", "yellow"), f"   {item.workflow}: file {item.path} is gone; "
                 f"{item.previous.label} stays deployed in {res.env} (never removed silently)")
    n = len(res.created)
    line("")
    if res.dry_run:
        line(f"Dry run: {n} version(s) would be created; nothing was written.")
    elif n:
        line(f"Deployed {n} workflow(s) to {res.env}.")
        if res.pruned:
            line(f"Pruned {', '.join(v.tag for v in res.pruned)} (keep_versions in keepwf.toml; keepwf audit lists it).")
    else:
        line(f"Nothing to deploy: every selected workflow is unchanged in {res.env}.")


def release_result(res) -> None:
    """rollback / promote: the diff about to go live, then what was (or would be) created."""
    from keepwf.render.versions import diff as draw_diff

    cur = f"{res.current.label} ({res.current.short})" if res.current else "nothing"
    tgt = f"{res.target.label} ({res.target.short})" if res.action == "rollback" else \
        f"{res.target.env}/{res.target.label} ({res.target.short})"
    line((res.action, "bold"), f" {res.workflow} in {res.env}: deployed {cur} → {tgt}")
    if res.checks:
        checklist(res.checks)
    if res.noop:
        line(f"Nothing to do: {res.env} already runs this content ({cur}); no version created.")
        return
    if res.diff is not None:
        line(("The change about to go live:", "bold"))
        draw_diff(res.diff)
    v = res.version
    extra = f"rollback of {v.rollback_of}" if v.rollback_of else f"promoted from {v.promoted_from}"
    line("")
    line(("would create" if res.dry_run else "created", "green"), f" {v.tag} → commit {v.commit[:10]} ({extra})")
    if res.dry_run:
        line("Dry run: nothing was written.")


def prune_result(res) -> None:
    if not res.pruned:
        line(f"Nothing to prune ({res.kept} version(s) kept).")
        return
    verb = "would prune" if res.dry_run else "pruned"
    for v in res.pruned:
        line("  ", (verb, "yellow"), f" {v.tag}  {v.commit[:10]} {v.date[:10]}")
    line(f"{len(res.pruned)} version(s) {verb}, {res.kept} kept.")
    if res.dry_run:
        line("Dry run: nothing was written.")
    else:
        line(f"Archived under refs/keepwf/archive/ (still reachable, listed by `keepwf history --pruned` and "
             f"`keepwf audit`); audit record {res.audit_commit[:10]}.")
