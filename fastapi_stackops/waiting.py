"""The one way stackops waits for something: ask again until it is so, or a deadline passes."""

from __future__ import annotations

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
