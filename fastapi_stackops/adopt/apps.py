"""Where the FastAPI app is in the repository's code: a module-level instance, a factory, or the app a factory (or a
class's static or class method) builds, read as syntax trees."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from fastapi_stackops.adopt.app_wrappers import returns_it_wrapped
from fastapi_stackops.adopt.source import (
    holds_module,
    imports_itself,
    module_of,
    python_files,
    relative_at_top,
    src_is_a_package,
)
from fastapi_stackops.adopt.syntax import absolute_imports, calls, every_node, module_level, parsed


@dataclass(frozen=True)
class App:
    module: str  # lens.main
    attribute: str  # app, or the factory's name
    factory: bool
    source: str  # src/lens/main.py:12
    source_root: str  # "src" in a src layout, else ""

    @property
    def reference(self) -> str:
        return f"{self.module}:{self.attribute}" + (" (a factory)" if self.factory else "")

    @property
    def outside_source_root(self) -> bool:  # examples/app.py, served with src/ on its path too
        return bool(self.source_root) and not self.source.startswith(f"{self.source_root}/")

    @property
    def folder(self) -> str:
        """The folder of the app's file, from the root ("." at the top): app for app/main.py."""
        return str(PurePosixPath(self.source.split(":")[0]).parent)

    @property
    def top_level(self) -> str:
        """The folder or file to copy into the image: the app's top-level package (or module), where its file is; at
        the top (main.py beside database.py, or app.py of a folder served as its package), that file."""
        first, file = self.module.split(".")[0], self.source.rsplit(":", 1)[0]
        under = "" if self.outside_source_root else self.source_root
        if file == "/".join(filter(None, [under, f"{self.module.split('.')[-1]}.py"])):
            return file
        return "/".join(filter(None, [under, first]))


def apps_in(tree: ast.Module, module: str, source: str, source_root: str, kinds: set[str]) -> Iterator[App]:
    """The module's apps: an instance of FastAPI (or of a subclass in `kinds`) at module level, or a function returning one."""
    for node in module_level(tree.body, main=False):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and any(makes_or_asks(node.value, kind) for kind in kinds):
            for name in assigned(node):
                yield App(module, name, False, f"{source}:{node.lineno}", source_root)
        elif isinstance(node, ast.FunctionDef) and builds_one_of(node, kinds):
            yield App(module, node.name, True, f"{source}:{node.lineno}", source_root)


def builds_one_of(function: ast.FunctionDef, kinds: set[str]) -> bool:
    """Whether the function returns an app of one of `kinds`: it makes one, or is annotated to return one; not one
    annotated to return something else (`-> Injector`, which holds the app it makes)."""
    makes = any(calls(n, kind) for n in ast.walk(function) for kind in kinds) or returns_one_of(function, kinds)
    other = isinstance(function.returns, ast.Name) and function.returns.id not in {*kinds, "Any", "object"}
    held = other and not returns_it_wrapped(function, kinds)  # `-> Injector` holds the app; `-> Middleware` wraps it
    return makes and not held and any(isinstance(n, ast.Return) for n in ast.walk(function))


def makes_or_asks(node: ast.AST | None, kind: str) -> bool:
    """Whether the node makes an app of the kind, or asks a container for one by its class (`injector.get(FastAPI)`),
    or builds one in a chain of methods."""
    asks = isinstance(node, ast.Call) and any(isinstance(a, ast.Name) and a.id == kind for a in node.args)
    return node is not None and (calls(node, kind) or asks or built_in_a_chain(node, kind))


def built_in_a_chain(node: ast.AST, kind: str) -> bool:
    """Whether the node is a chain of methods on a builder given a new app (yxxjimin/fastapi-gym-crm's
    `AppBuilder(app=FastAPI(...)).add_middleware(...).build()`); a wrapper given one alone (`Mangum(FastAPI())`) is not."""
    chained = False
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node, chained = node.func.value, True
    given = [*node.args, *(k.value for k in node.keywords)] if isinstance(node, ast.Call) else []
    return chained and any(calls(g, kind) for g in given)


