"""`docker compose` command lines for a stack, and running them through Invoke."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence

from invoke import Context, Result

from ops.settings import StackSettings, compose_environment


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
    run_kwargs.setdefault("pty", False)
    return c.run(
        shlex.join(compose_command(settings, *args)),
        env=compose_environment(settings, extra_env),
        replace_env=True,
        **run_kwargs,
    )
