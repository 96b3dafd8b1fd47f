"""Values substituted into a ``bash`` command (keepwf decision 3, issue 10 item 1): data is never shell code.

Rendering puts a slot marker where each ``{{ value }}`` goes (``ShellSlots.hold``, the mustache escape hook); once
the whole command is rendered, ``ShellSlots.fill`` scans it (``keepwf.workflow.shellscan``) and fills every slot for
the context it landed in:

- ``shell: true`` (``/bin/sh -c``): the value is handed over in an environment variable ``KEEPWF_VALUE_N`` and the
  command refers to it — ``"${KEEPWF_VALUE_N}"`` unquoted, ``${KEEPWF_VALUE_N}`` inside ``"…"`` and unquoted
  heredocs, ``'"${…}"'`` inside ``'…'`` — so the shell expands it once and never parses it, whatever the quoting,
  ``$( )``, backticks or heredocs around it. In a quoted heredoc the value is inserted as text (never evaluated).
- ``shell: false`` (``shlex.split``, no shell): quoted for the ``shlex`` context (``'…'``, ``"…"``, unquoted).
- Arithmetic (``$(( ))``, ``(( ))``, ``let``, ``[[ … -eq … ]]``, subscripts): only an integer is accepted, and in a
  command that evaluates arithmetic (or uses a value as a name: ``${!x}``, ``read``, ``unset``…) anywhere no value
  may hold ``[`` (bash runs ``$( )`` inside subscripts); with ``shell: true`` no value may hold ``[`` with ``$``/`` ` ``.
- Refused, the step failing before anything runs: a value as the command name, inside code (``eval``, ``sh -c``,
  ``python -c``, awk/sed programs, ``ssh`` remote commands, heredoc scripts), a value starting with ``-`` at the
  start of an argument (an option) unless ``--`` came first, a value as a variable name (``read``, ``unset``,
  ``declare``, ``printf -v``, ``test -v``), a value holding a quoted heredoc's end line, a NUL character, and
  ``keep.*`` calls around a value.

``{{{ x }}}`` / ``{{& x }}`` stay raw (the author's explicit choice).
"""

from __future__ import annotations

import re
import shlex

from keepwf.engine.mustache import MARK
from keepwf.workflow.shellscan import SLOT_CLOSE, SLOT_OPEN, SLOT_RE, Slot, keep_call_problem, scan

ENV_PREFIX = "KEEPWF_VALUE_"
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_NUMBER = re.compile(r"^-[0-9][0-9.]*$")


class ShellRefused(Exception):
    """A value cannot be put where the command puts it; the message says why (the step's error)."""


class ShellSlots:
    def __init__(self, shell: bool):
        self.shell = shell
        self.values: list[str] = []

    def hold(self, value: str, out: list, trusted: bool = False) -> str:
        """The mustache escape hook: a slot marker now, the value at ``fill`` time."""
        if trusted and "{{" in value:  # consts/vars holding templates are rendered again (Keep's recursion)
            return value
        self.values.append(value.replace(MARK, ""))
        return f"{SLOT_OPEN}{len(self.values) - 1}{SLOT_CLOSE}"

    def fill(self, command: str, template: str | None = None) -> tuple[str, dict[str, str]]:
        """(the command to run, the environment variables holding the values) — or ``ShellRefused``."""
        if SLOT_OPEN not in command:
            return command, {}
        problem = keep_call_problem(template or "")
        found = [int(m.group(1)) for m in SLOT_RE.finditer(command)]
        if problem is None and (command.count(SLOT_OPEN) != len(found) or command.count(SLOT_CLOSE) != len(found)):
            problem = "the command holds the private-use characters U+E001/U+E002 that keepwf uses as value markers"
        if problem is None and sorted(found) != list(range(len(self.values))):
            problem = "a keep.* call changed a value substituted into the bash command; compute it in vars: first"
        if problem:
            raise ShellRefused(problem)
        result = scan(command, self.shell)
        if result.unclosed:
            raise ShellRefused(f"keepwf cannot follow the shell syntax of this command ({result.unclosed}), so it "
                               "cannot place values in it safely")
        env: dict[str, str] = {}

        def one(m: re.Match) -> str:
            n = int(m.group(1))
            slot = result.slots.get(n) or Slot(n)
            return self._emit(slot, self.values[n], result.arithmetic, command, m.start(), env)

        return SLOT_RE.sub(one, command), env

    def _emit(self, slot: Slot, value: str, arithmetic: bool, command: str, at: int, env: dict[str, str]) -> str:
        def refuse(why: str) -> ShellRefused:
            return ShellRefused(f"the value {_short(value)} at {_near(command, at)}: {why}")

        if "\x00" in value:
            raise refuse("it holds a NUL character")
        if slot.refusal:
            raise refuse(slot.refusal)
        if slot.integer_only:
            if not _INTEGER.match(value.strip()):
                raise refuse("arithmetic takes only an integer here (bash would run $(…) inside a[…] as code)")
            return value.strip()
        if arithmetic and "[" in value:
            raise refuse("this command evaluates arithmetic, where bash runs $(…) inside a[…] subscripts, so values "
                         "holding '[' are refused")
        if self.shell and "[" in value and ("$" in value or "`" in value):  # whatever the scanner saw: a[$(cmd)]
            raise refuse("values holding both '[' and '$' or '`' are refused in shell: true commands (bash runs "
                         "$(…) inside a[…] subscripts wherever a value is used as a name or a number)")
        if slot.word_start and value.startswith("-") and not slot.options_ended and not _NUMBER.match(value):
            raise refuse("it would be read as an option; put `--` before it, or text before it in the same word")
        if slot.delimiter is not None and slot.context == "heredoc-quoted":  # unquoted: the value is not in the text
            lines = value.split("\n")
            if any((ln.lstrip("\t") if slot.strip_tabs else ln) == slot.delimiter for ln in lines):
                raise refuse(f"it holds the heredoc's end line {slot.delimiter!r}")
        if not self.shell:
            if slot.context == "sq":
                return value.replace("'", "'\"'\"'")
            if slot.context == "dq":
                return "".join("\\" + c if c in '\\"' else c for c in value)
            return shlex.quote(value)
        if slot.context == "heredoc-quoted":
            return value
        name = f"{ENV_PREFIX}{slot.index}"
        env[name] = value
        ref = "${" + name + "}"
        return {"dq": ref, "heredoc": ref, "param-dq": ref, "sq": f"'\"{ref}\"'",
                "ansi": f"'\"{ref}\"$'"}.get(slot.context, f'"{ref}"')


def _short(value: str, n: int = 40) -> str:
    return repr(value if len(value) <= n else value[: n - 1] + "…")


def _near(command: str, at: int) -> str:
    """A few characters of the command around a slot, other slots shown as ``{{…}}``."""
    left = SLOT_RE.sub("{{…}}", command[max(0, at - 40) : at])
    right = command[at:]
    right = SLOT_RE.sub("{{…}}", right[: right.find(SLOT_CLOSE) + 1 + 30])
    return repr((left + right).strip()[:100])
