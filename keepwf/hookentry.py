"""The entry point of keepwf's git hook scripts: ``python -c 'from keepwf.hookentry import main' HOOK ARGS``.

Deliberately outside typer (and rich, pygit2): a hook runs on every commit and its startup is the cost. The hidden
``keepwf hook-run`` command reaches the same function when only a ``keepwf`` on PATH is available.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    from keepwf.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, KeepwfError
    from keepwf.render import hooks as out

    args = list(sys.argv[1:] if argv is None else argv)
    hook = args[0] if args else "?"
    try:
        from keepwf.service.hookrun import run_hook

        outcome = run_hook(hook, args[1:], sys.stdin.read)
        out.hook_outcome(outcome)
        return outcome.code
    except KeepwfError as e:
        out.hook_error(hook, e)
        return e.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as e:  # a bug: say so; a post-* hook must not turn it into a failed checkout
        if os.environ.get("KEEPWF_DEBUG"):
            import traceback

            traceback.print_exc()
        out.hook_internal(hook, e)
        return 0 if hook.startswith("post-") else EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
