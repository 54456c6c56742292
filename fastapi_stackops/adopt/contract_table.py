"""The `[tool.stackops]` tables init adds to pyproject.toml: appended as text, so nothing of the file is reformatted."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from fastapi_stackops.adopt.app_environment import secret_variables
from fastapi_stackops.adopt.conventions import CONTAINER_PORT, ENTRY, TEST_SERVICE
from fastapi_stackops.adopt.image import python_image, runtime_flavour
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.routes import Routes
from fastapi_stackops.adopt.secret_formats import may_be_empty
from fastapi_stackops.contract import IMAGE_SIZE_BUDGET_MB

TABLE_HEADER = re.compile(r"^\s*\[\[?\s*tool\.stackops(\.|\s*\])", re.M)
ANY_HEADER = re.compile(r"^\s*\[", re.M)


def toml_value(value: object) -> str:
    """A TOML literal for the simple values a contract holds (strings, numbers, booleans, inline tables, arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(str(value))  # a JSON string is a TOML basic string


def table(name: str, values: dict) -> str:
    lines = [f"{key} = {toml_value(value)}" for key, value in values.items() if value not in ("", None, [], {})]
    return f"[{name}]\n" + "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Layout:
    """Where the stack's pieces are: the entry service and its port, the Compose files, the base images by variable."""

    entry: str
    port: int  # in the container
    host_port: int  # the default the env files publish it on
    compose_files: tuple[str, ...]
    bases: tuple[tuple[str, str, str], ...]  # (variable, official image or "" to follow PYTHON_BASE_IMAGE's, recipe)
    min_uid: int | None = None  # the image's own USER, when it is under the default
    database_service: str = ""  # the PostgreSQL service init wrote, which requires its password
    service_tests: str = ""  # the Compose service that runs the repository's tests


def contract_text(repo: Repository, routes: Routes, env_dir: str, layout: Layout) -> str:
    """The contract: the entry service and its paths, what each service requires, persistence, migrations, base images."""
    database = repo.database_server
    app_secrets = [
        v for v in secret_variables(repo) if (not database or v != database.password) and not may_be_empty(v, repo.formatted)
    ]
    top = table(
        "tool.stackops",
        {
            "entry": layout.entry,
            "env-dir": env_dir,
            "compose-files": list(layout.compose_files),
            "ci-env": "ci",
            "service-tests": layout.service_tests,
            "image-size-budget-mb": size_budget(routes.image_mb),
        },
    )
    paths = {"health": routes.health, "ready": routes.ready, "metrics": routes.metrics, "docs": routes.docs}
    tables = [
        top.replace(
            "]\n",
            "]\n# Written by `fastapi-stackops init`: what stackops checks the stack against (stackops' docs/contract.md).\n",
            1,
        ),
        table(
            f"tool.stackops.services.{layout.entry}",
            {"port": layout.port, **paths, "requires": app_secrets, "min-uid": layout.min_uid},
        ),
    ]
    if layout.database_service and database and not database.login.passwordless:  # one written with none requires none
        tables.append(table(f"tool.stackops.services.{layout.database_service}", {"requires": [database.password]}))
    if routes.persistence:
        guess = "# Read from the app's OpenAPI document: while guessed, a write the app refuses (4xx) skips the check.\n"
        tables.append(table("tool.stackops.persistence", routes.persistence).replace("]\n", "]\n" + guess, 1))
    if repo.migrations:
        tables.append(table("tool.stackops.migrate", {"service": layout.entry, "upgrade": repo.migrations}))
    for variable, image, substitute in layout.bases:
        source = {"image": image} if image else {"follows": "PYTHON_BASE_IMAGE"}
        tables.append(table(f"tool.stackops.base-images.{variable}", {**source, "substitute": substitute}))
    return "\n".join(tables)


def size_budget(megabytes: int) -> int | None:
    """A budget the repository's first image fits, with a quarter's headroom for growth, in whole hundreds of MB;
    None while the default does (the ci smoke check would otherwise fail a repository on its first run)."""
    wanted = megabytes * 5 // 4
    return -(-wanted // 100) * 100 if wanted > IMAGE_SIZE_BUDGET_MB else None


def written_layout(repo: Repository) -> Layout:
    """The layout of the files init writes itself: its entry service, compose.yaml, the bases they name."""
    bases = [("PYTHON_BASE_IMAGE", python_image(repo.python), "python")]
    bases += [("PYTHON_RUNTIME_IMAGE", "", "python-runtime")] if runtime_flavour(repo) else []
    database = repo.database_server
    bases += [(database.variable, database.official, database.recipe)] if database else []
    bases += [("REDIS_BASE_IMAGE", "redis:7-bookworm", "redis")] if repo.redis else []
    bases += [("RABBITMQ_BASE_IMAGE", "rabbitmq:3", "rabbitmq")] if repo.rabbitmq else []
    tests = TEST_SERVICE if repo.service_tests else ""
    service = database.service if database else ""
    return Layout(ENTRY, CONTAINER_PORT, CONTAINER_PORT, ("compose.yaml",), tuple(bases), None, service, tests)


def without_contract(pyproject: str) -> str:
    """pyproject.toml with its `[tool.stackops...]` tables taken out (for --force), everything else as it was."""
    kept, skipping = [], False
    for line in pyproject.splitlines(keepends=True):
        if ANY_HEADER.match(line):
            skipping = bool(TABLE_HEADER.match(line))
        if not skipping:
            kept.append(line)
    return "".join(kept).rstrip("\n") + "\n"


def with_contract(pyproject: str, contract: str) -> str:
    """The contract appended after a blank line; an existing one replaced (the caller asks first)."""
    return without_contract(pyproject).rstrip("\n") + "\n\n" + contract
