"""What the repository's Python says, read as syntax trees: its files and modules, what it imports."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from fastapi_stackops.adopt.package_index import normalized
from fastapi_stackops.adopt.syntax import absolute_imports, calls, every_node, parsed, template_text

#: Folders of no code of the repository's own: environments, dependencies, builds. An installed package is none,
#: whatever its environment's name (a virtual environment committed as FastApi/ holds lib/python3.12/site-packages).
ENVIRONMENTS = frozenset({".git", ".venv", "venv", "env", ".tox", "node_modules", "site-packages", "dist-packages", "build"})
#: Folders that hold no application code: those, tests, migrations, build output.
SKIPPED = {*ENVIRONMENTS, "tests", "test", "migrations", "alembic", "dist"}
#: A folder of tests by its name: tests_e2e, integration_tests.
TESTS = re.compile(r"tests?_\w+|\w+_tests?")


@lru_cache(maxsize=4096)
def is_package(folder: Path) -> bool:
    return (folder / "__init__.py").is_file()


def python_files(root: Path, pattern: str = "*.py", skipped: frozenset[str] | set[str] = SKIPPED) -> Iterator[Path]:
    """The repository's own files of that pattern: no tests, nothing under a dot folder or an environment (nor its
    migrations, unless `skipped` keeps them); a folder named as a module (`dependecies.py/`) is none."""
    for path in sorted(root.rglob(pattern)):
        parts = path.relative_to(root).parts
        folders = [(part, root.joinpath(*parts[: i + 1])) for i, part in enumerate(parts[:-1])]
        # A package of the code's own named as an environment (backend/env/config.py beside its __init__.py) is code.
        left = [p for p, folder in folders if p in skipped and not (p in ("env", "venv") and is_package(folder))]
        folders_kept = not left and not any(part.startswith(".") or TESTS.fullmatch(part) for part in parts[:-1])
        module = path.suffix != ".py" or path.is_file()
        if folders_kept and module and not parts[-1].startswith("test") and parts[-1] != "conftest.py":
            yield path


def suite_files(root: Path) -> Iterator[Path]:
    """The repository's test modules: under a tests/ or test/ folder, test_*.py, conftest.py; its image runs them on
    the app's Python too."""
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        suite = {"tests", "test"} & set(parts[:-1]) or parts[-1].startswith("test") or parts[-1] == "conftest.py"
        if suite and not ENVIRONMENTS & set(parts[:-1]) and path.is_file():
            yield path


#: Code that imports a module named in a string, and the strings such code may import (`"config.Production"`).
DYNAMIC_IMPORTS = ("__import__", "importlib.import_module", "import_module")
DOTTED_NAME = re.compile(r"^[a-z_]\w*(\.[A-Za-z_]\w*)+$")


def imported_names(root: Path, package: str = "", skipped: frozenset[str] | set[str] = SKIPPED) -> set[str]:
    """The first name of every module the repository's code imports (`from core.db import x` gives core), its
    migrations' too unless `skipped` leaves them out; within the `package` the code imports itself as, the name after it
    (`from api.config import x` gives config, in api/)."""
    names, dotted, dynamic = set(), set(), False
    for path in python_files(root, skipped=skipped):
        tree, depth = parsed(path), len(path.relative_to(root).parts) - 1
        for node in every_node(tree) if tree else ():
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED_NAME.match(node.value):
                dotted.add(node.value.split(".")[0])
            if isinstance(node, ast.Call) and ast.unparse(node.func) in DYNAMIC_IMPORTS and node.args:
                dynamic, named = True, node.args[0]
                names |= (
                    {named.value.split(".")[0]} if isinstance(named, ast.Constant) and isinstance(named.value, str) else set()
                )
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and package and node.level == depth + 1:  # from .config (api/main.py)
                modules = [f"{package}.{node.module or alias.name}" for alias in node.names]
            else:
                continue
            names |= {m.split(".")[1 if package and m.startswith(f"{package}.") else 0] for m in modules}
    return names | (dotted if dynamic else set())  # `__import__("config")` of `os.getenv("CONFIG", "config.Production")`


def written_strings(root: Path) -> Iterator[tuple[str, str]]:
    """Each string the repository's code writes (an f-string's literal parts too), and where: "path line N"."""
    for path in python_files(root):
        tree = parsed(path)
        for node in every_node(tree) if tree else ():
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield node.value, f"{path.relative_to(root)} line {node.lineno}"


def written_templates(root: Path) -> Iterator[tuple[str, str]]:
    """Each f-string the repository's code writes, its fields as NUL (`f"amqp://guest@{host}//"`), and where."""
    for path in python_files(root):
        tree = parsed(path)
        for node in (n for n in every_node(tree) if isinstance(n, ast.JoinedStr)) if tree else ():
            yield template_text(node), f"{path.relative_to(root)} line {node.lineno}"


def string_constants(root: Path) -> set[str]:
    """Every string the repository's code writes (a file it opens, 'config.ini'; a variable's name)."""
    return {value for value, _ in written_strings(root)}


