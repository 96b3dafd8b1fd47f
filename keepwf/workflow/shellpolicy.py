"""What runs its arguments as code — the command-word policy of the shell scanner (``shellscan``) and validate."""

from __future__ import annotations

import re

SLOT_OPEN, SLOT_CLOSE = "\ue001", "\ue002"
SLOT_RE = re.compile("\ue001(\\d+)\ue002")
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
_SUBSCRIPT_OPEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\[[^\]]*$")
RESERVED_PREFIX = {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "time", "fi", "done", "}", "esac"}
LIST_KEYWORDS = {"for", "select", "case", "function"}
WRAPPERS = {"sudo", "doas", "env", "nohup", "nice", "ionice", "timeout", "stdbuf", "setsid", "command", "builtin",
            "exec", "xargs", "chroot", "strace", "ltrace", "unbuffer", "flock", "chrt", "taskset", "watch", "busybox"}
EVAL_BUILTINS = {"eval", "trap", "source", ".", "alias", "fc", "mapfile", "readarray", "complete", "bind", "enable"}
ARITH_BUILTINS = {"let"}
DECLARERS = {"declare", "typeset", "local", "export", "readonly"}
SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "yash", "pwsh", "rbash"}
INTERPRETERS = {"python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php", "lua", "Rscript", "tclsh",
                "osascript", "deno", "bun", "jshell", "groovy", "psql", "mysql", "sqlite3", "redis-cli"}
PROGRAM_TOOLS = {"awk", "gawk", "mawk", "nawk", "sed", "gsed", "jq", "yq"}
ARITH_OPS = {"-eq", "-ne", "-lt", "-le", "-gt", "-ge"}



def _plain(word: str) -> str:
    return SLOT_RE.sub("", word).replace("'", "").replace('"', "").replace("\\", "")


def _base(word: str) -> str:
    return _plain(word).rsplit("/", 1)[-1]



def code_argument(cmd: str, args: list[str]) -> str | None:
    """Why a value among ``cmd``'s arguments would be run as code (the value's argument is the next one)."""
    prev = args[-1] if args else ""
    if cmd in EVAL_BUILTINS:
        return f"`{cmd}` runs its arguments as shell code"
    if cmd in SHELLS and re.match(r"^-[A-Za-z]*c[A-Za-z]*$", prev):
        return f"the script of `{cmd} {prev}` is shell code (write the commands directly with shell: true)"
    if cmd in SHELLS and re.match(r"^-[A-Za-z]*[si][A-Za-z]*$", prev or "-"):
        return None
    if (cmd in SHELLS or cmd.startswith("python") or cmd in INTERPRETERS) and not [a for a in args if not a.startswith("-")] \
            and not re.match(r"^-[A-Za-z]*[ceErs]$", prev):
        return f"the first argument of `{cmd}` is the script it runs"
    if cmd.startswith("python") or cmd in INTERPRETERS:
        if re.match(r"^-[A-Za-z]*[ceEr]$", prev) or prev in ("--eval", "--command", "--execute", "--print"):
            return f"the argument of `{cmd} {prev}` is program code"
        return None
    if cmd in PROGRAM_TOOLS:
        if prev in ("-e", "--expression", "--eval", "-c") or prev.startswith("--expression="):
            return f"the argument of `{cmd} {prev}` is a {cmd} program"
        takes_value = {"-F", "-v", "-f", "-i", "-n", "-s", "-l", "--arg", "--argjson"}
        if prev in takes_value:  # the value of an option (awk -v x=…, jq --arg n …): data, not program
            return None
        positional = [a for j, a in enumerate(args) if not a.startswith("-") and (j == 0 or args[j - 1] not in takes_value)]
        if not positional and not any(a in ("-f", "-e", "--expression", "--from-file") for a in args):
            return f"the first argument of `{cmd}` is its program (pass data with `{cmd} -v name=…`/`--arg`)" \
                if cmd not in ("sed", "gsed") else "the first argument of `sed` is its script"
        return None
    if cmd in ("ssh",):
        opts_with_value = {"-p", "-i", "-o", "-l", "-F", "-J", "-b", "-c", "-D", "-E", "-L", "-R", "-W", "-w", "-m",
                           "-O", "-Q", "-S", "-B", "-e", "-I"}
        positional = [a for j, a in enumerate(args) if not a.startswith("-") and (j == 0 or args[j - 1] not in opts_with_value)]
        if positional:
            return "ssh runs its remote command through the remote shell"
        return None
    if cmd in ("su", "runuser") and prev in ("-c", "--command"):
        return f"`{cmd} -c` runs its argument as shell code"
    if cmd in ("kubectl", "docker", "podman") and "exec" in args and any(_base(a) in SHELLS for a in args) \
            and re.match(r"^-[A-Za-z]*c[A-Za-z]*$", prev):
        return f"the script of `{cmd} exec … {args[-2] if len(args) > 1 else 'sh'} -c` is shell code"
    return None



NAME_BUILTINS = {"declare", "typeset", "local", "export", "readonly", "read", "unset", "getopts"}


def name_argument(cmd: str, args: list[str], word_start: bool) -> str | None:
    """Why a value would be a *variable name* (bash evaluates ``a[$(cmd)]`` subscripts in names)."""
    prev = args[-1] if args else ""
    if (cmd in NAME_BUILTINS and word_start) or (cmd == "printf" and prev == "-v") or \
            (cmd in ("[[", "test", "[") and prev in ("-v", "-R")):
        return f"the value would be a variable name for `{cmd}` (bash runs $(…) inside a[…] subscripts of names)"
    return None


def keep_call_problem(template: str) -> str | None:
    """``keep.f(… {{ x }} …)`` in a bash command: the function would see a slot, not the value."""
    from keepwf.workflow.templates import KEEP_CALL_RE

    for m in KEEP_CALL_RE.finditer(template or ""):
        depth, j = 0, m.end() - 1
        while j < len(template):
            depth += {"(": 1, ")": -1}.get(template[j], 0)
            if depth == 0:
                break
            j += 1
        if "{{" in template[m.end() : j]:
            return (f"keep.{m.group(1)}(…) around a value in a bash command: the value is passed to the shell "
                    "as data, so compute it first (in vars:) and use {{ vars.NAME }}")
    return None


_TAG = re.compile(r"\{\{\{\s*(.*?)\s*\}\}\}|\{\{\s*([#^/!&>=]?)\s*(.*?)\s*\}\}", re.S)

