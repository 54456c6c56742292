"""What the tasks print: steps with elapsed time, long commands with a heartbeat."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from stackops import StackError


def last_words(result: subprocess.CompletedProcess, lines: int = 3) -> str:
    """A failed command's own words on one line: its last lines on stderr, else on stdout, else its exit code."""
    for stream in (result.stderr, result.stdout):
        said = " ".join(line.strip() for line in (stream or "").strip().splitlines()[-lines:] if line.strip())
        if said:
            return said
    return f"exit {result.returncode} with no output"


def say(message: str) -> None:
    print(message, flush=True)


@contextmanager
def step(label: str) -> Iterator[None]:
    """Announce a step, then report how long it took (or that it failed)."""
    say(f"==> {label}")
    start = time.monotonic()
    try:
        yield
    except BaseException:
        say(f"    {label}: failed after {time.monotonic() - start:.1f}s")
        raise
    say(f"    {label}: done in {time.monotonic() - start:.1f}s")


class Echo:
    """A stream that shows a command's output as it comes and remembers its last lines."""

    def __init__(self, target, keep: int = 40):
        self.target = target
        self.lines: deque[str] = deque(maxlen=keep)
        self._partial = ""

    def write(self, text: str) -> int:
        self.target.write(text)
        self.target.flush()
        *complete, self._partial = (self._partial + text).split("\n")
        self.lines.extend(line for line in complete if line.strip())
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def last_line(self) -> str:
        lines = [*self.lines, self._partial] if self._partial.strip() else list(self.lines)
        return lines[-1].strip() if lines else ""


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
        raise StackError(f"{label} failed (exit {code}); its last lines are above")
