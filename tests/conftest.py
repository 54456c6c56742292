"""Every test session starts a reaper: if the run is killed (a CI timeout, Ctrl-C twice), its stacks go with it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items):
    """The order `inv test`'s workers take modules in (--dist loadfile, no reordering): the modules that run alone
    first, one after another, while the other worker runs the unit tests, which need no engine; then the rest."""
    from tests.utils import ALONE

    def turn(item) -> float:
        alone = item.get_closest_marker(ALONE)
        if alone:  # last among them: the load test, after the base-image builds beside the tests are done
            return 0.5 if alone.kwargs.get("last") else 0
        return 1 if item.nodeid.startswith(("tests/unit/", "tests/service/")) else 2

    items.sort(key=turn)  # stable: each module's own order is kept


def pytest_sessionstart(session):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    basetemp = str(session.config._tmp_path_factory.getbasetemp().resolve())
    subprocess.Popen(
        [sys.executable, "-m", "tests.utils.reaper", str(os.getpid()), str(time.time() - 1), basetemp, str(ROOT)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # outlives a kill of the run's process group
    )
