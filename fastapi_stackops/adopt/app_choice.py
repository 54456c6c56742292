"""Which app init serves: the likeliest the code makes, else one known by what the code does with it; or a one-line
refusal saying what was looked for. An app known by its use is a module-level name bound to what a call returns (a
dependency-injection container's provider, `app = container.app()`) that the module then uses as only an application
is used (`app.add_middleware(...)`, `@app.exception_handler(...)`), which a router cannot be."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from fastapi_stackops.adopt.apps import App, assigned, find_apps
from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.source import (
    conflict_marker,
    import_case_mismatch,
    module_of,
    python_files,
    src_is_a_package,
)
from fastapi_stackops.adopt.syntax import calls, every_node, parsed
from fastapi_stackops.adopt.wheels import text_of

#: What only an application has (Starlette's and FastAPI's), and no APIRouter: its middleware and its error handlers.
APPLICATION_ONLY = frozenset({"add_middleware", "exception_handler", "add_exception_handler", "middleware"})


def used_as_an_app(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """(name, line) of each module-level name bound to a call's result (no router's) that the module uses as an app."""
    bound = {
        name: node.lineno
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and not calls(node.value, "APIRouter")
        for name in assigned(node)
    }
    methods = (n.func for n in every_node(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute))
    used = {m.value.id for m in methods if m.attr in APPLICATION_ONLY and isinstance(m.value, ast.Name)}
    yield from ((name, line) for name, line in bound.items() if name in used)


def apps_by_use(root: Path) -> list[App]:
    """Every app known by its use in a module that imports FastAPI or Starlette, `app` first, the shallowest first."""
    found, package_src = [], src_is_a_package(root)
    for path in (p for p in python_files(root) if "fastapi" in text_of(p) or "starlette" in text_of(p)):
        tree = parsed(path)
        module, source_root = module_of(path, root, package_src)
        source = str(path.relative_to(root))
        found += (
            [App(module, name, False, f"{source}:{line}", source_root) for name, line in used_as_an_app(tree)] if tree else []
        )
    return sorted(found, key=lambda app: (app.attribute != "app", app.module.count(".")))


def the_app(root: Path) -> App:
    """The likeliest FastAPI app, or NotAFastAPIRepository saying what was looked for and where (or that a
    merge-conflict marker keeps the code from being read)."""
    if conflict_marker(root):
        raise NotAFastAPIRepository(
            f"{root}: {conflict_marker(root)} holds a merge-conflict marker: resolve the conflict and commit"
        )
    mismatch = import_case_mismatch(root)
    if mismatch:
        raise NotAFastAPIRepository(
            f"{root}: {mismatch}: the names differ in case, which Linux (the image's) does not ignore; rename one to match"
        )
    apps = find_apps(root) or apps_by_use(root)
    if apps:
        return apps[0]
    if inside := built_inside(root):  # --app names a module's attribute: there is none to name
        raise NotAFastAPIRepository(
            f"{root}: the FastAPI app is built in {inside}, and no module-level name holds it: bind it to one in a module "
            "(app = ...), and init finds it; --app can name only a module's attribute"
        )
    raise NotAFastAPIRepository(
        f"{root}: no FastAPI app found (looked for `= FastAPI(` at module level, or a function returning one, "
        "in the .py files outside tests and virtual environments); name it with --app module:attribute"
    )


def built_inside(root: Path) -> str:
    """Where the code makes a FastAPI app in a function or method that neither returns it nor leaves it to a module-level
    name (`self._app = FastAPI()` in a server class, run by a start script): "Server._app (src/server.py:38)", or ""."""
    for path in python_files(root):
        tree = parsed(path)
        for outer in (
            n for n in (tree.body if tree else []) if isinstance(n, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        ):
            for inner in [outer, *(n for n in outer.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))]:
                made = next((n for n in ast.walk(inner) if calls(n, "FastAPI")), None)
                if made and inner is not outer:
                    return f"{outer.name}.{inner.name} ({path.relative_to(root)}:{made.lineno})"
                if made and not isinstance(outer, ast.ClassDef):
                    return f"{outer.name} ({path.relative_to(root)}:{made.lineno})"
    return ""
