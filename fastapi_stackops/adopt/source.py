"""What the repository's Python says, read as syntax trees: the FastAPI app, its pydantic settings, a worker."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Folders that hold no application code: environments, tests, migrations, build output.
SKIPPED = {".git", ".venv", "venv", "env", ".tox", "node_modules", "tests", "test", "migrations", "alembic", "build", "dist"}
DATABASE_FIELD = re.compile(r"(database|db|sqlalchemy_database)_(url|uri|dsn)$|^dsn$", re.I)
#: A database given in parts (POSTGRES_SERVER, PG_PORT, DB_USER, ...): the part each names.
DATABASE_PART = re.compile(
    r"^(?:pg|postgres|postgresql|db|database)_?"
    r"(?:(?P<host>host|server)|(?P<port>port)|(?P<user>user|username)|(?P<password>password|pass)|(?P<name>db|name))$",
    re.I,
)


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
    def top_level(self) -> str:
        """The folder or file to copy into the image: the app's top-level package (or module)."""
        first = self.module.split(".")[0]
        return "/".join(filter(None, [self.source_root, first]))


@dataclass(frozen=True)
class SettingField:
    name: str
    default: str | None  # None: the app cannot start without it


@dataclass(frozen=True)
class Settings:
    class_name: str
    prefix: str
    fields: tuple[SettingField, ...]
    source: str

    def variable(self, name: str) -> str:
        return f"{self.prefix}{name}".upper()

    @property
    def database(self) -> SettingField | None:
        return next((f for f in self.fields if DATABASE_FIELD.search(f.name)), None)

    @property
    def database_default(self) -> str:
        return (self.database.default or "") if self.database else ""

    @property
    def database_parts(self) -> dict[str, str]:
        """Field name -> the part of the database it names (host, port, user, password, name), when no URL field does."""
        if self.database:
            return {}
        matched = {f.name: DATABASE_PART.match(f.name) for f in self.fields}
        return {name: m.lastgroup for name, m in matched.items() if m and m.lastgroup}

    @property
    def required(self) -> list[SettingField]:
        return [f for f in self.fields if f.default is None]

    @property
    def summary(self) -> str:
        prefix = f"prefix {self.prefix}" if self.prefix else "no prefix"
        return f"{self.class_name}, {prefix}, {len(self.fields)} fields, {len(self.required)} without a default"


@dataclass(frozen=True)
class Worker:
    command: str
    source: str


def python_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if not any(part in SKIPPED or part.startswith(".") for part in parts[:-1]) and not parts[-1].startswith("test"):
            yield path


def imported_names(root: Path) -> set[str]:
    """The first name of every module the repository's code imports (`from core.db import x` gives core)."""
    names = set()
    for path in python_files(root):
        tree = parsed(path)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def module_of(path: Path, root: Path) -> tuple[str, str]:
    """(dotted module, source root) of a file: src/lens/main.py is lens.main under src."""
    relative = path.relative_to(root)
    source_root = "src" if relative.parts[0] == "src" else ""
    parts = list(relative.parts[1:] if source_root else relative.parts)
    parts[-1] = parts[-1].removesuffix(".py")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts), source_root


def parsed(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(errors="replace"))
    except SyntaxError:
        return None


