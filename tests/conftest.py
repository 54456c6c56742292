"""Every test session starts a reaper: if the run is killed (a CI timeout, Ctrl-C twice), its stacks go with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items):
    """The order `inv test`'s workers take modules in (no reordering): the unit tests, which need no base image while
    `.ci/run` builds them; the long modules, one to each worker; the spread tests and the rest, longest first so that
    short ones fill the end; last, the load test, alone, after the builds."""
    from tests.utils import ALONE, LONG, SPREAD

    def turn(item) -> int:
        if item.nodeid.startswith(("tests/unit/", "tests/service/")):
            return 0
        if item.get_closest_marker(ALONE):
            return 4
        return 1 if item.get_closest_marker(LONG) else 2 if item.get_closest_marker(SPREAD) else 3

    items.sort(key=turn)  # stable: each module's own order is kept


def pytest_xdist_make_scheduler(config, log):
    from tests.utils.scheduling import SpreadScheduling

    return SpreadScheduling(config, log)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """With STACKOPS_TIMELINE=FILE, each test's worker, start and end (setup to teardown) are appended to FILE as a JSON
    line: where a run's minutes went, worker by worker (a run's JUnit file has durations, not when)."""
    started = time.time()
    yield
    if timeline := os.environ.get("STACKOPS_TIMELINE"):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        record = {"worker": worker, "test": item.nodeid, "start": round(started, 1), "end": round(time.time(), 1)}
        with open(timeline, "a") as file:
            file.write(json.dumps(record) + "\n")


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
