"""The Docker SDK and requests, imported on first use.

Together they cost ~100 ms at every `inv` start (`inv --list`, `inv --help`,
and tasks that never reach the engine); `inv bench` measures the start.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

#: One import at a time through these stand-ins; Python's own import locks do the rest.
_IMPORTING = threading.Lock()


class LazyModule(ModuleType):
    """A stand-in for a module, imported on its first attribute read.

    Unlike importlib's LazyLoader (which swaps the real module in place and,
    before Python 3.12, lets another thread see it half-executed), the real
    module is imported the ordinary way: a second thread asking meanwhile
    waits for the import to finish. A task's threads (a render ahead, checks
    run side by side) may each be first to ask, so this matters.
    """

    def __init__(self, name: str):
        super().__init__(name)
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str):
        module = self._module
        if module is None:
            with _IMPORTING:
                module = self._module = self._module or importlib.import_module(self.__name__)
        return getattr(module, attribute)


def lazy_import(name: str) -> ModuleType:
    """The module, imported when an attribute is first read."""
    return LazyModule(name)


docker = lazy_import("docker")
requests = lazy_import("requests")
