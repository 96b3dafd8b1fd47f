"""Signed deploy tags: made by ``git tag -s`` (so every git signing setting applies: gpg.format openpgp/ssh/x509,
user.signingKey, gpg.program, gpg.ssh.defaultKeyCommand…) and checked by ``git verify-tag``.

``write_signed_tag_object`` signs *without* creating the tag ref in the repository: ``git tag -s`` runs against a
throwaway bare repository that borrows the real object store (alternates), and the signed tag object is copied
back. The caller then creates the ref in its own all-or-none reference transaction, exactly as for unsigned tags.
``create_signed_tag`` does both steps for callers that make one tag at a time.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from keepwf.errors import StateError
from keepwf.store.repo import Repo

SIGNATURE_MARKERS = (b"-----BEGIN PGP SIGNATURE-----", b"-----BEGIN SSH SIGNATURE-----", b"-----BEGIN SIGNED MESSAGE-----")
_SIGNING_KEYS = ("user.", "gpg.", "author.", "committer.")


def _signing_config(repo: Repo) -> list[str]:
    """``-c key=value`` arguments carrying every signing-related setting the repository sees (local + global)."""
    cp = repo.git("config", "--get-regexp", r"^(user|gpg|author|committer)\.", check=False)
    out: list[str] = []
    for line in cp.stdout.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(" ")
        if key.startswith(_SIGNING_KEYS):
            out += ["-c", f"{key}={value}"]
    return out


def signing_setup(repo: Repo) -> tuple[bool, str]:
    """Whether git is set up to sign tags, and how (a cheap look at the config; signing itself may still fail)."""
    def conf(key: str) -> str:
        cp = repo.git("config", "--get", key, check=False)
        return cp.stdout.decode("utf-8", "replace").strip() if cp.returncode == 0 else ""

    fmt = conf("gpg.format") or "openpgp"
    key = conf("user.signingkey")
    if fmt == "ssh" and not key and not conf("gpg.ssh.defaultKeyCommand"):
        return False, "gpg.format is ssh but no user.signingkey (nor gpg.ssh.defaultKeyCommand) is set"
    return True, f"tags will be signed (git tag -s, {fmt}" + (f", key {key}" if key else ", default key") + ")"


def _sign_error(stderr: str) -> StateError:
    return StateError(
        f"could not sign the deploy tag, so no version was created: {stderr.strip() or 'git tag -s failed'}",
        hint="set up tag signing (e.g. `git config gpg.format ssh && git config user.signingkey ~/.ssh/id_ed25519`, "
        "or a GPG key in user.signingkey) and check it with `git tag -s test && git verify-tag test`",
    )


def write_signed_tag_object(repo: Repo, commit: str, short_name: str, message: str, env: dict | None = None) -> str:
    """Write a signed annotated tag object for ``commit`` named ``short_name`` (no ref is created); return its SHA.

    ``env`` may carry GIT_COMMITTER_NAME/EMAIL/DATE for the tagger line."""
    objects = (repo.common_dir / "objects").resolve()
    with tempfile.TemporaryDirectory(prefix="keepwf-sign-") as tmp:
        scratch = Path(tmp) / "scratch.git"
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k.startswith(("GIT_COMMITTER_", "GIT_AUTHOR_", "GIT_CONFIG"))}
        run_env = {**base_env, **(env or {})}

        def git(*args: str, input: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
            return subprocess.run(["git", *args], input=input, capture_output=True, env=run_env, cwd=cwd)

        cp = git("init", "-q", "--bare", str(scratch))
        if cp.returncode != 0:  # pragma: no cover
            raise StateError(f"could not prepare tag signing: {cp.stderr.decode(errors='replace').strip()}")
        (scratch / "objects" / "info").mkdir(parents=True, exist_ok=True)
        (scratch / "objects" / "info" / "alternates").write_text(str(objects) + "\n")
        cfg = _signing_config(repo)
        cp = git(f"--git-dir={scratch}", *cfg, "tag", "-s", "--cleanup=verbatim", "-F", "-", "--", short_name, commit,
                 input=message.encode("utf-8"))
        if cp.returncode != 0:
            raise _sign_error(cp.stderr.decode(errors="replace"))
        oid = git(f"--git-dir={scratch}", "rev-parse", f"refs/tags/{short_name}").stdout.decode().strip()
        data = git(f"--git-dir={scratch}", "cat-file", "tag", oid).stdout
    if not any(m in data for m in SIGNATURE_MARKERS):  # git 2.39 + ssh-keygen failure: exit 0 and no signature
        tail = data.decode("utf-8", "replace").rstrip().splitlines()[-1:]
        raise _sign_error((cp.stderr.decode(errors="replace").strip() + " " + " ".join(tail)).strip())
    written = repo.git("hash-object", "-t", "tag", "-w", "--stdin", input=data).stdout.decode().strip()
    if written != oid:  # pragma: no cover - would mean the copy was altered
        raise StateError(f"signed tag object changed while copying ({oid} != {written})")
    return oid


def tagger_env(name: str, email: str, timestamp: int, offset_minutes: int) -> dict:
    """The environment that makes ``git tag`` record this tagger and date."""
    sign = "+" if offset_minutes >= 0 else "-"
    h, m = divmod(abs(offset_minutes), 60)
    return {"GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": f"{timestamp} {sign}{h:02d}{m:02d}"}


def strip_signature(message: str) -> str:
    """A tag message without the signature block git appends to a signed tag."""
    for marker in SIGNATURE_MARKERS:
        i = message.find(marker.decode())
        if i >= 0:
            return message[:i]
    return message


def create_signed_tag(repo: Repo, short_name: str, commit: str, message: str, env: dict | None = None) -> str:
    """``git tag -s`` for one tag: write the signed object, then create ``refs/tags/<short_name>`` only if it does not
    exist yet (compare-and-swap). Returns the tag object's SHA."""
    from keepwf.store.reftx import writer_lock

    oid = write_signed_tag_object(repo, commit, short_name, message, env)
    with writer_lock(repo, [f"refs/tags/{short_name}"]):  # a killed git's lock on the name is cleared first
        cp = repo.git("update-ref", "-m", "keepwf: signed deploy tag", f"refs/tags/{short_name}", oid, "", check=False)
    if cp.returncode != 0:
        raise StateError(
            f"{short_name} already exists; nothing was tagged",
            hint="another deploy made this version first: check `keepwf history` and run your command again",
        )
    return oid