def calls(node: ast.AST, name: str) -> bool:
    """Whether the node is a call of `name` (or of `something.name`)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == name) or (isinstance(func, ast.Attribute) and func.attr == name)


def apps_in(tree: ast.Module, module: str, source: str, source_root: str) -> Iterator[App]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and calls(node.value, "FastAPI"):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield App(module, target.id, False, f"{source}:{node.lineno}", source_root)
        elif isinstance(node, ast.FunctionDef) and any(calls(n, "FastAPI") for n in ast.walk(node)):
            if any(isinstance(n, ast.Return) for n in ast.walk(node)):
                yield App(module, node.name, True, f"{source}:{node.lineno}", source_root)


def find_apps(root: Path) -> list[App]:
    """Every FastAPI app (module-level instance or factory), the likeliest entry first."""
    found = []
    for path in python_files(root):
        tree = parsed(path)
        if tree is not None:
            module, source_root = module_of(path, root)
            found += apps_in(tree, module, str(path.relative_to(root)), source_root)

    def likelihood(app: App) -> tuple:
        return (app.attribute != "app", not app.module.endswith(("main", "app")), app.module.count("."), app.factory)

    return sorted(found, key=likelihood)


def constant_text(node: ast.AST | None) -> str | None:
    """The text of a literal default; None for a required field (no default, `...`, Field() without one)."""
    if node is None or (isinstance(node, ast.Constant) and node.value is Ellipsis):
        return None
    if calls(node, "Field"):
        keywords = {k.arg: k.value for k in node.keywords}
        if "default_factory" in keywords:
            return ""
        return constant_text(keywords.get("default") or (node.args[0] if node.args else None))
    if isinstance(node, ast.Constant):
        return "" if node.value is None else str(node.value)
    return ""  # an expression: a default the app computes


def settings_prefix(body: list[ast.stmt]) -> str:
    """env_prefix from `model_config = SettingsConfigDict(...)` (pydantic-settings 2) or `class Config` (1)."""
    for node in body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "model_config" for t in node.targets):
            if isinstance(node.value, ast.Call):
                for keyword in node.value.keywords:
                    if keyword.arg == "env_prefix" and isinstance(keyword.value, ast.Constant):
                        return str(keyword.value.value)
        if isinstance(node, ast.ClassDef) and node.name == "Config":
            for item in node.body:
                if isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "env_prefix" for t in item.targets):
                    return str(getattr(item.value, "value", ""))
    return ""


ENVIRONMENT_CALLS = ("os.getenv", "os.environ.get", "getenv")


def environment_read(node: ast.AST, readers: frozenset[str] = frozenset()) -> SettingField | None:
    """`os.getenv("X", default)`, `os.environ.get("X", default)`, `os.environ["X"]`, or a call of one of the module's
    own `readers` (a function that looks its first argument up in the environment): the variable and its default."""
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
        name = constant_text(node.slice)
        return SettingField(name, None) if name else None
    if isinstance(node, ast.Call) and node.args and ast.unparse(node.func) in (*ENVIRONMENT_CALLS, *readers):
        name = constant_text(node.args[0])
        # getenv without a default gives None, not a crash; a reader without one is taken to insist.
        missing = "" if ast.unparse(node.func) in ENVIRONMENT_CALLS else None
        default = constant_text(node.args[1]) if len(node.args) > 1 else missing
        return SettingField(name, default) if name else None
    return None


def environment_key(node: ast.AST) -> ast.AST | None:
    """What `os.environ[key]`, `os.getenv(key)` or `os.environ.get(key)` looks up; None for anything else."""
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
        return node.slice
    if isinstance(node, ast.Call) and node.args and ast.unparse(node.func) in ENVIRONMENT_CALLS:
        return node.args[0]
    return None


def environment_readers(tree: ast.Module) -> frozenset[str]:
    """The module's functions that look their first parameter up in the environment (`get_env_var(key, default)`)."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.args.args:
            key = node.args.args[0].arg
            if any(isinstance(k := environment_key(inner), ast.Name) and k.id == key for inner in ast.walk(node)):
                found.add(node.name)
    return frozenset(found)


def environment_settings(root: Path) -> Settings | None:
    """Variables the code reads straight from the environment, as settings with no prefix: the file that reads the most."""
    best = None
    for path in python_files(root):
        tree = parsed(path)
        readers = environment_readers(tree) if tree else frozenset()
        reads = {f.name: f for f in (environment_read(n, readers) for n in (ast.walk(tree) if tree else ())) if f}
        if reads and (best is None or len(reads) > len(best.fields)):
            best = Settings("os.environ reads", "", tuple(reads.values()), str(path.relative_to(root)))
    return best


def find_settings(root: Path) -> Settings | None:
    """The pydantic-settings class that holds the database URL, else the first one, else the environment reads."""
    found = []
    for path in python_files(root):
        tree = parsed(path)
        for node in ast.walk(tree) if tree else ():
            bases = [getattr(b, "id", getattr(b, "attr", "")) for b in getattr(node, "bases", [])]
            if isinstance(node, ast.ClassDef) and "BaseSettings" in bases:
                fields = tuple(
                    SettingField(item.target.id, constant_text(item.value))
                    for item in node.body
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.target.id != "model_config"
                )
                found.append(Settings(node.name, settings_prefix(node.body), fields, f"{path.relative_to(root)}:{node.lineno}"))
    found.append(environment_settings(root))
    return next((s for s in found if s and s.database), found[0])


def find_worker(root: Path, dependencies: tuple[str, ...]) -> Worker | None:
    """An arq WorkerSettings class, or a Celery app: the command that runs the worker."""
    for path in python_files(root) if {"arq", "celery"} & set(dependencies) else ():
        tree = parsed(path)
        module, _ = module_of(path, root)
        for node in tree.body if tree else ():
            assigned = {
                t.id for n in getattr(node, "body", []) if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
            }
            if "arq" in dependencies and isinstance(node, ast.ClassDef) and "functions" in assigned:
                return Worker(f"arq {module}.{node.name}", f"{path.relative_to(root)}:{node.lineno}")
            if "celery" in dependencies and isinstance(node, ast.Assign) and calls(node.value, "Celery"):
                return Worker(f"celery -A {module} worker --loglevel INFO", f"{path.relative_to(root)}:{node.lineno}")
    return None
