"""How `inv test`'s workers share the suite: a module to a worker (as --dist loadfile), in collection order, except
the modules marked `spread`, whose tests are handed out one at a time.

A spread module's tests each take minutes and share no module fixture (an init then `inv ci` per repository shape):
held by one worker, such a module was the run's long tail. xdist's controller collects nothing, so it sees no
marks: which modules are spread is read from their `pytestmark` line.
"""

from __future__ import annotations

import ast
from pathlib import Path

from xdist.scheduler import LoadScopeScheduling

from tests.utils import ROOT, SPREAD


def marked(module: Path, mark: str) -> bool:
    """Whether the module's `pytestmark` names the mark (`pytest.mark.NAME` or the helper of that name)."""
    for node in ast.parse(module.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets):
            names = {getattr(n, "attr", getattr(n, "id", "")) for n in ast.walk(node.value)}
            return mark in names
    return False


def scope(nodeid: str, spread: set[str]) -> str:
    """The unit a worker is handed: the test's module, or the test itself in a spread module."""
    module = nodeid.split("::", 1)[0]
    return nodeid if module in spread else module


def spread_modules() -> set[str]:
    return {p.relative_to(ROOT).as_posix() for p in ROOT.glob("tests/**/test_*.py") if marked(p, SPREAD)}


class SpreadScheduling(LoadScopeScheduling):
    """A scope per module, or per test in a spread module."""

    def __init__(self, config, log=None):
        super().__init__(config, log)
        self.spread = spread_modules()

    def _split_scope(self, nodeid: str) -> str:
        return scope(nodeid, self.spread)
