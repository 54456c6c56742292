"""What a project installs beyond its main dependencies when asked: an extra, or a poetry group, that alone brings a
module the app imports and the image lacked (read from a first start's ModuleNotFoundError)."""

from __future__ import annotations

import re

from fastapi_stackops.adopt.dependency_files import pyproject, requirement_name
from fastapi_stackops.adopt.locks import read_lock
from fastapi_stackops.adopt.package_index import normalized
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.routes import ImportFailed


def missing_distribution(failed: ImportFailed, repo: Repository) -> str:
    """The distribution named as the module the app failed to import (`redis`), for an install that takes extras or
    groups (uv's, poetry's); "" for any other failure."""
    failure = failed.failure
    if not failure or failure.kind != "ModuleNotFoundError" or not repo.installer.startswith(("uv", "poetry")):
        return ""
    return normalized(failure.name.split(".")[0])


def providing_extra(failed: ImportFailed, repo: Repository) -> str:
    """The project's extra that alone installs a module the app imports and the image lacks (`cache = ["redis"]`);
    "" for none."""
    module = missing_distribution(failed, repo)
    project = pyproject(repo.root)
    extras = project.get("project", {}).get("optional-dependencies") or project.get("tool", {}).get("poetry", {}).get(
        "extras", {}
    )
    listed = (name for name, wanted in extras.items() if module in {normalized(requirement_name(r)) for r in wanted})
    return next(listed, "") if module else ""


def providing_group(failed: ImportFailed, repo: Repository) -> str:
    """The poetry group (not main) whose dependencies bring, through poetry.lock, a module the app imports and the image
    lacks: a runtime library kept among the dev ones (fastapi-cache2[redis] in a dev group, its redis imported by the
    app); "" for none. Its own poetry install, which installs every group not optional, had it."""
    module = missing_distribution(failed, repo)
    if not module or repo.installer != "poetry":
        return ""
    groups = pyproject(repo.root).get("tool", {}).get("poetry", {}).get("group", {})
    packages = {normalized(p["name"]): p for p in read_lock(repo.root, "poetry").get("package", [])}
    for name, group in ((n, g) for n, g in groups.items() if n not in repo.groups):  # one installed brought nothing
        declared = group.get("dependencies", {})
        wanted = [(normalized(n), spec.get("extras", []) if isinstance(spec, dict) else []) for n, spec in declared.items()]
        if module in reached(wanted, packages):
            return name
    return ""


def reached(wanted: list[tuple[str, list[str]]], packages: dict[str, dict]) -> set[str]:
    """The lock's packages these requirements (name, extras) install, theirs included, as poetry.lock records them."""
    seen: set[str] = set()
    while wanted:
        name, extras = wanted.pop()
        if name in seen or name not in packages:
            continue
        seen.add(name)
        package = packages[name]
        optional = {
            normalized(re.split(r"[\s(\[<>=!~;]", r, maxsplit=1)[0]) for e in extras for r in package.get("extras", {}).get(e, [])
        }
        for dependency, spec in package.get("dependencies", {}).items():
            needed = not (isinstance(spec, dict) and spec.get("optional")) or normalized(dependency) in optional
            wanted += [(normalized(dependency), spec.get("extras", []) if isinstance(spec, dict) else [])] if needed else []
    return seen
