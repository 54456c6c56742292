"""Modules the app's imports name that its image would not hold: the repository's own it does not hold (a file never
committed, one renamed since), and those only a folder around the service's holds (a monorepo's shared code). Refused
in one line before any build, where the built image would fail to import."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from fastapi_stackops.adopt.apps import App
from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.known_modules import DISTRIBUTION_OF
from fastapi_stackops.adopt.package_index import normalized
from fastapi_stackops.adopt.source import imported_names
from fastapi_stackops.adopt.syntax import parsed
from fastapi_stackops.repository import git_root


def held(roots: list[Path], parts: list[str]) -> Path | None:
    """What a module of the repository's is: its file (a package's __init__.py), the folder of a namespace package,
    or a file of another kind that builds it (`fast.pyx`); None when no root holds it."""
    for root in roots:
        base = root.joinpath(*parts)
        for found in (base / "__init__.py", base.with_name(f"{parts[-1]}.py")):
            if found.is_file():
                return found
        if base.is_dir() or any(base.parent.glob(f"{parts[-1]}.*")):
            return base
    return None


def package_of(path: Path, roots: list[Path]) -> list[str]:
    """The package a file is in, as parts, from the root it lies under: shop/routes/__init__.py is in shop.routes."""
    root = next(r for r in roots if path.is_relative_to(r))
    return list(path.relative_to(root).parent.parts)


def imported(node: ast.stmt, path: Path, roots: list[Path]) -> Iterator[list[str]]:
    """The modules a statement at a module's top imports, as parts; `from x import name` also gives x.name, which may
    be a submodule. Relative imports are resolved from the file's package."""
    if isinstance(node, ast.Import):
        yield from (alias.name.split(".") for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = package_of(path, roots)
        base = base[: len(base) - node.level + 1] if node.level else []
        module = base + (node.module.split(".") if node.module else [])
        if node.module:
            yield module
        yield from (module + [alias.name] for alias in node.names if alias.name != "*")


def own_top(roots: list[Path], name: str, app_top: str) -> bool:
    """Whether a top-level name is the repository's own: a regular package or module at a root, or the app's own
    namespace package (a folder without __init__.py loses to an installed package of its name)."""
    found = held(roots, [name])
    return found is not None and (found.suffix == ".py" or name == app_top)


def app_roots(root: Path, app: App) -> list[Path]:
    """Where the app's own modules are found: its source root (src/), then the repository's folder."""
    return [root / app.source_root, root] if app.source_root else [root]


def top_imports(root: Path, app: App) -> Iterator[tuple[Path, ast.stmt, list[str], bool, Path | None]]:
    """(file, statement, module's parts, whether it is the repository's own, what holds it) for each import at a
    module's top, from the app's module through the repository's own modules it imports so. Imports inside a function,
    a try or an if may never run, and are left out."""
    roots = app_roots(root, app)
    packages = app.module.split(".")[:-1]  # importing shop.main runs shop/__init__.py first
    inits = [found for n in range(1, len(packages) + 1) if (found := held(roots, packages[:n])) and found.suffix == ".py"]
    queue = [root / app.source.rsplit(":", 1)[0], *inits]
    seen, top = set(queue), app.module.split(".")[0]
    while queue:
        path = queue.pop()
        for node in getattr(parsed(path), "body", ()):
            for parts in imported(node, path, roots) if isinstance(node, ast.Import | ast.ImportFrom) else ():
                own = own_top(roots, parts[0], top)
                found = held(roots, parts) if own else None
                yield path, node, parts, own, found
                if found and found.suffix == ".py" and found not in seen:
                    seen.add(found)
                    queue.append(found)


def refuse_unheld_imports(root: Path, app: App) -> None:
    """Refuses, in one line, the first import at a module's top the app runs of a module the repository's own package
    does not hold."""
    for path, node, parts, own, found in top_imports(root, app):
        if own and found is None and not is_a_name(node, parts):
            refuse(root, path, node, parts, app_roots(root, app))


def refuse_imports_outside(root: Path, app: App, dependencies: tuple[str, ...]) -> None:
    """Refuses, in one line, an import at a module's top the app runs of a module that only a folder around the
    service's holds (a monorepo's ../../common, which its own Compose file mounted): the image is built from the
    service's folder alone (Filin153/FastAPI_auth: refused after a 90 s build). A dependency of that name wins."""
    outside, roots = around(root), app_roots(root, app)
    declared = {normalized(name) for name in dependencies}
    for path, node, parts, own, _ in top_imports(root, app) if outside else ():
        name = parts[0]
        # The service's own folder, which code run from the folder above imports itself as (`from backend.app import`)
        itself = outside.get(name) == f"../{root.resolve().name}"
        if own or itself or name not in outside or name in sys.stdlib_module_names or held(roots, [name]):
            continue
        if normalized(DISTRIBUTION_OF.get(name, name)) not in declared:  # PyJWT installs jwt
            raise NotAFastAPIRepository(
                f"{path.relative_to(root)} line {node.lineno} imports {name}, which lies outside the service's folder "
                f"({outside[name]}), and its image is built from that folder alone: run init from the folder that holds both"
            )


def around(root: Path) -> dict[str, str]:
    """The modules of the folders around a monorepo's service folder, up to the repository's top, the nearest first
    (internal/lib of internal/services/users: ../../lib); none when the service is the repository."""
    top, here = git_root(root), root.resolve()
    levels = len(here.relative_to(top).parts) if top and here.is_relative_to(top) else 0
    found: dict[str, str] = {}
    for depth in range(1, levels + 1):
        folder = here.parents[depth - 1]
        near = {p.stem: "../" * depth + p.name for p in folder.iterdir() if p.suffix == ".py" or importable_folder(p)}
        found = near | found
    return found


def importable_folder(path: Path) -> bool:
    """A package, or a namespace package: a folder with Python at its top or a level down (shared/contracts/*.py)."""
    return path.is_dir() and ((path / "__init__.py").is_file() or any(path.glob("*.py")) or any(path.glob("*/*.py")))


def is_a_name(node: ast.stmt, parts: list[str]) -> bool:
    """Whether these parts are `from x import name`'s x.name, which may be a name x defines rather than a module; x
    itself is none, though its last part be named alike (`from src.logs.logger import logger`)."""
    if not isinstance(node, ast.ImportFrom) or parts[-1] not in {alias.name for alias in node.names}:
        return False
    module = node.module.split(".") if node.module else []
    return parts[len(parts) - 1 - len(module) : -1] == module


def refuse(root: Path, path: Path, node: ast.stmt, parts: list[str], roots: list[Path]) -> None:
    """The refusal, when the deepest part of the module the repository holds is a package (a folder): its module
    was never committed. Under a module file instead (`import config.x` of config.py), Python's own error says more."""
    prefix = next(held(roots, parts[:n]) for n in range(len(parts) - 1, 0, -1) if held(roots, parts[:n]))
    if prefix.is_dir() or prefix.name == "__init__.py":
        module = ".".join(parts)
        raise NotAFastAPIRepository(
            f"{path.relative_to(root)} line {node.lineno} imports {module}, which the repository does not hold (no "
            f"{'/'.join(parts)}.py): fix the import, or commit the module"
        )


def refuse_missing_submodules(root: Path) -> None:
    """A git submodule the code imports (a name a top-level folder of the repository's would hold) that this checkout
    lacks: a clone leaves its folder empty (hardikambati/fastapi-order-payment-microservices' core/, shared by its
    services; the trial built, then failed on "No module named 'core'"). Refused before any build, saying how to
    fetch it."""
    top = next((folder for folder in checkout_folders(root) if (folder / ".gitmodules").is_file()), None)
    listed = SUBMODULE.findall((top / ".gitmodules").read_text(errors="replace")) if top else []
    missing = {}
    for path, url in listed:
        folder = top / path
        if folder.resolve().parent == root.resolve() and not (folder.is_dir() and any(folder.iterdir())):
            missing[folder.name] = (folder, url)
    imported = imported_names(root) if missing else set()
    for name, (folder, url) in missing.items():
        if name in imported:
            raise NotAFastAPIRepository(
                f"{folder.relative_to(root)}/, which the code imports, is a git submodule ({url}) this checkout lacks: "
                "run `git submodule update --init`, then init again"
            )


def checkout_folders(root: Path) -> list[Path]:
    """The folder and those above it, up to its checkout's top (the one holding .git) when it is in one."""
    folders = [root.resolve(), *root.resolve().parents]
    top = next((i for i, folder in enumerate(folders) if (folder / ".git").exists()), None)
    return folders[: top + 1] if top is not None else folders


#: A .gitmodules entry's path and url, in git's order.
SUBMODULE = re.compile(r"^\s*path\s*=\s*(\S+)\s*\n\s*url\s*=\s*(\S+)", re.M)
