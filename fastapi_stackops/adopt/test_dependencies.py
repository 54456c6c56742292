"""Where the repository's suite gets its dependencies, by installer: the group, extra, file or list that brings pytest,
as (kind, name, where it is said). A pure reading of the project's files."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from fastapi_stackops.adopt.pipfile import pipfile_ranges
from fastapi_stackops.adopt.wheels import text_of

#: (kind, name, source): how the tests' dependencies install, what holds them, and where init read that.
Found = tuple[str, str, str]

DEV_REQUIREMENTS = re.compile(r"^(?:requirements[-_.](?:dev|test|tests)|(?:dev|test)[-_]requirements)\.txt$")
#: The names a group of the suite's tools goes by, pytest in it or not (faker beside a pytest among the app's own).
DEV_GROUPS = ("dev", "test", "tests", "testing")


def names_pytest(requirements: list[str]) -> bool:
    return any(re.match(r"^\s*pytest(?![\w-])", str(line)) for line in requirements)


def uv_groups(project: dict) -> dict[str, list]:
    dev = project.get("tool", {}).get("uv", {}).get("dev-dependencies", [])
    return {**project.get("dependency-groups", {}), **({"dev": dev} if dev else {})}


def poetry_groups(project: dict) -> dict[str, list]:
    """Poetry's own groups, and the [dependency-groups] poetry 2.2 locks beside them (PEP 735)."""
    poetry = project.get("tool", {}).get("poetry", {})
    found = {g: list(t.get("dependencies", {})) for g, t in poetry.get("group", {}).items()}
    found = {**project.get("dependency-groups", {}), **found}
    return found | ({"dev": list(poetry["dev-dependencies"])} if "dev-dependencies" in poetry else {})


def uv_dev(root: Path, project: dict) -> Found | None:
    groups, extras = uv_groups(project), project.get("project", {}).get("optional-dependencies", {})
    group = next((("uv-group", g, "[dependency-groups] in pyproject.toml") for g, r in groups.items() if names_pytest(r)), None)
    return group or next((("uv-extra", e, "[project.optional-dependencies]") for e, r in extras.items() if names_pytest(r)), None)


def poetry_dev(root: Path, project: dict) -> Found | None:
    return next((("poetry-group", g, f"poetry's {g} group") for g, r in poetry_groups(project).items() if names_pytest(r)), None)


def pipfile_dev(root: Path, project: dict) -> Found | None:
    """pytest among a Pipfile's packages, or its dev-packages."""
    if names_pytest(list(pipfile_ranges(root))):
        return "main", "", "the Pipfile's packages"
    return (
        ("pipfile-dev", "dev-packages", "the Pipfile's dev-packages")
        if names_pytest(list(pipfile_ranges(root, "dev-packages")))
        else None
    )


def pipenv_dev(root: Path, project: dict) -> Found | None:
    """pytest among Pipfile.lock's main pins, or its develop ones."""
    lock = json.loads(text_of(root / "Pipfile.lock") or "{}")
    if names_pytest(list(lock.get("default", {}))):
        return "main", "", "Pipfile.lock's default pins"
    return ("pipenv-develop", "develop", "Pipfile.lock's develop pins") if names_pytest(list(lock.get("develop", {}))) else None


def project_lists(root: Path, project: dict) -> Found | None:
    """A [dependency-groups] or [project.optional-dependencies] list naming pytest, for pip to install."""
    extras = project.get("project", {}).get("optional-dependencies", {})
    lists = {f"dependency-groups.{g}": r for g, r in project.get("dependency-groups", {}).items()}
    lists |= {f"project.optional-dependencies.{e}": r for e, r in extras.items()}
    named = (k for k, r in lists.items() if names_pytest(r))
    return next((("project-list", k, f"[{k.rpartition('.')[0]}] {k.rpartition('.')[2]}") for k in named), None)


def requirements_with_pytest(root: Path, project: dict | None = None) -> Found | None:
    """The requirements file that brings pytest: a dev or test one near the root, or the app's own."""
    # Where the app's requirements are looked for: the root, a requirements/ folder, one folder down (infra/).
    near = [
        p for pattern in ("*.txt", "*/*.txt", "requirements/*.txt", "*/requirements/*.txt") for p in sorted(root.glob(pattern))
    ]
    files = [p for p in near if DEV_REQUIREMENTS.match(p.name)]
    files += [p for p in near if p.parent.name == "requirements" and p.stem in ("dev", "test", "tests")]
    files += [p for p in near if p.parent.name in ("tests", "test") and p.stem.startswith("requirements")]  # their own
    files += [root / "requirements.txt"] if (root / "requirements.txt").is_file() else []  # pytest among the app's own
    found = {str(p.relative_to(root)): text_of(p).splitlines() for p in files}
    return next((("requirements", f, f) for f, r in found.items() if names_pytest(r)), None)


BY_INSTALLER: dict[str, Callable[[Path, dict], Found | None]] = {
    "uv": uv_dev,
    "poetry": poetry_dev,
    "requirements": requirements_with_pytest,
    "pipfile": pipfile_dev,
    "pipenv": pipenv_dev,
}


def dev_group_beside(project: dict, installer: str) -> Found | None:
    """With pytest among the app's own dependencies, the installer's dev group still holds what the suite imports
    beside it (WesleyMNA/fastapi-hexagonal-architecture-example: faker in poetry's dev group)."""
    groups = {"uv": ("uv-group", uv_groups), "poetry": ("poetry-group", poetry_groups)}.get(installer)
    named = next((g for g in DEV_GROUPS if groups and groups[1](project).get(g)), "") if groups else ""
    return (groups[0], named, f"pytest in [project] dependencies, the rest in the {named} group") if named else None


def dev_dependencies(root: Path, project: dict, installer: str) -> Found | None:
    """(kind, name, source) of the dependencies that bring pytest, in the form this installer installs."""
    if names_pytest(project.get("project", {}).get("dependencies", [])):
        return dev_group_beside(project, installer) or ("main", "", "[project] dependencies")
    return BY_INSTALLER.get(installer, project_lists)(root, project)
