"""The words of each simple command, for the shell scanner (``shellscan``): which command a slot belongs to,
assignments, heredoc delimiters, ``[[ ]]``, ``case`` patterns, pipelines that feed a shell."""

from __future__ import annotations

from dataclasses import dataclass, field

from keepwf.workflow.shellpolicy import (_ASSIGN, _SUBSCRIPT_OPEN, ARITH_BUILTINS, ARITH_OPS, DECLARERS, INTERPRETERS,
                                         LIST_KEYWORDS, RESERVED_PREFIX, SHELLS, WRAPPERS, _base, _plain,
                                         code_argument, name_argument)


@dataclass
class Slot:
    index: int
    context: str = "word"
    refusal: str | None = None
    integer_only: bool = False
    word_start: bool = False  # the value begins a word (an argument that could be read as an option)
    options_ended: bool = False  # a `--` came earlier in the same command
    delimiter: str | None = None  # heredoc bodies: the line that would end the heredoc
    strip_tabs: bool = False


@dataclass
class Scan:
    slots: dict[int, Slot] = field(default_factory=dict)
    arithmetic: bool = False  # the command evaluates arithmetic somewhere (values flowing there could be code)
    unclosed: str | None = None



class _Cmd:
    """A command list: top level, ``$( )``, subshell ``( )``, backticks, ``<( )``, or an array ``( … )`` (list)."""

    def __init__(self, closer: str | None, kind: str = "cmd"):
        self.closer = closer
        self.kind = kind
        self.parens = 0
        self.reset()
        self.case = 0  # inside case … esac: words `)` end patterns
        self.case_pattern = False
        self.comment = False  # inside a # comment (to the end of the line)
        self.pipe_slots: list[Slot] = []  # slots of the earlier commands of the current pipeline
        self.pipe_heredocs: list[list] = []

    def reset(self) -> None:
        self.words: list[str] = []
        self.cur: list[str] = []
        self.cur_slots: list[Slot] = []
        self.started = False
        self.redirect = False
        self.heredoc = ""  # "<<" / "<<-" when the next word is a heredoc delimiter
        self.dbracket: list[Slot] | None = None
        self.dbracket_arith = False
        self.cmd_slots: list[Slot] = []
        self.cmd_heredocs: list[list] = []


class CommandWords:
    """Bookkeeping of the words of the simple command being scanned (mixed into ``ShellScanner``)."""

    out: Scan
    pending: list[list]

    # -- words of the current simple command ----------------------------------------------------------------
    def _command(self, f: _Cmd) -> tuple[str | None, list[str]]:
        """(effective command name, its arguments so far) — wrappers and assignments skipped."""
        words = list(f.words)
        if f.kind == "list":
            return "", words
        while words and (_ASSIGN.match(_plain(words[0])) or _plain(words[0]) in RESERVED_PREFIX):
            words.pop(0)
        while words and _base(words[0]) in WRAPPERS:
            words.pop(0)
            while words and (_plain(words[0]).startswith("-") or _plain(words[0]).replace(".", "").isdigit()
                             or _ASSIGN.match(_plain(words[0]))):
                words.pop(0)
        if not words:
            return None, []
        return _base(words[0]), words[1:]

    def _end_word(self, f: _Cmd) -> None:
        if not f.started:
            return
        word = "".join(f.cur)
        plain = _plain(word)
        if f.heredoc:
            quoted = any(c in word for c in "'\"\\")
            cmd, _ = self._command(f)
            entry = [plain, quoted, f.heredoc == "<<-", cmd or ""]
            self.pending.append(entry)
            f.cmd_heredocs.append(entry)
            f.heredoc = ""
        elif f.redirect:
            f.redirect = False
        else:
            first = not f.words
            f.words.append(word)
            if f.dbracket is not None:
                if plain == "]]":
                    if f.dbracket_arith:
                        for s in f.dbracket:
                            s.integer_only = True
                        self.out.arithmetic = True
                    f.dbracket = None
                elif plain in ARITH_OPS:
                    f.dbracket_arith = True
            elif first and plain == "[[":
                f.dbracket, f.dbracket_arith = [], False
            if plain in RESERVED_PREFIX and len(f.words) == 1:
                f.words.clear()
            if plain == "case" and len(f.words) == 1:
                f.case += 1
            elif plain == "in" and f.case and not f.case_pattern and len(f.words) >= 3 and _plain(f.words[-3]) == "case":
                f.case_pattern = True
                f.words.clear()
            elif plain == "esac" and f.case:
                f.case -= 1
                f.case_pattern = False
            cmd, args = self._command(f)
            if cmd in ARITH_BUILTINS or (cmd in DECLARERS and any(_plain(a).startswith("-") and "i" in _plain(a)
                                                                  for a in args)):
                self.out.arithmetic = True
        f.cur, f.cur_slots, f.started = [], [], False

    def _end_command(self, f: _Cmd, pipe: bool = False) -> None:
        self._end_word(f)
        cmd, args = self._command(f)
        if cmd and (cmd in SHELLS or cmd in INTERPRETERS or cmd.startswith("python")) and \
                not [a for a in args if not _plain(a).startswith("-")]:  # reads its program from stdin
            why = f"this pipeline feeds `{cmd}`, which runs its input as code"
            for s in f.pipe_slots:
                s.refusal = s.refusal or why
            for h in f.pipe_heredocs:
                h[3] = cmd
        if pipe:
            f.pipe_slots += f.cmd_slots
            f.pipe_heredocs += f.cmd_heredocs
        else:
            f.pipe_slots, f.pipe_heredocs = [], []
        case, pattern = f.case, f.case_pattern
        f.reset()
        f.case, f.case_pattern = case, pattern

    # -- slots -----------------------------------------------------------------------------------------------
    def _slot(self, index: int, context: str) -> Slot:
        s = Slot(index, context)
        self.out.slots[index] = s
        return s

    def _word_slot(self, f: _Cmd, index: int) -> None:
        s = self._slot(index, "word")
        f.cmd_slots.append(s)
        s.word_start = not f.started
        word_so_far = "".join(f.cur)
        f.started = True
        f.cur_slots.append(s)
        if f.dbracket is not None:
            f.dbracket.append(s)
        if f.heredoc or f.redirect:
            return
        cmd, args = self._command(f)
        s.options_ended = "--" in (_plain(a) for a in args)
        if f.kind == "list" and _plain(word_so_far).startswith("[") and "]" not in word_so_far:
            s.integer_only, self.out.arithmetic = True, True  # a=([{{ i }}]=x): a subscript is arithmetic
            return
        if f.kind == "list" or f.case_pattern or (f.words and _plain(f.words[0]) in LIST_KEYWORDS):
            return
        if cmd is None:
            if _ASSIGN.match(_plain(word_so_far)) or (_SUBSCRIPT_OPEN.match(_plain(word_so_far))):
                if _SUBSCRIPT_OPEN.match(_plain(word_so_far)):  # arr[{{ i }}]=… : the subscript is arithmetic
                    s.integer_only, self.out.arithmetic = True, True
                return
            s.refusal = "a value cannot be (part of) the command to run"
            return
        if cmd in ARITH_BUILTINS or (cmd in DECLARERS and any(_plain(a).startswith("-") and "i" in _plain(a) for a in args)):
            s.integer_only, self.out.arithmetic = True, True
            return
        plain_args = [_plain(a) for a in args]
        s.refusal = code_argument(cmd, plain_args) or name_argument(cmd, plain_args, s.word_start)

