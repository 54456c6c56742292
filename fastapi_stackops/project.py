"""The project's contract, as values: what the `[tool.stackops]` table of its pyproject.toml says (read by fastapi_stackops.contract).

Everything project-specific lives there (which service a person browses to,
its health paths, the smoke probes, the persistence scenario, the migration
commands, what must never be in an image); everything per environment lives
in the `.env.docker` files; the services themselves are read from the Compose
files. This module holds the values and the names they are checked against;
fastapi_stackops.contract reads and validates the table.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi_stackops import StackError

TABLE = "tool.stackops"
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
HOOK_REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
#: The lowest UID an image's USER may have, unless the contract sets min-uid: clear of
#: the host's system and login users, so a container escape lands on no real account.
DEFAULT_MIN_UID = 10000
#: Never in an image, whatever the project adds: repositories, env files, private keys.
#: (Not *.pem: certifi's CA bundle is one, and a legitimate dependency.)
DEFAULT_FORBIDDEN = (".git", ".env", "*.env.docker", "id_rsa", "id_ed25519", "*.key")


class ContractError(StackError):
    pass


#: The first line of every file init writes: how the workflow tells init's Compose files from a user's own.
WRITTEN_BY_INIT = "# Written by `fastapi-stackops init` from what it read in this repository; yours to edit: init never overwrites it unasked.\n"


@dataclass(frozen=True)
class Probe:
    """One HTTP request and what its answer must hold."""

    path: str
    method: str = "GET"
    status: int = 200
    json: Any = None  # a request body
    expect_json: Mapping[str, Any] = field(default_factory=dict)  # key -> value the answer's JSON must hold
    expect_keys: tuple[str, ...] = ()  # keys the answer's JSON must have
    contains: str = ""  # text the answer must contain
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or f"{self.method} {self.path}"


@dataclass(frozen=True)
class ServiceContract:
    """What the project says about one Compose service; every field optional."""

    name: str
    port: int | None = None  # the container port its HTTP answers on; default: its first published one
    health: str = ""
    ready: str = ""
    metrics: str = ""
    docs: str = ""
    probes: tuple[Probe, ...] = ()
    hooks: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()  # env variables it cannot start without
    relax: tuple[str, ...] = ()  # hardening checks it is exempt from
    min_uid: int = DEFAULT_MIN_UID  # the lowest UID its image's USER may have

    @property
    def is_http(self) -> bool:
        return bool(self.port or self.health or self.ready or self.probes or self.hooks)


@dataclass(frozen=True)
class Persistence:
    service: str
    write: Probe | None = None
    read: Probe | None = None
    id_from: str = "id"  # a path into the write's JSON answer (user.id), or "location" for its Location header
    delete: str = ""
    hook: str = ""
    guessed: bool = False  # init read it from the OpenAPI document: a write the app refuses skips the check, said


@dataclass(frozen=True)
class Migrations:
    service: str
    upgrade: str = ""
    current: str = ""
    new: str = ""  # a host command with {message}


@dataclass(frozen=True)
class DeclaredBase:
    variable: str  # the Compose variable that names it
    image: str  # the official image, used when present or pullable
    substitute: str  # the recipe to build a stand-in from Debian packages
    # Another base image's variable whose official image this one is, unless set
    # itself: a runtime stage's base follows its builder's, so both are one Python.
    follows: str = ""


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    file: Path
    entry: str
    env_dir: Path
    compose_files: tuple[str, ...]
    ci_env: str
    services: Mapping[str, ServiceContract]
    persistence: Persistence | None
    migrations: Migrations | None
    service_tests: str  # a Compose service that runs the service's tests, or ""
    base_images: tuple[DeclaredBase, ...]
    forbidden_in_image: tuple[str, ...]
    image_size_budget_mb: int
    lint: tuple[str, ...]
    tests_timeout_minutes: int = 30  # a suite running longer is stopped: a hung test never holds CI
    kubernetes: tuple[str, ...] = ()  # kustomize directories `inv lint` renders and validates

    def service(self, name: str) -> ServiceContract:
        return self.services.get(name) or ServiceContract(name)

    def where(self, key: str = "") -> str:
        """`pyproject.toml [tool.stackops.persistence] write`, for error messages."""
        table, _, leaf = key.rpartition(".") if "." in key else ("", "", key)
        return f"{display(self.file)} [{TABLE}{'.' + table if table else ''}]" + (f" {leaf}" if leaf else "")

    def hook(self, reference: str) -> Callable:
        """Import `module:function` from the project's root."""
        module_name, _, function = reference.partition(":")
        if str(self.root) not in sys.path:
            sys.path.insert(0, str(self.root))
        try:
            return getattr(importlib.import_module(module_name), function)
        except (ImportError, AttributeError) as error:
            raise ContractError(f"{display(self.file)}: hook {reference!r} cannot be loaded ({error})") from None


def display(path: Path) -> str:
    """A path as the user would type it from here."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)
    return str(path) if relative.startswith("..") else relative
