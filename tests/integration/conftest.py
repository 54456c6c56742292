"""Fixtures of the integration tests: the engine, and stacks made and cleaned per module."""

from __future__ import annotations

import fcntl
import os

import pytest

from fastapi_stackops.engine import connect
from tests.utils import ALONE, write_env
from tests.utils.stacks import StackUnderTest, run_task


@pytest.fixture(scope="module", autouse=True)
def turn(request, tmp_path_factory):
    """A module marked alone runs, from its first fixture to its last teardown, while no other module does, on any
    worker (tests/utils: `alone`); the others share the engine among themselves."""
    session = tmp_path_factory.getbasetemp()
    folder = session.parent if os.environ.get("PYTEST_XDIST_WORKER") else session  # the workers' common folder
    alone = request.node.get_closest_marker(ALONE) is not None
    with open(folder / "turn.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        yield  # closing the file releases the lock


@pytest.fixture(scope="session")
def engine():
    client = connect()  # fails with the provisioning hint when no engine answers
    return client


@pytest.fixture(scope="module")
def stacks(engine, tmp_path_factory):
    """Factory of stacks; every stack it made is cleaned (volumes too) when the module ends."""
    made: list[StackUnderTest] = []
    folder = tmp_path_factory.mktemp("envs")

    def make(base: str = "dev", **overrides: str) -> StackUnderTest:
        stack = StackUnderTest(write_env(folder, base=base, **overrides))
        made.append(stack)
        return stack

    yield make
    for stack in made:
        run_task("clean", "--env", str(stack.env_file), "--volumes", "--yes", check=False)


@pytest.fixture(scope="module")
def postgres_stack(stacks):
    """A running PostgreSQL stack, shared by a module's tests."""
    stack = stacks("ci")
    stack.up()
    return stack
