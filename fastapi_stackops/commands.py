"""The one way stackops runs an external command (Compose, the docker CLI, kubectl, hadolint, git, a contract's command).

A command either streams to the user's terminal (its output is theirs to read)
or is captured (its output is ours to parse). On failure it raises
CommandFailed, one sentence with the command's own last words, or, when it
streamed, a pointer to the output just shown.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from fastapi_stackops import StackError
from fastapi_stackops.console import Echo, say

#: A terminal's colour and cursor codes, which a tool forced to colour (pytest --color=yes) writes into captured output.
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text: str) -> str:
    """The text without terminal codes: what a one-line error quotes of a command's output."""
    return ANSI.sub("", text)


class CommandFailed(StackError):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def last_words(result: subprocess.CompletedProcess, lines: int = 3) -> str:
    """A failed command's own words on one line: its last lines on stderr, else on stdout, else its exit code."""
    for stream in (result.stderr, result.stdout):
        said = " ".join(line.strip() for line in plain(stream or "").strip().splitlines()[-lines:] if line.strip())
        if said:
            return said
    return f"exit {result.returncode} with no output"


def shown(command: Sequence[str] | str) -> str:
    """The command as a user would type it, cut to one line's worth."""
    text = command if isinstance(command, str) else shlex.join(map(str, command))
    return text if len(text) < 120 else text[:117] + "..."


def failure(command: Sequence[str] | str, result: subprocess.CompletedProcess, what: str = "") -> CommandFailed:
    """One sentence: what failed, then its own last words, or where its streamed output is."""
    what = what or f"`{shown(command)}` failed (exit {result.returncode})"
    if result.stdout is None and result.stderr is None:
        return CommandFailed(f"{what}; its output is above", result.returncode)
    return CommandFailed(f"{what}: {last_words(result)}", result.returncode)


def run(
    command: Sequence[str] | str,
    *,
    env: Mapping[str, str] | None = None,
    capture: bool = False,
    check: bool = True,
    what: str = "",
    cwd=None,
    shown_as: Sequence[str] | None = None,
) -> subprocess.CompletedProcess:
    """Run a command (a string runs in the shell, as a contract's commands are written); raise CommandFailed unless it succeeds.

    `capture`: its output is returned, not shown; `what`: how a failure's sentence begins
    ("docker push X failed"), by default the command (or `shown_as`, as the user would type it) and its exit code.
    """
    result = subprocess.run(
        command,
        shell=isinstance(command, str),
        env=dict(env) if env is not None else None,
        cwd=cwd,
        capture_output=capture,
        text=True,
        errors="replace",
    )
    if check and result.returncode != 0:
        raise failure(shown_as or command, result, what)
    return result


class Background:
    """A streaming command running while the caller watches something else; its last line on stderr is kept. With
    `on_line`, each line of its output (stdout and stderr, as they interleave) goes there instead of to the user's."""

    def __init__(
        self, command: Sequence[str], env: Mapping[str, str] | None = None, on_line: Callable[[str], None] | None = None
    ):
        self.command = command
        self.said = Echo(sys.stderr)
        self.on_line = on_line
        stdout = subprocess.PIPE if on_line else None
        stderr = subprocess.STDOUT if on_line else subprocess.PIPE
        environment = dict(env) if env is not None else None
        self.process = subprocess.Popen(command, env=environment, stdout=stdout, stderr=stderr, text=True, errors="replace")
        self.reader = threading.Thread(target=self._echo, daemon=True)
        self.reader.start()

    def _echo(self) -> None:
        stream = self.process.stdout if self.on_line else self.process.stderr
        assert stream is not None
        for line in stream:
            (self.on_line or self.said.write)(line)

    def running(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float | None = None) -> int | None:
        """Its exit code; None when it ran past `timeout` seconds, and is then killed."""
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        self.reader.join(timeout=5)
        return code

    def kill(self) -> None:
        self.process.kill()
        self.wait()


def run_with_heartbeat(
    command: Sequence[str], label: str, env: Mapping[str, str] | None = None, every: float = 5.0, tail: int = 15
) -> None:
    """Run a long, chatty command quietly: a progress line every few seconds, its tail on failure."""
    start = last = time.monotonic()
    lines: list[str] = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", env=dict(env) if env else None
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip())
            del lines[:-200]
            now = time.monotonic()
            if now - last >= every:
                last = now
                say(f"    {label}: {now - start:4.0f}s  {lines[-1][:100]}")
        code = process.wait()
    if code != 0:
        sys.stderr.write("\n".join(lines[-tail:]) + "\n")
        raise CommandFailed(f"{label} failed (exit {code}); its last lines are above", code)
