"""The Docker SDK and requests, imported on first use.

Together they cost ~100 ms at every `inv` start (`inv --list`, `inv --help`,
and tasks that never reach the engine); `inv bench` measures the start.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_import(name: str) -> ModuleType:
    """The module, loaded when an attribute is first read (importlib's LazyLoader)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


docker = lazy_import("docker")
requests = lazy_import("requests")