#: Code that makes an async SQLAlchemy engine, or opens its sessions (a library making the engine: alchemynger's
#: AsyncManager): its database URL then names an async driver.
ASYNC_ENGINE = re.compile(
    r"\b(create_async_engine|async_engine_from_config|async_sessionmaker)\b|\bAsyncEngine\(|\bAsyncSession\b"
)
SYNC_ENGINE = re.compile(r"\bcreate_engine\(")
#: The calls that make a SQLAlchemy engine, and whether it is async.
ENGINE_CALLS = {"create_engine": False, "create_async_engine": True, "AsyncEngine": True}  # SQLModel wraps a sync one


def made_engines(root: Path, url_field: str = "") -> tuple[bool, bool]:
    """Whether the code makes an async SQLAlchemy engine (its database URL then names an async driver), and a sync
    one; where it makes both and the engines given the settings' URL field by name are of one kind
    (`create_engine(url=settings.database_url)` beside an async one of another URL), that kind alone."""
    texts = [path.read_text(errors="replace") for path in python_files(root)]
    made = any(ASYNC_ENGINE.search(t) for t in texts), any(SYNC_ENGINE.search(t) for t in texts)
    if not (all(made) and url_field):
        return made
    trees = [tree for tree in map(parsed, python_files(root)) if tree]
    reading = {
        is_async
        for tree in trees
        for node in every_node(tree)
        for name, is_async in ENGINE_CALLS.items()
        if calls(node, name) and url_field.lower() in ast.unparse(node).lower()
    }
    return (reading == {True}, reading == {False}) if len(reading) == 1 else made


def imports_itself(root: Path) -> str:
    """The folder's own name when its code imports itself as a package of that name (`from api.routers import x` in
    api/main.py: it runs from the parent folder), "" otherwise; a folder named like a library it imports (redis/) is not."""
    name = root.name
    if not name.isidentifier() or (root / name).exists() or (root / f"{name}.py").exists():
        return ""
    if relative_at_top(root):
        return name
    for path in python_files(root):
        tree = parsed(path)
        for node in every_node(tree) if tree else ():
            if isinstance(node, ast.ImportFrom) and not node.level and node.module and node.module.split(".")[0] == name:
                inner = node.module.split(".")[1:2] or [alias.name for alias in node.names]
                if inner and ((root / inner[0]).is_dir() or (root / f"{inner[0]}.py").is_file()):
                    return name
    return ""


def relative_at_top(root: Path) -> bool:
    """Whether the folder is a package whose own top-level modules import their neighbours relatively (`from .database
    import db` in app.py): its code runs only as that package, imported from the folder above."""
    trees = [parsed(path) for path in root.glob("*.py")] if (root / "__init__.py").is_file() else []
    return any(isinstance(node, ast.ImportFrom) and node.level for tree in trees if tree for node in tree.body)


def conflict_marker(root: Path) -> str:
    """Where the code holds a merge-conflict marker ("app/main.py line 12"; "" for nowhere): no Python imports it."""
    for path in python_files(root):
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if line.startswith(("<<<<<<< ", ">>>>>>> ")) or line in ("<<<<<<<", ">>>>>>>"):
                return f"{path.relative_to(root)} line {number}"
    return ""


def import_case_mismatch(root: Path) -> str:
    """Where the code imports one of its own modules by a name that differs from its file's or folder's only in case
    (`app.middlewares` of app/Middlewares/): macOS and Windows find it, Linux (the image's) does not; "" for nowhere."""
    for path in python_files(root):
        tree = parsed(path)
        for node, name in absolute_imports(tree) if tree else ():
            held = next(filter(None, (held_in_another_case(base, name.split(".")) for base in (root, root / "src"))), "")
            if held:
                return f"{path.relative_to(root)} line {node.lineno} imports {name}, but the repository holds {held}"
    return ""


def held_in_another_case(base: Path, parts: list[str]) -> str:
    """The file or folder below `base` a dotted name reaches only when case is ignored; "" when it reaches one exactly,
    or when its first part is no module of the repository's."""
    folder = base
    for depth, part in enumerate(parts):
        if (folder / part).is_dir() or (folder / f"{part}.py").is_file():
            folder = folder / part
            continue
        if depth == 0 or not folder.is_dir():
            return ""
        twin = next((c for c in folder.iterdir() if c.name.lower() in (part.lower(), f"{part.lower()}.py")), None)
        return twin.relative_to(base).as_posix() if twin else ""
    return ""


def src_is_a_package(root: Path) -> bool:
    """Whether src/ is a package the code runs as `src.app:app`, not a src layout's source root: it has an __init__.py,
    the code imports `src.` by name, or a module directly in it imports relatively (`from .routers import x`), which only
    a package's module can."""
    if (root / "src" / "__init__.py").is_file() or "src" in imported_names(root):
        return True
    trees = (parsed(path) for path in sorted((root / "src").glob("*.py")))
    return any(isinstance(n, ast.ImportFrom) and n.level for tree in trees if tree for n in every_node(tree))


