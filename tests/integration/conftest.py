"""Integration fixtures: real engine, real `inv` commands, one isolated project per stack."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from stackops import StackError
from stackops.baseimages import ensure_base_images
from stackops.compose import compose_command, render
from stackops.contract import load_project
from stackops.engine import connect
from stackops.lifecycle import service_url
from stackops.settings import compose_environment, load_settings
from tests.utils import ROOT, checked, inv, write_env

pytestmark = pytest.mark.integration


def run_task(*args: str, check: bool = True, timeout: int = 600, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """A task through the real CLI; its whole output (stdout and stderr) in .stdout."""
    result = inv(*args, cwd=cwd, timeout=timeout, merged=True)
    return checked(result) if check else result


@dataclass
class Stack:
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

    def url(self, service: str | None = None) -> str:
        settings = self.settings
        return service_url(connect(), settings, render(settings), service or settings.config.entry)

    def base_images(self) -> dict[str, str]:
        settings = self.settings
        return ensure_base_images(settings, render(settings), connect(), log=lambda _: None)

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        settings = self.settings
        base_images = self.base_images()
        result = subprocess.run(
            compose_command(settings, *args),
            env=compose_environment(settings, base_images),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"docker compose {' '.join(args)} exited {result.returncode}:\n{result.stdout[-3000:]}")
        return result

    def logs(self, service: str) -> list[str]:
        return self.compose("logs", "--no-log-prefix", "--no-color", service).stdout.splitlines()

    def containers(self, service: str | None = None):
        labels = [f"com.docker.compose.project={self.project}"] + ([f"com.docker.compose.service={service}"] if service else [])
        return connect().containers.list(all=True, filters={"label": labels})


@pytest.fixture(scope="session")
def engine():
    client = connect()  # fails with the provisioning hint when no engine answers
    return client


@pytest.fixture(scope="module")
def stacks(engine, tmp_path_factory):
    """Factory of stacks; every stack it made is cleaned (volumes too) when the module ends."""
    made: list[Stack] = []
    folder = tmp_path_factory.mktemp("envs")

    def make(base: str = "dev", **overrides: str) -> Stack:
        stack = Stack(write_env(folder, base=base, **overrides))
        made.append(stack)
        return stack

    yield make
    for stack in made:
        run_task("clean", "--env", str(stack.env_file), "--volumes", "--yes", check=False)


@pytest.fixture(scope="module")
def pg(stacks):
    """A running PostgreSQL stack, shared by a module's tests."""
    stack = stacks("ci")
    stack.up()
    return stack


def wait_for(predicate, timeout: float = 30, interval: float = 0.5, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (requests.RequestException, AssertionError, StackError) as error:
            last = error  # not yet: no answer, or (after a restart) no published port
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
