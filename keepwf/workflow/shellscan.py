"""Where each substituted value lands in a ``bash`` command (issue 10 item 1): the shell context of every slot.

A command is scanned with every ``{{ value }}`` replaced by a slot marker (``\\ue001N\\ue002``). The scanner follows
sh/bash syntax — quotes (``'…'``, ``"…"``, ``$'…'``), ``$( )``, backticks, subshells, ``${ }``, arithmetic
(``$(( ))``, ``(( ))``, ``$[ ]``, ``let``, ``declare -i``, ``[[ … -eq … ]]``, array subscripts), heredocs (quoted or
not, ``<<-``), comments, ``case`` patterns — and the words of each simple command, so that it can say, per slot:

- its *context* (``word``, ``dq``, ``sq``, ``ansi``, ``heredoc``, ``heredoc-quoted``, ``arith``);
- a *refusal* when no quoting can make a value safe there: the command name itself, the code of ``eval``/``trap``/
  ``source``, of ``sh -c``/``bash -c``, of ``python -c``/``perl -e``/…, ``awk``/``sed`` programs, ``ssh`` remote
  commands, heredocs fed to a shell or an interpreter, keep.* calls around a value;
- whether the value must be an integer (arithmetic evaluates ``a[$(cmd)]`` subscripts, so text never goes there).

``engine/shell.py`` fills the slots (through environment variables for ``shell: true``); ``keepwf validate`` reports
the refusals. Both use this one scanner, so what validate accepts is what runs.
"""

from __future__ import annotations

import re

from keepwf.workflow.shellpolicy import (_ASSIGN, ARITH_BUILTINS, EVAL_BUILTINS, INTERPRETERS, LIST_KEYWORDS,
                                         SHELLS, SLOT_CLOSE, SLOT_OPEN, SLOT_RE, _plain, code_argument,
                                         keep_call_problem, name_argument)
from keepwf.workflow.shellwords import CommandWords, Scan, Slot, _Cmd

__all__ = ["SLOT_CLOSE", "SLOT_OPEN", "SLOT_RE", "Scan", "Slot", "keep_call_problem", "scan", "template_refusals"]