def src_packages_by_name(root: Path) -> bool:
    """Whether code that runs src/ as a package imports a package in it by that package's own name too (`from
    fastapi_voting.app import x` beside `from src.fastapi_voting.app import y`, as its editable install lets it); its
    migrations count, which run in the image too (AlirezaGhgh021/fastapi-jobboard's env.py)."""
    names = imported_names(root, skipped=SKIPPED - {"migrations", "alembic"}) if src_is_a_package(root) else set()
    return any(holds_module(root / "src", name, package=True) and not holds_module(root, name) for name in names)


def holds_module(folder: Path, name: str, package: bool = False) -> bool:
    """Whether the folder holds that module: a package, or (unless a package is asked for) a file."""
    return (folder / name).is_dir() or (not package and (folder / f"{name}.py").is_file())


def module_of(path: Path, root: Path, package_src: bool = False) -> tuple[str, str]:
    """(dotted module, source root) of a file: src/lens/main.py is lens.main under src, or src.lens.main when src/ is a
    package (`package_src`)."""
    relative = path.relative_to(root)
    source_root = "src" if relative.parts[0] == "src" and not package_src else ""
    parts = list(relative.parts[1:] if source_root else relative.parts)
    parts[-1] = parts[-1].removesuffix(".py")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts), source_root


def needs_lazy_annotations(root: Path) -> str:
    """Where the code annotates with its own class inside that class (`def check(self) -> Settings`, `parent: Node`),
    unquoted and without `from __future__ import annotations`: a NameError at import before Python 3.14, which
    evaluates annotations lazily. "file:line", or "" when nowhere."""
    for path in python_files(root):
        tree = parsed(path)
        future = any(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in tree.body) if tree else True
        for cls in [] if future else [n for n in every_node(tree) if isinstance(n, ast.ClassDef)]:
            for member in cls.body:
                if any(isinstance(n, ast.Name) and n.id == cls.name for a in annotations_of(member) for n in ast.walk(a)):
                    return f"{path.relative_to(root)}:{member.lineno}"
    return ""


def annotations_of(member: ast.stmt) -> list[ast.expr]:
    """The annotations a class body evaluates as it runs: its fields' and its methods' signatures."""
    if isinstance(member, ast.AnnAssign):
        return [member.annotation]
    if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
        arguments = member.args.posonlyargs + member.args.args + member.args.kwonlyargs
        return [a for a in [member.returns, *(argument.annotation for argument in arguments)] if a is not None]
    return []


#: A URL at this machine's own address: inside a container, that is the container itself.
#: A URL at this machine itself: a developer's own server, or a CI job's service container (`services: postgres`).
AT_LOCALHOST = re.compile(r"^(?P<scheme>[a-z][a-z0-9+]*)://([^@/]*@)?(localhost|127\.0\.0\.1)(:\d+)?(/|$)", re.I)
#: This machine, as a host is written: in a container, the container itself.
LOCAL_HOSTS = ("localhost", "127.0.0.1")
#: Reads of a distribution's metadata (importlib.metadata's, its backport's, pkg_resources'), by the function's name.
METADATA_READS = ("version", "metadata", "distribution", "get_distribution")
#: A module that reads installed metadata: `import importlib.metadata`, `from importlib import metadata`, the backport.
METADATA_LIBRARIES = re.compile(r"importlib(\.| import )metadata|importlib_metadata|pkg_resources")


def own_distribution(root: Path, project: dict) -> str:
    """The name and version under which the code reads its own distribution's metadata (`version(__package__)`,
    `version("todo-api")`), which only an install of the project writes; "" when it reads none. The version is the
    one pyproject.toml gives, else 0.0.0 (one a build computes from git, which an image has not)."""
    name = project.get("project", {}).get("name") or project.get("tool", {}).get("poetry", {}).get("name") or ""
    version = project.get("project", {}).get("version") or project.get("tool", {}).get("poetry", {}).get("version")
    for path in python_files(root):
        text = path.read_text(errors="replace")
        tree = parsed(path) if METADATA_LIBRARIES.search(text) else None
        parts = path.relative_to(root).parts
        package = (parts[1:] if parts[0] == "src" else parts)[:-1]  # what __package__ starts with; () at the top
        for node in every_node(tree) if tree else ():
            if isinstance(node, ast.Call) and node.args and ast.unparse(node.func).rsplit(".", 1)[-1] in METADATA_READS:
                asked = node.args[0]
                if isinstance(asked, ast.Name) and asked.id in ("__package__", "__name__") and package:
                    return f"{package[0]} {version or '0.0.0'}"
                if isinstance(asked, ast.Constant) and name and normalized(str(asked.value)) == normalized(name):
                    return f"{asked.value} {version or '0.0.0'}"
    return ""


def never_imported(
    root: Path, dependencies: tuple[str, ...], names: tuple[str, ...] = ("sqlalchemy", "sqlmodel")
) -> tuple[str, ...]:
    """Those of `names` the project declares and its code never imports: a Tortoise app's leftover SQLAlchemy."""
    declared = [name for name in names if name in dependencies]
    imported = imported_names(root) if declared else set()
    return tuple(name for name in declared if name not in imported)
