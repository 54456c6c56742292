"""The one way stackops waits for something: ask again until it is so, or a deadline passes; the pause a fault
test asks for; and the steps a Ctrl-C waits out rather than splits."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def poll(probe: Callable[[], T | None], deadline: float, interval: float = 0.5) -> T | None:
    """Call `probe` until it returns something truthy or the monotonic deadline passes; its last answer."""
    while True:
        answer = probe()
        if answer or time.monotonic() >= deadline:
            return answer
        time.sleep(max(0.0, min(interval, deadline - time.monotonic())))


def within(seconds: float) -> float:
    """The monotonic deadline `seconds` from now."""
    return time.monotonic() + seconds


def held_for_a_fault_test(step: str) -> None:
    """STACKOPS_PAUSE=<step>:<seconds> holds a deploy at a step (build, backup, migrate, beside, health, switch, drain)
    and says so, so the fault tests interrupt it there every time, not only when the step happens to be slow."""
    name, _, seconds = os.environ.get("STACKOPS_PAUSE", "").partition(":")
    if name == step:
        print(f"(held at {step} for a fault test)", flush=True)
        time.sleep(float(seconds or 5))


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Steps that must happen together or not at all (a switch and its record): a Ctrl-C or SIGTERM that comes during
    them takes effect, as KeyboardInterrupt, once they are done."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only
        return
    came = []
    held = {
        number: signal.signal(number, lambda signum, frame: came.append(signum)) for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for number, handler in held.items():
            signal.signal(number, handler)
    if came:
        raise KeyboardInterrupt