@dataclass(frozen=True)
class TagSignature:
    tag: str  # short name, keepwf/<env>/<wf>/vN
    status: str  # good | bad | unsigned
    detail: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def is_signed(repo: Repo, ref: str) -> bool:
    cp = repo.git("cat-file", "tag", ref, check=False)
    return cp.returncode == 0 and any(m in cp.stdout for m in SIGNATURE_MARKERS)


def verify_tag(repo: Repo, short_name: str, ref: str | None = None) -> TagSignature:
    """``git verify-tag``: good (with who signed), bad (why), or unsigned. ``ref``: where the tag object is, when not
    at ``refs/tags/<short_name>`` (an archived version, or a tag object's SHA)."""
    ref = ref or f"refs/tags/{short_name}"
    if not is_signed(repo, ref):
        return TagSignature(short_name, "unsigned", "no signature in the tag")
    cp = repo.git("verify-tag", "--", ref, check=False)
    text = cp.stderr.decode("utf-8", "replace").strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if cp.returncode == 0:
        good = next((ln for ln in lines if "Good" in ln), lines[-1] if lines else "good signature")
        return TagSignature(short_name, "good", good.replace("gpg: ", ""))
    return TagSignature(short_name, "bad", "; ".join(ln.replace("gpg: ", "") for ln in lines[-3:]) or "verification failed")
