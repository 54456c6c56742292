"""Integration fixtures: real engine, real `inv` commands, one isolated project per stack."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from stackops import ROOT
from stackops.baseimages import ensure_base_images
from stackops.compose import compose_command
from stackops.engine import connect, published_port
from stackops.settings import compose_environment, load_settings

pytestmark = pytest.mark.integration


def inv(*args: str, check: bool = True, timeout: int = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run a task through the real CLI; stdout and stderr together in .stdout."""
    result = subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        env=env,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"inv {' '.join(args)} exited {result.returncode}:\n{result.stdout[-4000:]}")
    return result


@dataclass
class Stack:
    """One test stack: its env file (a path, passed as --env) and its project."""

    env_file: Path

    @property
    def settings(self):
        return load_settings(str(self.env_file), environ={})

    @property
    def project(self) -> str:
        return self.settings.project

    def inv(self, task: str, *args: str, check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
        return inv(task, "--env", str(self.env_file), *args, check=check, timeout=timeout)

    def up(self, *args: str) -> str:
        self.inv("up", *args)
        return self.url()

    def url(self) -> str:
        address = published_port(connect(), self.project)
        assert address, f"{self.project} publishes no api port"
        return f"http://{address[0]}:{address[1]}"

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        settings = self.settings
        base_images = ensure_base_images(settings, connect(), log=lambda _: None)
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


def write_env(folder: Path, base: str, overrides: dict[str, str], name: str | None = None) -> Path:
    """A copy of env/<base>.env.docker with a unique project, an engine-chosen port and overrides."""
    project = f"it-{base}-{uuid.uuid4().hex[:6]}"
    lines = [
        (ROOT / "env" / f"{base}.env.docker").read_text(),
        f"COMPOSE_PROJECT_NAME={project}",
        "API_PORT=0",
        "HEALTHCHECK_INTERVAL=1s",
    ]
    lines += [f"{key}={value}" for key, value in overrides.items()]
    path = folder / f"{name or project}.env.docker"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def stacks(engine, tmp_path_factory):
    """Factory of stacks; every stack it made is cleaned (volumes too) when the module ends."""
    made: list[Stack] = []
    folder = tmp_path_factory.mktemp("envs")

    def make(base: str = "dev", **overrides: str) -> Stack:
        stack = Stack(write_env(folder, base, overrides))
        made.append(stack)
        return stack

    yield make
    for stack in made:
        inv("clean", "--env", str(stack.env_file), "--volumes", "--yes", check=False)


def wait_for(predicate, timeout: float = 30, interval: float = 0.5, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (requests.RequestException, AssertionError) as error:
            last = error  # not yet: no answer, or (after a restart) no published port
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
