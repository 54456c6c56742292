"""Test stacks driven through the real CLI and the real engine, and waiting on them."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import requests

from fastapi_stackops import StackError
from fastapi_stackops.baseimages import ensure_base_images
from fastapi_stackops.compose import run_compose
from fastapi_stackops.contract import load_project
from fastapi_stackops.settings import load_settings
from fastapi_stackops.stack import Stack
from fastapi_stackops.waiting import poll, within
from tests.utils import ROOT, checked, inv


def run_task(*args: str, check: bool = True, timeout: int = 600, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """A task through the real CLI; its whole output (stdout and stderr) in .stdout."""
    result = inv(*args, cwd=cwd, timeout=timeout, merged=True)
    return checked(result) if check else result


@dataclass
class StackUnderTest:
    """One test stack: its env file (a path, passed as --env) and its project."""

    env_file: Path
    cwd: Path = ROOT

    @property
    def settings(self):
        return load_settings(str(self.env_file), config=load_project(self.cwd), environ={})

    @property
    def project(self) -> str:
        return self.settings.project

    def inv(self, task: str, *args: str, check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
        return run_task(task, "--env", str(self.env_file), *args, check=check, timeout=timeout, cwd=self.cwd)

    def up(self, *args: str) -> str:
        self.inv("up", *args)
        return self.url()

    def stack(self) -> Stack:
        """The stack as a task sees it, freshly: settings, model, containers."""
        return Stack(self.settings)

    def url(self, service: str | None = None) -> str:
        return self.stack().url(service)

    def base_images(self) -> dict[str, str]:
        stack = self.stack()
        return ensure_base_images(stack.settings, stack.model, stack.client, log=lambda _: None)

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Compose run the way the tasks run it, with the env's values and base images; its output captured."""
        return run_compose(self.settings, args, self.base_images(), capture=True, check=check)

    def logs(self, service: str) -> list[str]:
        return self.compose("logs", "--no-log-prefix", "--no-color", service).stdout.splitlines()

    def containers(self, service: str | None = None):
        return self.stack().containers(service)


def wait_for(predicate, timeout: float = 30, interval: float = 0.5, what: str = "condition"):
    """The predicate's first truthy answer within `timeout`; an exception counts as not yet."""
    last = None

    def probe():
        nonlocal last
        try:
            last = predicate()
        except (requests.RequestException, AssertionError, StackError) as error:
            last = error  # not yet: no answer, or (after a restart) no published port
            return None
        return last

    answer = poll(probe, within(timeout), interval)
    if not answer:
        raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
    return answer
