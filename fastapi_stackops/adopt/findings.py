"""What init found, each with where it came from, and its refusal: shared by everything that reads a repository."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    what: str
    value: str
    source: str

    def line(self) -> str:
        return f"  {self.what:<12} {self.value} (from {self.source})"


class NotAFastAPIRepository(Exception):
    pass
