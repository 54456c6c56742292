"""A client hammering a service while a test changes it: every request counted, every failure kept, the longest wait measured."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import requests


class ClientLoop(threading.Thread):
    """Calls `request` back to back until stopped; a request fails by raising (a RequestException or AssertionError)."""

    def __init__(self, request: Callable[[], object], pause: float = 0.02):
        super().__init__(daemon=True)
        self.request, self.pause = request, pause
        self.ok = self.failed = 0
        self.longest = 0.0  # seconds: the slowest answer, a client's longest wait
        self.errors: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                self.request()
                self.ok += 1
            except (requests.RequestException, AssertionError) as error:
                self.failed += 1
                self.errors.append(str(error)[:200])
            self.longest = max(self.longest, time.monotonic() - started)
            time.sleep(self.pause)

    def stop(self) -> ClientLoop:
        self.stopping.set()
        self.join(timeout=30)
        return self

    def __enter__(self) -> ClientLoop:
        self.start()
        return self

    def __exit__(self, *_) -> None:
        self.stop()

    @property
    def summary(self) -> str:
        return f"{self.ok} answered, {self.failed} failed, longest wait {self.longest:.2f}s {self.errors[:3]}"
