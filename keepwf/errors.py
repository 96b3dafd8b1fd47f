"""The one error family of keepwf.

Every error a user can cause is a ``KeepwfError`` carrying a message (what failed and why), a hint (the exact
command or change that helps) and the documented exit code. The CLI's error boundary turns it into two lines on
stderr; nothing else prints a traceback (``--debug`` does).
"""

from __future__ import annotations

# Exit codes (docs/reference.md, "Exit codes").
EXIT_OK = 0
EXIT_FAILED = 1  # the thing checked or run failed: invalid workflow, failed run, diff found
EXIT_USAGE = 2  # bad usage: unknown workflow, bad REF, bad flag
EXIT_STATE = 3  # repository state refuses: dirty tree, branch not allowed, tag exists, concurrent deploy
EXIT_INTERNAL = 4  # a bug
EXIT_INTERRUPTED = 130


class KeepwfError(Exception):
    exit_code = EXIT_INTERNAL

    def __init__(self, message: str, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def to_dict(self) -> dict:
        return {"error": self.message, "hint": self.hint, "exit_code": self.exit_code}


class CheckFailed(KeepwfError):
    """The thing checked or run failed (exit 1)."""

    exit_code = EXIT_FAILED


class UsageError(KeepwfError):
    """The user asked for something that does not exist or is malformed (exit 2)."""

    exit_code = EXIT_USAGE


class StateError(KeepwfError):
    """The repository's state refuses the operation (exit 3)."""

    exit_code = EXIT_STATE


class InternalError(KeepwfError):
    """A bug in keepwf (exit 4)."""

    exit_code = EXIT_INTERNAL


# What the system says when the disk under .git cannot take a write, and what helps. Checked by errno (OSError) and
# by text (libgit2's and git's messages carry strerror's words).
_STORAGE = {
    28: ("No space left on device", "the disk is full", "free space on that disk (df -h shows it), then retry"),
    122: ("Disk quota exceeded", "the disk quota is used up", "free space within your quota, then retry"),
    30: ("Read-only file system", "the file system is read-only",
         "run keepwf where the repository can be written (a writable clone or mount)"),
    13: ("Permission denied", "no permission to write there", "run keepwf as a user who may write the repository"),
}


def storage_error(exc: BaseException, doing: str = "write to the repository") -> "StateError | None":
    """A clear StateError (exit 3) for a write refused by the disk — full, over quota, read-only, not permitted — or
    None for any other exception. Nothing was recorded by the failed write itself; the message says so where it can."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    for errno, (words, what, hint) in _STORAGE.items():
        if code == errno or words in text:
            where = getattr(exc, "filename", None)
            return StateError(f"cannot {doing}: {what}" + (f" ({where})" if where else "") + f": {words}", hint=hint)
    return None
