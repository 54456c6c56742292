"""The one way stackops waits for something: ask again until it is so, or a deadline passes; and the pause a fault
test asks for."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
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
    """STACKOPS_PAUSE=<step>:<seconds> holds a deploy at the start of a step (build, backup, migrate, beside, drain),
    so the fault tests interrupt it there every time, not only when the step happens to be slow."""
    name, _, seconds = os.environ.get("STACKOPS_PAUSE", "").partition(":")
    if name == step:
        time.sleep(float(seconds or 5))
