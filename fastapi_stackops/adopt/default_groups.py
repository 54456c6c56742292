"""The poetry groups `poetry install` installs beside the main dependencies by default, which the image installs too
when they are the app's: those not optional, tools' groups (dev, test, lint, docs) aside."""

from __future__ import annotations

import re

#: A group of tools, not of the app's runtime: a developer's own `poetry install` brings it, the image does not.
TOOL_GROUP = re.compile(
    r"^(dev|develop|development|tests?|testing|lint|linters?|linting|docs?|typing|types|mypy|format|style|qa|ci|debug|local)$",
    re.I,
)


def poetry_runtime_groups(project: dict) -> list[str]:
    """Poetry's groups that `poetry install` installs by default (not optional) and that hold the app's own libraries
    (a `db` group with its driver), not tools."""
    groups = project.get("tool", {}).get("poetry", {}).get("group", {})
    return [name for name, group in groups.items() if not group.get("optional") and not TOOL_GROUP.match(name)]


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
    return [n for n, listed in groups.items() if any(FRAMEWORK.match(r) for r in listed if isinstance(r, str))]


def runtime_groups(project: dict, installer: str, dependencies: tuple[str, ...]) -> tuple[str, ...]:
    """The groups the image installs beside the main dependencies, by installer."""
    if installer == "poetry":
        return tuple(poetry_runtime_groups(project))
    return tuple(uv_framework_groups(project, dependencies)) if installer == "uv" else ()


#: A requirement on fastapi itself, with extras or a version or neither.
FRAMEWORK = re.compile(r"^\s*fastapi\s*($|[\[<>=!~;@ ])", re.I)
