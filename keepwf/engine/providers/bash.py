"""``bash`` (step only): run ``command``; values substituted into it were shell-quoted when rendered (shell.py).

``shell: false`` (default, as Keep): split on unquoted ``|`` into a pipeline of ``shlex.split`` argument lists, no
shell involved. ``shell: true``: ``/bin/sh -c command``. A non-zero exit does not fail the step (Keep). A timeout
(``with.timeout`` or ``[engine] bash_timeout``) kills the processes and fails the step — keepwf decision: Keep
re-runs the command through a shell after a timeout; keepwf does not.
"""

from __future__ import annotations

import os
import signal
import subprocess
from typing import Any

from keepwf.engine.providers.base import Provider, ProviderCall, ProviderError, register

MAX_OUTPUT = 4 * 1024 * 1024


def split_pipeline(command: str) -> list[list[str]]:
    """``shlex.split`` semantics (POSIX) plus unquoted ``|`` as a pipe, in linear time (shlex is quadratic on long
    words)."""
    parts: list[list[str]] = [[]]
    word: list[str] = []
    in_word = False
    i, n = 0, len(command)
    while i < n:
        c = command[i]
        if c in " \t\r\n":
            if in_word:
                parts[-1].append("".join(word))
                word, in_word = [], False
        elif c == "|":
            if in_word:
                parts[-1].append("".join(word))
                word, in_word = [], False
            parts.append([])
        elif c == "\\":
            in_word = True
            if i + 1 < n:
                i += 1
                if command[i] != "\n":
                    word.append(command[i])
        elif c == "'":
            j = command.find("'", i + 1)
            if j < 0:
                raise ValueError("No closing quotation")
            word.append(command[i + 1 : j])
            in_word, i = True, j
        elif c == '"':
            in_word = True
            i += 1
            while True:
                if i >= n:
                    raise ValueError("No closing quotation")
                d = command[i]
                if d == '"':
                    break
                if d == "\\" and i + 1 < n and command[i + 1] in '"\\':
                    i += 1
                    d = command[i]
                word.append(d)
                i += 1
        else:
            in_word = True
            word.append(c)
        i += 1
    if in_word:
        parts[-1].append("".join(word))
    return [p for p in parts if p]


def _decode(b: bytes | None) -> str:
    return (b or b"")[:MAX_OUTPUT].decode("utf-8", "replace")


@register
class BashProvider(Provider):
    type = "bash"
    step_only = True

    def query(self, call: ProviderCall) -> Any:
        p = call.params
        command = p.get("command", "")
        if not isinstance(command, str) or not command.strip():
            raise ProviderError("bash: with.command is empty")
        opts = call.options
        try:
            timeout = float(p.get("timeout", getattr(opts, "bash_timeout", 60.0)))
        except (TypeError, ValueError):
            raise ProviderError(f"bash: timeout must be a number of seconds, got {p.get('timeout')!r}") from None
        env = dict(opts.env) if opts is not None and opts.env else None
        if call.env:  # values substituted into a shell: true command (engine/shell.py)
            env = {**(env if env is not None else os.environ), **call.env}
        cwd = getattr(opts, "cwd", None)
        shell = p.get("shell") in (True, "true", "True")
        if shell:
            proc = subprocess.Popen(command, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                                    start_new_session=True)
            try:
                out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill([proc])
                raise ProviderError(f"bash: command timed out after {timeout:g}s") from None
            except BaseException:
                self._kill([proc])
                raise
            return {"stdout": _decode(out), "stderr": _decode(err), "return_code": proc.returncode}
        try:
            pipeline = split_pipeline(command)
        except ValueError as e:
            raise ProviderError(f"bash: cannot split the command ({e}); check its quotes") from None
        procs: list[subprocess.Popen] = []
        prev = None
        try:
            for args in pipeline:
                proc = subprocess.Popen(args, stdin=prev, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                        cwd=cwd, start_new_session=True)
                if prev is not None:
                    prev.close()
                prev = proc.stdout
                procs.append(proc)
            out, err = procs[-1].communicate(timeout=timeout)
            for proc in procs[:-1]:
                proc.wait(timeout=max(1.0, timeout))
        except FileNotFoundError as e:
            self._kill(procs)
            raise ProviderError(f"bash: command not found: {e.filename}") from None
        except PermissionError as e:
            self._kill(procs)
            raise ProviderError(f"bash: permission denied: {e.filename}") from None
        except subprocess.TimeoutExpired:
            self._kill(procs)
            raise ProviderError(f"bash: command timed out after {timeout:g}s") from None
        except BaseException:  # Ctrl-C / SIGTERM of keepwf: do not leave the command running on its own
            self._kill(procs)
            raise
        return {"stdout": _decode(out), "stderr": _decode(err), "return_code": procs[-1].returncode}

    @staticmethod
    def _kill(procs: list[subprocess.Popen]) -> None:
        """Kill each command with everything it started (its own session, so its process group)."""
        for proc in procs:
            try:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    proc.kill()
                proc.communicate(timeout=5)
            except Exception:  # noqa: BLE001 - best effort cleanup
                pass
