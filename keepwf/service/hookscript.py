"""The text of keepwf's git hook scripts.

Each script is POSIX sh. It first runs the hook it replaced (``<hook>.legacy``, moved aside at install), respecting
its exit code, then does the cheap filtering in shell (a commit touching no workflow never starts Python), and only
then runs ``keepwf.hookentry`` with the Python that installed it (baked in), falling back to ``keepwf`` on PATH.
The marker line carries a version so ``keepwf hooks install`` upgrades only its own scripts.
"""

from __future__ import annotations

import shlex

MARKER = "# keepwf-hook-version:"
VERSION = 2

# Hooks installed in a repository with a working tree, and in a bare (server-side) repository.
WORKTREE_HOOKS = ("pre-commit", "pre-merge-commit", "pre-push", "post-checkout", "post-merge")
BARE_HOOKS = ("pre-push", "pre-receive")
ALL_HOOKS = tuple(dict.fromkeys(WORKTREE_HOOKS + BARE_HOOKS))

# Hooks that read stdin (it is copied so both the legacy hook and keepwf see it).
_STDIN_HOOKS = {"pre-push", "pre-receive"}
# Hooks whose failure blocks the git operation: a failing legacy hook stops right there.
_BLOCKING = {"pre-commit", "pre-merge-commit", "pre-push", "pre-receive"}

_WORKFLOW_PATHSPECS = "':(icase)*.yml' ':(icase)*.yaml' 'keepwf.toml'"

# The cheap decision made in shell before starting Python, per hook ("exit $status" = nothing for keepwf to do).
_FILTERS = {
    "pre-commit": f"""\
# Nothing staged that keepwf validates (workflow files, keepwf.toml)? Then do not start Python at all.
if git diff --cached --quiet --diff-filter=ACMR -- {_WORKFLOW_PATHSPECS} 2>/dev/null; then exit $status; fi
""",
    "pre-merge-commit": f"""\
if git diff --cached --quiet --diff-filter=ACMR -- {_WORKFLOW_PATHSPECS} 2>/dev/null; then exit $status; fi
""",
    "pre-push": """\
[ -n "$stdin_copy" ] || exit $status
""",
    "pre-receive": """\
case "$stdin_copy" in *refs/tags/keepwf/*|*refs/keepwf/archive/*|*refs/keepwf/audit*) ;; *) exit $status ;; esac
""",
    "post-checkout": """\
# Only branch checkouts, and only when something was ever deployed.
[ "$3" = "1" ] || exit $status
[ -n "$(git for-each-ref --count=1 --format=x refs/tags/keepwf/ 2>/dev/null)" ] || exit $status
""",
    "post-merge": """\
[ -n "$(git for-each-ref --count=1 --format=x refs/tags/keepwf/ 2>/dev/null)" ] || exit $status
""",
}

_RUNNER = """\
keepwf_hook() {
  if [ -x "$KEEPWF_PYTHON" ]; then
    "$KEEPWF_PYTHON" -P -c 'import sys
try:
    from keepwf.hookentry import main
except ImportError as e:
    sys.exit("keepwf %s hook: keepwf cannot be imported by %s (%s)\\nhint: reinstall keepwf and run `keepwf hooks install`, or remove the hooks with `keepwf hooks uninstall`" % (sys.argv[1], sys.executable, e))
sys.exit(main(sys.argv[1:]))' "$@"
  elif command -v keepwf >/dev/null 2>&1; then
    keepwf hook-run "$@"
  else
    echo "keepwf $HOOK hook: cannot run keepwf: $KEEPWF_PYTHON is gone and no keepwf is on PATH" >&2
    echo "hint: reinstall keepwf and run \\`keepwf hooks install\\`, or remove the hooks with \\`keepwf hooks uninstall\\`" >&2
    return 1
  fi
}
"""


def render_script(hook: str, python: str) -> str:
    """The full text of keepwf's ``hook`` script, running keepwf with ``python``."""
    if hook not in _FILTERS:
        raise ValueError(f"unknown hook {hook!r}")
    stdin = hook in _STDIN_HOOKS
    parts = [
        "#!/bin/sh\n",
        f"{MARKER} {VERSION}\n",
        f"# Installed by `keepwf hooks install` ({hook}); `keepwf hooks uninstall` removes it and puts back\n",
        f"# {hook}.legacy if there was one. Skip it once with --no-verify.\n",
        f"HOOK={hook}\n",
        f"KEEPWF_PYTHON={shlex.quote(python)}\n",
        'legacy="${0%/*}/$HOOK.legacy"\n',
        "status=0\n",
    ]
    if stdin:
        parts.append("stdin_copy=$(cat; echo x); stdin_copy=${stdin_copy%x}\n")
    if hook in _BLOCKING:
        if stdin:
            parts.append('if [ -x "$legacy" ]; then printf \'%s\' "$stdin_copy" | "$legacy" "$@" || exit $?; fi\n')
        else:
            parts.append('if [ -x "$legacy" ]; then "$legacy" "$@" || exit $?; fi\n')
    else:
        parts.append('if [ -x "$legacy" ]; then "$legacy" "$@"; status=$?; fi\n')
    parts.append(_FILTERS[hook])
    parts.append(_RUNNER)
    if stdin:
        parts.append('printf \'%s\' "$stdin_copy" | keepwf_hook "$HOOK" "$@" || exit $?\n')
    else:
        parts.append('keepwf_hook "$HOOK" "$@" || exit $?\n')
    parts.append("exit $status\n")
    return "".join(parts)


def marker_version(text: str | None) -> int | None:
    """The keepwf hook version recorded in a script's text, None when the script is not keepwf's."""
    if not text:
        return None
    for line in text.splitlines()[:5]:
        if line.startswith(MARKER):
            try:
                return int(line[len(MARKER):].strip())
            except ValueError:
                return 0
    return None


def baked_python(text: str | None) -> str | None:
    """The Python path a keepwf hook script runs (the ``KEEPWF_PYTHON=`` line), None if absent."""
    for line in (text or "").splitlines()[:12]:
        if line.startswith("KEEPWF_PYTHON="):
            try:
                parts = shlex.split(line[len("KEEPWF_PYTHON="):])
            except ValueError:
                return None
            return parts[0] if parts else None
    return None