def method_factories(tree: ast.Module, kinds: set[str]) -> set[str]:
    """The names of a module-level class's methods that build the app (`AppBuilder.create_app()`, `Builder().build()`):
    not an entry Uvicorn can call, but what builds the module-level app that is one."""
    return {
        method.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for method in node.body
        if isinstance(method, ast.FunctionDef) and builds_one_of(method, kinds)
    }


def returns_one_of(function: ast.FunctionDef, kinds: set[str]) -> bool:
    """Whether the function is annotated to return one of `kinds` (`-> FastAPI`): a factory that only wraps another."""
    returned = function.returns
    name = getattr(returned, "id", None) or getattr(returned, "attr", None) or getattr(returned, "value", None)
    return isinstance(name, str) and name.strip("'\"") in kinds


def fastapi_kinds(trees: list[ast.Module]) -> set[str]:
    """FastAPI and the repository's own subclasses of it (`class Api(FastAPI)`, to any depth), by name."""
    bases = {
        node.name: {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
        for tree in trees
        for node in every_node(tree)
        if isinstance(node, ast.ClassDef)
    }
    kinds, grown = {"FastAPI"}, True
    while grown:
        found = {name for name, parents in bases.items() if parents & kinds}
        grown = not found <= kinds
        kinds |= found
    return kinds


def built_by_factories(
    tree: ast.Module, factories: dict[str, int | None], module: str, source: str, source_root: str, kinds: set[str]
) -> Iterator[App]:
    """Module-level instances a factory of the repository's builds (`app = create_application(settings)`, or `app, router
    = create_app()` from one that returns the app in a tuple), which win over calling the factory bare; a same-named
    function of the module's own that builds no app (a consumer's) is not one."""
    own = {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
    named = set(factories) - (own - {app.attribute for app in apps_in(tree, module, source, source_root, kinds)})
    for node in tree.body:
        factory = next((n for n in named if isinstance(node, ast.Assign | ast.AnnAssign) and calls(node.value, n)), "")
        target = node.targets[0] if factory and isinstance(node, ast.Assign) else None
        unpacked = [target.elts[factories[factory]]] if isinstance(target, ast.Tuple) and factories[factory] is not None else []
        for name in (assigned(node) if factory else []) + [t.id for t in unpacked if isinstance(t, ast.Name)]:
            yield App(module, name, False, f"{source}:{node.lineno}", source_root)


def wrappers_of(tree: ast.Module, apps: set[str], module: str, source: str, source_root: str) -> Iterator[App]:
    """Module-level ASGI wrappers of the module's own app, which is what it serves (`app = socketio.ASGIApp(sio,
    fast_app)`, `app = SentryAsgiMiddleware(api)`)."""
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Call) and not any(calls(value, kind) for kind in ("FastAPI", "APIRouter")):
            arguments = [*value.args, *(keyword.value for keyword in value.keywords)]
            if any(isinstance(argument, ast.Name) and argument.id in apps for argument in arguments):
                for name in assigned(node):
                    yield App(module, name, False, f"{source}:{node.lineno}", source_root)


def returned_at(function: ast.FunctionDef, kinds: set[str]) -> int | None:
    """Where in the tuple it returns a factory puts the app (`return app, router`: 0); None when it returns no tuple."""
    made = {
        t.id
        for a in ast.walk(function)
        if isinstance(a, ast.Assign) and any(calls(a.value, k) for k in kinds)
        for t in a.targets
        if isinstance(t, ast.Name)
    }
    for returned in (r.value for r in ast.walk(function) if isinstance(r, ast.Return) and isinstance(r.value, ast.Tuple)):
        found = [i for i, e in enumerate(returned.elts) if getattr(e, "id", None) in made or any(calls(e, k) for k in kinds)]
        if found:
            return found[0]
    return None


def apps_of_instances(trees: list[ast.Module], kinds: set[str]) -> dict[str, set[str]]:
    """Each class whose methods hold an app on the instance (`self.app = FastAPI(...)`): its name, and those attributes."""
    held: dict[str, set[str]] = {}
    for node in (n for tree in trees for n in tree.body if isinstance(n, ast.ClassDef)):
        for assignment in (n for n in ast.walk(node) if isinstance(n, ast.Assign) and any(calls(n.value, k) for k in kinds)):
            targets = [t for t in assignment.targets if isinstance(t, ast.Attribute) and getattr(t.value, "id", "") == "self"]
            held.setdefault(node.name, set()).update(target.attr for target in targets)
    return held


def held_by_instances(tree: ast.Module, held: dict[str, set[str]], module: str, source: str, source_root: str) -> Iterator[App]:
    """Module-level names bound to the app an instance holds: `app = AppCreator().app`, or `creator = AppCreator()` then
    `app = creator.app`."""
    instances: dict[str, str] = {}
    for node in (n for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None):
        value = node.value
        made = next((name for name in held if calls(value, name)), "")
        instances |= dict.fromkeys(assigned(node), made) if made else {}
        if isinstance(value, ast.Attribute):
            owner = value.value
            kind = next((name for name in held if calls(owner, name)), "") or instances.get(getattr(owner, "id", ""), "")
            if kind and value.attr in held[kind]:
                yield from (App(module, name, False, f"{source}:{node.lineno}", source_root) for name in assigned(node))


def assigned(node: ast.Assign | ast.AnnAssign) -> list[str]:
    """The names a module-level assignment binds: `app = ...`, `app = api = ...`, `app: FastAPI = ...`."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return [target.id for target in targets if isinstance(target, ast.Name)]


def served(trees: list[ast.Module]) -> set[str]:
    """The apps the code serves itself, by the string it gives uvicorn (`uvicorn.run("app.server:app", ...)`)."""
    named = set()
    for node in (n for tree in trees for n in every_node(tree) if calls(n, "run")):
        given = node.args[:1] + [k.value for k in node.keywords if k.arg == "app"]
        named |= {g.value for g in given if isinstance(g, ast.Constant) and isinstance(g.value, str) and ":" in g.value}
    return named


def find_apps(root: Path) -> list[App]:
    """Every FastAPI app (module-level instance or factory), the likeliest entry first."""
    trees, package_src = [], src_is_a_package(root)
    for path in python_files(root):
        tree = parsed(path)
        if tree is not None:
            module, source_root = module_of(path, root, package_src)
            trees.append((tree, module, str(path.relative_to(root)), source_root))
    kinds = fastapi_kinds([tree for tree, *_ in trees])
    found = []
    for tree, module, source, source_root in trees:
        own = list(apps_in(tree, module, source, source_root, kinds))
        plain = {app.attribute for app in own if not app.factory}
        found += own + (list(wrappers_of(tree, plain, module, source, source_root)) if plain else [])
    held = apps_of_instances([tree for tree, *_ in trees], kinds)
    for tree, module, source, source_root in trees if held else ():
        found += held_by_instances(tree, held, module, source, source_root)
    functions = {n.name: n for tree, *_ in trees for n in tree.body if isinstance(n, ast.FunctionDef)}
    factories = {
        app.attribute: returned_at(functions[app.attribute], kinds) if app.attribute in functions else None
        for app in found
        if app.factory
    }
    factories |= {name: None for tree, *_ in trees for name in method_factories(tree, kinds)}
    for tree, module, source, source_root in trees if factories else ():
        found += built_by_factories(tree, factories, module, source, source_root, kinds)

    # An app the code serves itself (`uvicorn.run("app.server:app")` in main.py, beside a bare app there) comes first.
    own = served([tree for tree, *_ in trees])

    def likelihood(app: App) -> tuple:
        named = f"{app.module}:{app.attribute}" in own
        return (not named, app.attribute != "app", not app.module.endswith(("main", "app")), app.module.count("."), app.factory)

    return sorted(found, key=likelihood)


def runs_from_its_folder(root: Path, app: App) -> App:
    """An app module that imports its neighbours as top-level modules (`from app import create_app` of src/app.py, `from
    core.config import x` of app/app/main.py), as a script run from its folder can, runs with that folder on its path.
    One in a package a folder down (todos/app/main.py) that imports that package by its own name (`from app.api`),
    as its pipeline's PYTHONPATH=todos lets it, is that package's module, with the folder on its path."""
    file = root / app.source.rsplit(":", 1)[0]
    folder, top = file.parent, file.relative_to(root).parts[0]
    base = root / app.source_root  # the top, or a src layout's src/, whose folders are run as scripts alike (src/api)
    tree = parsed(file) if folder != base and (not app.source_root or folder.parent == base) else None
    imported = [name for _, name in absolute_imports(tree)] if tree else []
    # A neighbour also imported through its folder's name (`from core.fastapi import x` beside `import fastapi` in
    # core/server.py) is not what the bare import means: that is the installed library.
    qualified = {name.split(".")[1] for name in imported if name.startswith(f"{folder.name}.")}
    script = folder.parent == base and file.stem != "__init__"  # a package's own module runs as the package
    for name in imported:
        first = name.split(".")[0]
        # Beside it, an alembic/ of migrations (its env.py) is alembic's scripts: `from alembic import command` is the library.
        scripts = first == "alembic" and (folder / first / "env.py").is_file()
        if holds_module(base, first) or holds_module(root, first) or first in qualified or scripts:
            continue
        # `import redis.asyncio` beside a redis.py of the app's own is the installed package: a file has no submodules.
        if script and holds_module(folder, first, package="." in name):  # under src/, named from its folder on
            nested = {"source_root": f"{app.source_root}/{folder.name}", "module": app.module.split(".", 1)[1]}
            return replace(app, **nested) if app.source_root else replace(app, source_root=folder.name)
        if app.module.startswith(f"{top}.{first}.") and holds_module(root / top, first):
            return replace(app, source_root=top, module=app.module.removeprefix(f"{top}."))
        if file.stem != "__init__" and holds_module(folder, first, package="." in name):
            return replace(app, source_root=folder.relative_to(root).as_posix(), module=file.stem)
    return app


def on_pytest_path(root: Path, project: dict, app: App) -> App:
    """An app outside src/ that imports the packages kept there runs with src/ on its path, as the repository's own
    pytest settings put it (`pythonpath = ["src"]`)."""
    listed = project.get("tool", {}).get("pytest", {}).get("ini_options", {}).get("pythonpath", [])
    folders = [str(f).strip("./") for f in ([listed] if isinstance(listed, str) else listed)]
    folder = next((f for f in folders if f and "/" not in f and (root / f).is_dir()), "")
    # Or one that imports a package only src/ holds (examples/app.py's `import keyshield` of src/keyshield/).
    outside = not app.source.startswith("src/") and (root / "src").is_dir()
    tree = parsed(root / app.source.rsplit(":", 1)[0]) if not folder and outside else None
    firsts = {name.split(".")[0] for _, name in absolute_imports(tree)} if tree else set()
    held = any(holds_module(root / "src", first) and not holds_module(root, first) for first in firsts)
    folder = folder or ("src" if held else "")
    return replace(app, source_root=folder) if folder and not app.source_root else app


def as_its_package(root: Path, app: App) -> App:
    """An app module at the top of a folder that is a package importing its neighbours relatively (`from .routers import
    x`): imported as that package's module (fitness_studio.app), as run from the folder above."""
    at_top = "/" not in app.source.rsplit(":", 1)[0] and not app.source_root
    return replace(app, module=f"{root.name}.{app.module}") if at_top and relative_at_top(root) and imports_itself(root) else app
