"""The service's own test suite, run once in its test image against the stack's database: its output shown as it
comes, and a failure said in one line with pytest's own summary."""

from __future__ import annotations

import re
import sys

from fastapi_stackops import StackError
from fastapi_stackops.baseimages import ensure_base_images
from fastapi_stackops.building import build_images
from fastapi_stackops.commands import plain
from fastapi_stackops.console import step
from fastapi_stackops.engine import PROJECT_LABEL, SERVICE_LABEL
from fastapi_stackops.stack import Stack

#: pytest's closing line ("== 9 failed, 45 passed in 11.00s ==").
TEST_SUMMARY = re.compile(r"\d+ (failed|passed|errors?)\b.* in \d+(\.\d+)?s")
#: pytest's exit code when it collected no test.
NOTHING_COLLECTED = 5


def echo(line: str) -> str:
    sys.stdout.write(line)
    sys.stdout.flush()
    return line


def run_service_tests(stack: Stack, tty: bool = False) -> None:
    """Run the contract's service-tests Compose service once (`compose run`), against the stack's database; `tty`: at
    a terminal, attached to it."""
    name = stack.config.service_tests
    if not name:
        raise StackError(f"{stack.config.where('service-tests')}: is not set; name the Compose service that runs the tests")
    base = ensure_base_images(stack.settings, stack.model, stack.client, services=[*stack.model.active, name])
    with step(f"building the test image ({name})"):
        build_images(stack, [name], base)
    with step(f"running the service's tests ({name})"):
        if tty:
            stack.compose(["run", "--rm", name], extra_env=base)
            return
        said: list[str] = []
        running = stack.start_compose(["run", "--rm", "--no-TTY", name], base, on_line=lambda line: said.append(echo(line)))
        minutes = stack.config.tests_timeout_minutes
        if (code := running.wait(timeout=minutes * 60)) is None:
            remove_the_suites_container(stack, name)
            raise StackError(
                f"the service's tests ({name}) ran past {minutes} minutes and were stopped (a test that hangs?); their "
                f"output is above; allow them more with {stack.config.where('tests-timeout-minutes')}"
            )
        if code:
            raise StackError(f"the service's tests failed ({name}): {pytest_summary(said, code)}; their output is above")


def remove_the_suites_container(stack: Stack, name: str) -> None:
    """The suite's one-off container, which a killed `compose run` leaves running: removed, so nothing runs on."""
    labels = [f"{PROJECT_LABEL}={stack.project}", f"{SERVICE_LABEL}={name}", "com.docker.compose.oneoff=True"]
    for container in stack.client.containers.list(all=True, filters={"label": labels}):
        container.remove(force=True)


def pytest_summary(lines: list[str], code: int) -> str:
    """pytest's closing line, else its usage error, else the exit code; without colour codes (--color=yes). Exit 5 is
    a suite that collected nothing: its configuration (testpaths, python_files) finds no test."""
    told = [line.strip("= \n") for line in map(plain, lines) if TEST_SUMMARY.search(line) or line.startswith("ERROR: ")]
    if not told and code == NOTHING_COLLECTED:
        return "pytest collected no tests (exit 5): its testpaths and python_files, as configured, match no test"
    return told[-1] if told else f"exit {code}"
