"""Modules of the repository's own that the app's imports name and the repository does not hold (a file never
committed, one renamed since): refused in one line before any build, where the built image would fail to import."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from fastapi_stackops.adopt.apps import App
from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.source import imported_names
from fastapi_stackops.adopt.syntax import parsed


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


def refuse_unheld_imports(root: Path, app: App) -> None:
    """Follows the app's module, and the repository's own modules it imports at their tops, for an import of a module
    the repository's own package does not hold; refuses the first in one line. Imports inside a function, a try or an
    if may never run, and are left alone."""
    roots = [root / app.source_root, root] if app.source_root else [root]
    packages = app.module.split(".")[:-1]  # importing shop.main runs shop/__init__.py first
    inits = [found for n in range(1, len(packages) + 1) if (found := held(roots, packages[:n])) and found.suffix == ".py"]
    queue = [root / app.source.rsplit(":", 1)[0], *inits]
    seen, top = set(queue), app.module.split(".")[0]
    while queue:
        path = queue.pop()
        for node in getattr(parsed(path), "body", ()):
            for parts in imported(node, path, roots) if isinstance(node, ast.Import | ast.ImportFrom) else ():
                if not own_top(roots, parts[0], top):
                    continue
                found = held(roots, parts)
                if found is None and is_a_name(node, parts):
                    continue
                if found is None:
                    refuse(root, path, node, parts, roots)
                if found and found.suffix == ".py" and found not in seen:
                    seen.add(found)
                    queue.append(found)


def is_a_name(node: ast.stmt, parts: list[str]) -> bool:
    """Whether these parts are `from x import name`'s x.name, which may be a name x defines rather than a module."""
    return isinstance(node, ast.ImportFrom) and parts[-1] in {alias.name for alias in node.names}


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
