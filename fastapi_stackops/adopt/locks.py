"""What a lock (uv.lock, poetry.lock) says the image installs: its main packages on Linux, their versions and files."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi_stackops.adopt.package_index import normalized
from fastapi_stackops.adopt.workspace import lock_file, read_toml


def main_packages(lock: dict, installer: str) -> set[str] | None:
    """The packages the image installs (the main group, not dev), as the lock says; None when it cannot say."""
    packages = lock.get("package", [])
    if installer == "poetry":
        return {
            normalized(p["name"]) for p in packages if p.get("category", "main") == "main" and "main" in p.get("groups", ["main"])
        }
    roots = [p for p in packages if isinstance(p.get("source"), dict) and set(p["source"]) & {"editable", "virtual"}]
    if len(roots) != 1:
        return None
    by_name, seen = {normalized(p["name"]): p for p in packages}, set()
    wanted = [(normalized(d["name"]), tuple(d.get("extra", ()))) for d in roots[0].get("dependencies", []) if on_linux(d)]
    while wanted:  # uv installs the project's dependencies and theirs, with the extras asked for (psycopg[c]); no dev group
        name, extras = wanted.pop()
        if (name, extras) in seen or name not in by_name:
            continue
        seen.add((name, extras))
        optional = by_name[name].get("optional-dependencies", {})
        needed = by_name[name].get("dependencies", []) + [d for extra in extras for d in optional.get(extra, [])]
        wanted += [(normalized(d["name"]), tuple(d.get("extra", ()))) for d in needed if on_linux(d)]
    return {name for name, _ in seen}


#: A marker that holds on another system only (`sys_platform == 'win32'`, `platform_system == "Darwin"`, `os_name == 'nt'`).
OTHER_SYSTEM = re.compile(
    r"""(sys_platform\s*==\s*['"](win32|darwin|cygwin)|platform_system\s*==\s*['"](Windows|Darwin)|sys_platform\s*!=\s*['"]linux"""
    r"""|os_name\s*==\s*['"]nt)['"]"""
)


def on_linux(dependency: dict) -> bool:
    """Whether a lock's dependency installs on Linux: its marker, if any, names no other system alone (psycopg-binary
    for Windows only, beside a psycopg that then loads libpq)."""
    marker = dependency.get("marker", "")
    return not (OTHER_SYSTEM.search(marker) and " or " not in marker)


def read_lock(root: Path, installer: str) -> dict:
    """uv.lock (a workspace member's is at the workspace's root) or poetry.lock, parsed."""
    return read_toml(lock_file(root, "uv.lock" if installer == "uv" else "poetry.lock"))


def locked_python(root: Path) -> tuple[str, str]:
    """The Python a uv.lock was resolved for, from its head (`requires-python = ">=3.12"`), and where it is said; ("", "")
    for none. A project whose pyproject.toml names no Python still locks for one (uv asks .python-version)."""
    lock = lock_file(root, "uv.lock")
    found = re.search(r'^requires-python = "([^"]+)"', lock.read_text()[:2000], re.M) if lock.is_file() else None
    return (found[1], "uv.lock's requires-python") if found else ("", "")


def locked_version(root: Path, installer: str, name: str) -> str:
    """The version the lock pins a package at, in any group; "" when it has none."""
    lock = read_lock(root, installer)
    return next((str(p["version"]) for p in lock.get("package", []) if normalized(p["name"]) == name), "")


def locked_files(root: Path, installer: str) -> dict[tuple[str, str], list[str]]:
    """(name, version) -> file names of the packages the image installs, as uv.lock and poetry.lock record them (poetry's
    lock format 1.1 lists them apart, under [metadata.files])."""
    lock = read_lock(root, installer)
    main, listed_apart = main_packages(lock, installer), lock.get("metadata", {}).get("files", {})
    files = {}
    for package in lock.get("package", []):
        name = normalized(package["name"])
        if isinstance(package.get("source"), dict) and set(package["source"]) & {"editable", "virtual", "directory"}:
            continue  # the project itself
        if main is not None and name not in main:
            continue
        names = [w.get("url", w.get("filename", "")) for w in package.get("wheels", [])]
        names += [sdist.get("url", "") for sdist in [package.get("sdist", {})] if sdist]
        names += [f.get("file", "") for f in package.get("files", []) or listed_apart.get(package["name"], [])]
        files[(name, str(package["version"]))] = [n.rsplit("/", 1)[-1] for n in names if n]
    return files


def brought_by(root: Path, dependencies: tuple[str, ...], wanted: set[str]) -> tuple[str, ...]:
    """Which of `wanted` the app's own dependencies require themselves, as uv.lock or poetry.lock records them (asyncpg,
    under a wrapper of it such as asyncpgsa): an installed package the app uses through its dependency."""
    found = []
    for installer in (i for i in ("uv", "poetry") if lock_file(root, f"{i}.lock").is_file()):
        by_name = {normalized(p["name"]): p for p in read_lock(root, installer).get("package", [])}
        for package in (by_name[d] for d in dependencies if d in by_name):
            required = package.get("dependencies", {})  # poetry's: a table by name; uv's: a list of {name = ...}
            names = [d["name"] for d in required] if isinstance(required, list) else list(required)
            found += [normalized(n) for n in names if normalized(n) in wanted and normalized(n) not in found]
    return tuple(found)
