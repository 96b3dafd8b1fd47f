"""The keepwf application object and its error boundary.

``main`` is the console-script entry point. It hoists the git-like global options (-C PATH, --debug) wherever
they stand, runs the typer app without its own exception handling, and maps every outcome to a documented exit code:
a ``KeepwfError`` prints its message and hint; anything else is a bug (exit 4, traceback only with --debug).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from keepwf import __version__
from keepwf.cli.common import state

app = typer.Typer(
    name="keepwf",
    help=(
        "Run Keep alert-response workflows as code.\n\n"
        "Workflows live as YAML files in git; every deploy is a tagged commit (the commit SHA is the version hash); "
        "`keepwf run` executes the deployed version straight from git objects and appends the run to git notes."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: rich's help renderer (and markdown-it) cost ~80 ms on every `--help` (bench_validate.py).
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"keepwf {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    chdir: Annotated[
        Optional[list[Path]],
        typer.Option("-C", metavar="PATH", help="Run as if keepwf was started in PATH (like git -C).", show_default=False),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show the Python traceback of any error.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    state.chdirs = list(chdir or [])
    state.debug = debug


# Command modules register themselves on `app` when imported. Keep this list sorted by the order of `--help`.
from keepwf.cli import commands as _commands  # noqa: E402,F401


def _reflow_help(t: typer.Typer) -> None:
    """Docstrings are wrapped at 120 columns for the source; help shows each paragraph as one line that the terminal
    wraps (otherwise an 80-column terminal shows every source line break as a ragged short line)."""
    import inspect

    for info in t.registered_commands:
        doc = info.help or (info.callback.__doc__ if info.callback else None)
        if doc:
            info.help = "\n\n".join(" ".join(p.split()) for p in inspect.cleandoc(doc).split("\n\n"))
            if not info.short_help:  # `keepwf --help` lists the whole first sentence (click would cut it at ~45 chars)
                first = info.help.split("\n\n", 1)[0]
                info.short_help = first.split(". ", 1)[0].rstrip(".")
    for group in t.registered_groups:
        doc = group.help or group.typer_instance.info.help
        if isinstance(doc, str) and not group.short_help and not group.typer_instance.info.short_help:
            group.short_help = " ".join(doc.split("\n\n", 1)[0].split()).split(". ", 1)[0].rstrip(".")
        _reflow_help(group.typer_instance)


_reflow_help(app)


def _hoist_globals(args: list[str]) -> list[str]:
    """Move -C PATH and --debug in front of the command name, so `keepwf status -C repo` works like `-C repo status`."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            rest.extend(args[i:])
            break
        if a == "-C" and i + 1 < len(args):
            front += [a, args[i + 1]]
            i += 2
            continue
        if a == "-C":  # last word: the root then says "Option '-C' requires an argument", not "No such option"
            return front + [a]
        if a == "--debug":
            front.append(a)
        else:
            rest.append(a)
        i += 1
    return front + rest


def _command_for(args: list[str]):
    """The click command for ``args``: only the named command is built (typer builds every command's parameters
    from its annotations, ~20 ms for the whole application); the whole app for --help, --version or a typo."""
    name, i = None, 0
    while i < len(args):
        if args[i] in ("-C", "--debug"):  # the hoisted globals
            i += 2 if args[i] == "-C" else 1
            continue
        if not args[i].startswith("-"):
            name = args[i]
        break
    infos = [c for c in app.registered_commands if name and (c.name or c.callback.__name__.replace("_", "-")) == name]
    groups = [g for g in app.registered_groups if name and g.name == name]
    if not infos and not groups:
        return typer.main.get_command(app)
    one = typer.Typer()
    one.info = app.info
    one.registered_callback = app.registered_callback
    one.registered_commands = infos
    one.registered_groups = groups
    return typer.main.get_command(one)


def main(argv: list[str] | None = None) -> int:
    import click

    from keepwf import errors, render

    args = _hoist_globals(list(sys.argv[1:] if argv is None else argv))
    debug = "--debug" in args
    command = _command_for(args)
    try:
        rv = command.main(args=args, prog_name="keepwf", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except click.exceptions.Exit as e:
        code = e.exit_code
    except click.exceptions.Abort:
        render.error_text("interrupted")
        code = errors.EXIT_INTERRUPTED
    except click.ClickException as e:
        e.show()
        code = errors.EXIT_USAGE if e.exit_code == 2 else e.exit_code
    except errors.KeepwfError as e:
        if debug:
            render.traceback()
        render.error(e)
        code = e.exit_code
    except KeyboardInterrupt:
        render.error_text("interrupted")
        code = errors.EXIT_INTERRUPTED
    except BrokenPipeError:
        code = 0
    except Exception as e:  # the boundary: a disk that refuses writes is the user's state; anything else is a bug
        if debug:
            render.traceback()
        storage = errors.storage_error(e)
        if storage is not None:
            render.error(storage)
            code = storage.exit_code
        else:
            render.internal_error(e)
            code = errors.EXIT_INTERNAL
    sys.stdout.flush()
    return code
