"""Make new versions live: build their tag messages, write the tag objects, create every ref in one transaction."""

from __future__ import annotations

from keepwf.model.version import Version, format_message, tag_name, trailers_for
from keepwf.store import tags
from keepwf.store.repo import Repo


def new_version(wf: str, env: str, number: int, commit: str, path: str, blob: str, action: str, message: str,
                who: tags.Identity | None, *, rollback_of: str | None = None, promoted_from: str | None = None,
                canary_of: str | None = None, canary_steps: str | None = None) -> Version:
    """A planned version (not yet in git)."""
    return Version(
        workflow=wf, env=env, number=number, commit=commit, tag=tag_name(env, wf, number), blob=blob, path=path,
        action=action, message=message, tagger_name=who.name if who else "", tagger_email=who.email if who else "",
        date=tags.iso_date(who.timestamp, who.offset) if who else "", timestamp=who.timestamp if who else 0,
        rollback_of=rollback_of, promoted_from=promoted_from, canary_of=canary_of, canary_steps=canary_steps,
    )


def create_versions(repo: Repo, versions: list[Version], who: tags.Identity) -> list[Version]:
    """Create all ``versions`` or none (exit 3 naming the winner when a tag name is taken meanwhile)."""
    from keepwf.store import signing
    from keepwf.store.settings import load_config

    signed = {name for name, e in load_config(repo).envs.items() if e.signed}
    refs = {}
    for v in versions:
        raw = format_message(v.message, trailers_for(v))
        if v.env in signed:  # [env.X] signed = true: git tag -s, with every git signing setting
            env = signing.tagger_env(who.name, who.email, who.timestamp, who.offset)
            refs[v.ref] = signing.write_signed_tag_object(repo, v.commit, v.tag, raw, env)
        else:
            refs[v.ref] = tags.write_tag_object(repo, v.commit, v.tag, who, raw)
    tags.create_refs(repo, refs)
    tags.pack_refs(repo)
    made = []
    for v in versions:
        back = tags.read_version(repo, v.ref)
        made.append(back if back is not None else v)
    return made