class ShellScanner(CommandWords):
    def __init__(self, text: str, shell: bool = True):
        self.t = text
        self.n = len(text)
        self.i = 0
        self.shell = shell
        self.out = Scan()
        self.pending: list[list] = []  # heredocs: delimiter, quoted, strip tabs, command
        self.arith_depth: list[int] = []  # per open arithmetic: parentheses inside ($[ … ] is negative)
        self.param_ops: list[str] = []  # per open ${ … }: the operator seen (":-", "/", …) or ""

    # -- the scan --------------------------------------------------------------------------------------------
    def scan(self) -> Scan:
        stack: list = [_Cmd(None)]
        t, n = self.t, self.n
        while self.i < n:
            f = stack[-1]
            c = t[self.i]
            if c == SLOT_OPEN:
                j = t.index(SLOT_CLOSE, self.i)
                index = int(t[self.i + 1 : j])
                self._on_slot(stack, index)
                self.i = j + 1
                continue
            kind = f if isinstance(f, str) else f.kind
            if kind == "sq":
                if c == "'":
                    stack.pop()
                self._append(stack, c)
            elif kind in ("dq", "ansi"):
                self._in_quotes(stack, kind, c)
            elif kind in ("arith", "param"):
                self._in_expansion(stack, kind, c)
            else:
                self._in_cmd(stack, f, c)
            self.i += 1
        top = stack[-1]
        if len(stack) > 1 or (isinstance(top, _Cmd) and self.pending):
            self.out.unclosed = "an unclosed quote, substitution or heredoc"
        if isinstance(top, _Cmd):
            self._end_command(top)
        return self.out

    def _cmd_frame(self, stack) -> _Cmd | None:
        for f in reversed(stack):
            if isinstance(f, _Cmd):
                return f
        return None

    def _append(self, stack, c: str) -> None:
        f = self._cmd_frame(stack)
        if f is not None:
            f.cur.append(c)
            f.started = True

    def _on_slot(self, stack, index: int) -> None:
        f = stack[-1]
        kind = f if isinstance(f, str) else f.kind
        if kind in ("cmd", "list"):
            if f.comment:
                self._slot(index, "comment")
            else:
                self._word_slot(f, index)
            if isinstance(f, _Cmd):
                f.cur.append(f"{SLOT_OPEN}{index}{SLOT_CLOSE}")
            return
        if kind == "heredoc":
            delim, quoted, strip, cmd = self.heredoc
            s = self._slot(index, "heredoc-quoted" if quoted else "heredoc")
            s.delimiter, s.strip_tabs = delim, strip
            if cmd in SHELLS or cmd in INTERPRETERS or cmd.startswith("python") or cmd in EVAL_BUILTINS:
                s.refusal = f"this heredoc is the script of `{cmd}`: a value in it would be code"
            return
        ctx = kind
        if kind == "param" and "dq" in stack[:-1]:
            ctx = "param-dq"
        s = self._slot(index, ctx)
        if kind == "arith":
            s.integer_only, self.out.arithmetic = True, True
        elif kind == "param":
            op = self.param_ops[-1]
            if not op:  # name, subscript or offset position: ${x:N:M}, ${a[N]}
                s.integer_only, self.out.arithmetic = True, True
        cf = self._cmd_frame(stack)
        if cf is not None:
            s.word_start = "".join(cf.cur) in ("'", '"', "$'") and kind in ("sq", "dq", "ansi")
            cf.cur.append(f"{SLOT_OPEN}{index}{SLOT_CLOSE}")
            cf.started = True
            cf.cmd_slots.append(s)
            if kind in ("dq", "sq", "ansi") and cf.kind == "cmd" and not cf.heredoc and not cf.redirect:
                cmd, args = self._command(cf)
                s.options_ended = "--" in (_plain(a) for a in args)
                if cmd is None and not _ASSIGN.match(_plain("".join(cf.cur))) and not (
                        cf.words and _plain(cf.words[0]) in LIST_KEYWORDS) and not cf.case_pattern:
                    s.refusal = "a value cannot be (part of) the command to run"
                elif cmd is not None:
                    if cmd in ARITH_BUILTINS:
                        s.integer_only, self.out.arithmetic = True, True
                    else:
                        plain_args = [_plain(a) for a in args]
                        s.refusal = s.refusal or code_argument(cmd, plain_args) or \
                            name_argument(cmd, plain_args, s.word_start)
                if cf.dbracket is not None:
                    cf.dbracket.append(s)

    def _in_quotes(self, stack, kind: str, c: str) -> None:
        t = self.t
        if not self.shell:
            if c == "\\" and self.i + 1 < self.n and t[self.i + 1] in '"\\':
                self._append(stack, c + t[self.i + 1])
                self.i += 1
                return
            if c == '"':
                stack.pop()
            self._append(stack, c)
            return
        if c == "\\" and self.i + 1 < self.n:
            self._append(stack, c + t[self.i + 1])
            self.i += 1
            return
        if kind == "ansi":
            if c == "'":
                stack.pop()
            self._append(stack, c)
            return
        self._append(stack, c)  # before a new frame opens: the `$(`/`` ` `` belongs to the word around it
        if c == '"':
            stack.pop()
        elif c == "$" and t.startswith("$((", self.i):
            stack.append("arith")
            self.arith_depth.append(0)
            self.i += 2
        elif c == "$" and t.startswith("$(", self.i):
            stack.append(_Cmd(")"))
            self.i += 1
        elif c == "$" and t.startswith("${", self.i):
            stack.append("param")
            self.param_ops.append("")
            self.i += 1
        elif c == "$" and t.startswith("$[", self.i):
            stack.append("arith")
            self.arith_depth.append(-1000)
            self.i += 1
        elif c == "`":
            stack.append(_Cmd("`"))

    def _in_expansion(self, stack, kind: str, c: str) -> None:
        t = self.t
        self._append(stack, c)
        if kind == "arith":
            d = self.arith_depth[-1]
            if d < 0 and c == "]":  # $[ … ]
                stack.pop()
                self.arith_depth.pop()
            elif c == "(":
                self.arith_depth[-1] += 1
            elif c == ")":
                if d == 0 and t.startswith("))", self.i):
                    stack.pop()
                    self.arith_depth.pop()
                    self.i += 1
                else:
                    self.arith_depth[-1] -= 1
            elif c == "$" and t.startswith("$(", self.i) and not t.startswith("$((", self.i):
                stack.append(_Cmd(")"))
                self.i += 1
            elif c == "`":
                stack.append(_Cmd("`"))
            self.out.arithmetic = True
        else:  # ${ … }
            if c == "}":
                stack.pop()
                self.param_ops.pop()
            elif c in "-=?+#%/^,:" and not self.param_ops[-1]:
                nxt = t[self.i + 1] if self.i + 1 < self.n else ""
                if c == ":" and nxt not in "-=?+":
                    pass  # ${x:offset:length} — arithmetic
                else:
                    self.param_ops[-1] = c
            elif c == "'" and self.param_ops[-1]:
                stack.append("sq")
            elif c == '"':
                stack.append("dq")
            elif c == "$" and t.startswith("$(", self.i):
                stack.append(_Cmd(")"))
                self.i += 1
            elif c == "$" and t.startswith("${", self.i):
                stack.append("param")
                self.param_ops.append("")
                self.i += 1
            elif c == "\\":
                self.i += 1


    def _in_cmd(self, stack, f: _Cmd, c: str) -> None:
        t = self.t
        if not self.shell:  # shell: false — keepwf's own shlex-style splitter: quotes, backslash, `|` only
            if c == "\\":
                f.cur.append(t[self.i : self.i + 2])
                f.started = True
                self.i += 1
            elif c in " \t\r\n":
                self._end_word(f)
            elif c == "|":
                self._end_command(f, pipe=True)
            elif c in "'\"":
                stack.append("sq" if c == "'" else "dq")
                self._append(stack, c)
            else:
                f.cur.append(c)
                f.started = True
            return
        if f.comment:
            if c == "\n":
                f.comment = False
                self._newline(stack, f)
            return
        if c == "\\":
            if self.i + 1 < self.n and t[self.i + 1] == "\n":
                self.i += 1
                return
            f.cur.append(t[self.i : self.i + 2])
            f.started = True
            self.i += 1
            return
        if c in " \t":
            self._end_word(f)
        elif c == "\n":
            self._newline(stack, f)
        elif c == "#" and not f.started:
            self._end_word(f)
            f.comment = True
        elif c == "'":
            stack.append("sq")
            self._append(stack, c)
        elif c == '"':
            stack.append("dq")
            self._append(stack, c)
        elif c == "$" and t.startswith("$'", self.i):
            stack.append("ansi")
            self._append(stack, "$'")
            self.i += 1
        elif c == "$" and t.startswith("$((", self.i):
            stack.append("arith")
            self.arith_depth.append(0)
            self._append(stack, "$((")
            self.i += 2
        elif c == "$" and t.startswith("$(", self.i):
            self._append(stack, "$(")
            stack.append(_Cmd(")"))
            self.i += 1
        elif c == "$" and t.startswith("${", self.i):
            self._append(stack, "${")
            stack.append("param")
            self.param_ops.append("")
            self.i += 1
            if t.startswith("${!", self.i - 1):  # indirection: a value used as a name
                self.out.arithmetic = True
        elif c == "$" and t.startswith("$[", self.i):
            self._append(stack, "$[")
            stack.append("arith")
            self.arith_depth.append(-1000)
            self.i += 1
        elif c == "`":
            if f.closer == "`":
                self._end_command(f)
                stack.pop()
                self._append(stack, c)
            else:
                self._append(stack, c)
                stack.append(_Cmd("`"))
        elif c == "(":
            if t.startswith("((", self.i) and not f.started:  # (( … )), also `for ((` and `while ((`
                stack.append("arith")
                self.arith_depth.append(0)
                self.out.arithmetic = True
                self.i += 1
            elif f.case_pattern and not f.started and not f.words:
                pass  # optional ( before a case pattern
            elif f.started and _ASSIGN.match(_plain("".join(f.cur))):
                f.cur.append(c)
                stack.append(_Cmd(")", "list"))
            else:
                self._end_word(f)
                stack.append(_Cmd(")"))
        elif c == ")":
            if f.case_pattern:
                self._end_word(f)
                f.case_pattern = False
                f.words.clear()
            elif f.closer == ")":
                self._end_command(f)
                stack.pop()
                self._append(stack, c)
            else:
                self._end_word(f)
        elif c in ";&|":
            pipe = c == "|" and not t.startswith("||", self.i) and (self.i == 0 or t[self.i - 1] != "|")
            self._end_command(f, pipe=pipe)
            if c == ";" and t.startswith(";;", self.i) and f.case:
                f.case_pattern = True
                self.i += 1
                if self.i + 1 < self.n and t[self.i + 1] in "&":
                    self.i += 1
        elif c in "<>":
            self._end_word(f)
            if t.startswith("<<<", self.i):
                f.redirect = True
                self.i += 2
            elif t.startswith("<<-", self.i):
                f.heredoc = "<<-"
                self.i += 2
            elif t.startswith("<<", self.i):
                f.heredoc = "<<"
                self.i += 1
            elif t.startswith("<(", self.i) or t.startswith(">(", self.i):
                stack.append(_Cmd(")"))
                self.i += 1
            else:
                while self.i + 1 < self.n and t[self.i + 1] in "<>&|":
                    self.i += 1
                f.redirect = True
        else:
            f.cur.append(c)
            f.started = True

    def _newline(self, stack, f: _Cmd) -> None:
        self._end_command(f)
        while self.pending:
            entry = self.pending.pop(0)
            self.heredoc = entry
            self._heredoc_body(stack, entry[0], entry[1], entry[2])

    def _heredoc_body(self, stack, delim: str, quoted: bool, strip: bool) -> None:
        """Consume the body lines up to the delimiter line; slots inside are heredoc slots."""
        t = self.t
        stack.append("heredoc")
        while self.i + 1 < self.n:
            start = self.i + 1
            end = t.find("\n", start)
            end = self.n if end < 0 else end
            line = t[start:end]
            if (line.lstrip("\t") if strip else line) == delim:
                self.i = end
                break
            for m in SLOT_RE.finditer(line):
                self._on_slot(stack, int(m.group(1)))
            self.i = end
        else:
            stack.pop()
            self.out.unclosed = f"the heredoc ending with {delim!r} is not closed"
            return
        stack.pop()


