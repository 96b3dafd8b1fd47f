"""Output of `keepwf approve` and `keepwf reviews`."""

from __future__ import annotations

from keepwf import render


def approved(res, share: bool = True) -> None:
    r = res.review
    who = f"{r.reviewer_name} <{r.reviewer_email}>"
    if res.already:
        render.line(f"{who} had already approved {r.workflow} at this content (blob {r.blob[:10]}, {r.time}); nothing new recorded")
        return
    render.markup(f"[green]approved[/green] {render.escape(r.workflow)} (blob {r.blob[:10]} in {r.path} at {r.commit[:10]}) "
                  f"by {render.escape(who)}")
    if share:
        render.line("recorded in refs/notes/keepwf/reviews; share it with `keepwf sync` (or git push <remote> refs/notes/keepwf/reviews)")


def review_list(lst) -> None:
    if not lst.reviews and lst.current_blob is None:
        render.line(f"no reviews of {lst.workflow} yet: it is not committed at HEAD (commit it, then a reviewer runs "
                    f"`keepwf approve {lst.workflow}`)")
        return
    if not lst.reviews:
        render.line(f"no reviews of {lst.workflow} yet (record one with `keepwf approve {lst.workflow}`)")
        return
    for r in lst.reviews:
        here = "[green]HEAD[/green] " if r.blob == lst.current_blob else "[dim]older[/dim]"
        msg = f"  {render.escape(r.message)}" if r.message else ""
        render.markup(f"{r.time[:19].replace('T', ' ')}  {here}  blob {r.blob[:10]} at {r.commit[:10]}  "
                      f"{render.escape(r.reviewer_name)} <{render.escape(r.reviewer_email)}>{msg}")
    at_head = {r.reviewer_email.lower() for r in lst.reviews if r.blob == lst.current_blob}
    render.line(f"{len(at_head)} reviewer(s) approved the content at HEAD")
