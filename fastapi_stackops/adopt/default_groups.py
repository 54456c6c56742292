"""The groups beside the main dependencies the image installs: poetry's that `poetry install` installs by default when
they are the app's (not optional, tools' groups aside), and uv's that bring fastapi when the main list does not."""

from __future__ import annotations

import re

from fastapi_stackops.adopt.ranges import requirement_ranges

#: A group of tools, not of the app's runtime: a developer's own `poetry install` brings it, the image does not.
TOOL_GROUP = re.compile(
    r"^(dev|develop|development|tests?|testing|lint|linters?|linting|docs?|typing|types|mypy|format|style|qa|ci|debug|local)$",
    re.I,
)


def poetry_runtime_groups(project: dict) -> list[str]:
    """Poetry's groups that `poetry install` installs by default (not optional) and that hold the app's own libraries
    (a `db` group with its driver), not tools; and a tools' group that brings fastapi when the main dependencies do not
    (brunolnetto/fastapi-email's dev group: installed without it, the image had no fastapi)."""
    poetry = project.get("tool", {}).get("poetry", {})
    groups = poetry.get("group", {})
    main = {name.lower() for name in poetry.get("dependencies", {})}
    main |= {name.lower() for name in requirement_ranges(project.get("project", {}).get("dependencies", []))}
    return [
        name
        for name, group in groups.items()
        if not group.get("optional")
        and (not TOOL_GROUP.match(name) or ("fastapi" not in main and "fastapi" in map(str.lower, group.get("dependencies", {}))))
    ]


def poetry_runtime_dependencies(project: dict) -> dict:
    """Those groups' dependencies, as poetry's table writes them."""
    groups = project.get("tool", {}).get("poetry", {}).get("group", {})
    return {
        name: spec for group in poetry_runtime_groups(project) for name, spec in groups[group].get("dependencies", {}).items()
    }


def uv_framework_groups(project: dict, dependencies: tuple[str, ...]) -> list[str]:
    """uv's dependency groups that bring fastapi when the main dependencies do not: each, a dev group too, as a plain
    `uv sync` installs dev's (yifan/fastapi-uv's own image syncs `--group prod`, its `fastapi`, beside dev's
    `fastapi[standard]`, which brings the uvicorn it serves with)."""
    if "fastapi" in dependencies:
        return []
    groups = project.get("dependency-groups", {})
    named = {
        n: {name.lower() for name in requirement_ranges([r for r in listed if isinstance(r, str)])}
        for n, listed in groups.items()
    }
    return [n for n, names in named.items() if "fastapi" in names]


def runtime_groups(project: dict, installer: str, dependencies: tuple[str, ...]) -> tuple[str, ...]:
    """The groups the image installs beside the main dependencies, by installer."""
    if installer == "poetry":
        return tuple(poetry_runtime_groups(project))
    return tuple(uv_framework_groups(project, dependencies)) if installer == "uv" else ()