def scan(text: str, shell: bool = True) -> Scan:
    return ShellScanner(text, shell).scan()


_TAG = re.compile(r"\{\{\{\s*(.*?)\s*\}\}\}|\{\{\s*([#^/!&>=]?)\s*(.*?)\s*\}\}", re.S)


def template_refusals(template: str, shell: bool) -> list[str]:
    """What ``keepwf validate`` reports for a bash ``command``: the places where no value could ever be put safely
    (they do not depend on the values; integer-only places and option-like values are checked at run time)."""
    problem = keep_call_problem(template)
    if problem:
        return [problem]
    names: list[str] = []

    def tag(m: re.Match) -> str:
        if m.group(1) is not None or m.group(2) == "&":  # raw: the author's text
            return "raw"
        if m.group(2):
            return ""
        names.append(m.group(3))
        return f"{SLOT_OPEN}{len(names) - 1}{SLOT_CLOSE}"

    text = _TAG.sub(tag, template)
    if not names:
        return []
    result = scan(text, shell)
    out = [f"{{{{ {names[s.index]} }}}}: {s.refusal}" for s in sorted(result.slots.values(), key=lambda s: s.index)
           if s.refusal]
    if result.unclosed and not out:
        out.append(f"keepwf cannot follow the shell syntax of this command ({result.unclosed}), so it cannot place "
                   "values in it safely")
    return out
