"""What the tasks print: lines, steps with elapsed time, a command's output as it comes."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


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
