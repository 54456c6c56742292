"""The app's settings, read as syntax trees: pydantic-settings classes (all of them: apps split their settings), and
the variables the code reads from the environment (os.environ, python-decouple, starlette's Config, environs)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from fastapi_stackops.adopt.app_settings import SettingField, Settings, required_group
from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.syntax import calls, every_node, parsed


def alias_of(node: ast.AST | None) -> str:
    """The variable a `Field(alias=...)` (or validation_alias, or pydantic 1's env) reads instead of the field's name;
    "" for none."""
    if not calls(node, "Field"):
        return ""
    keywords = {k.arg: k.value for k in node.keywords}
    named = keywords.get("validation_alias") or keywords.get("alias") or keywords.get("env")
    if calls(named, "AliasChoices") and named.args:  # AliasChoices("POSTGRES_HOST", "DB_HOST"): the first is read first
        named = named.args[0]
    return str(named.value) if isinstance(named, ast.Constant) and isinstance(named.value, str) else ""


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


def config_value(body: list[ast.stmt], key: str) -> str:
    """A settings class's option (env_prefix, env_nested_delimiter) from `model_config = SettingsConfigDict(...)`
    (pydantic-settings 2) or `class Config` (1); "" when unset."""
    for node in body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "model_config" for t in node.targets):
            # One SettingsConfigDict(...), or several merged (`COMMON | SettingsConfigDict(env_prefix="APP_")`): the last wins.
            calls = [n for n in ast.walk(node.value) if isinstance(n, ast.Call)]
            given = [k.value.value for c in calls for k in c.keywords if k.arg == key and isinstance(k.value, ast.Constant)]
            if given:
                return str(given[-1])
        if isinstance(node, ast.ClassDef) and node.name == "Config":
            for item in node.body:
                if isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == key for t in item.targets):
                    return str(getattr(item.value, "value", ""))
    return ""


ENVIRONMENT_CALLS = ("os.getenv", "os.environ.get", "getenv")
#: Settings libraries whose reader takes a variable's name first: python-decouple's `config` (an AutoConfig), an
#: instance of its AutoConfig or Config, an instance of starlette's Config, an instance of environs' Env. Only a
#: `default=` keyword gives a default (decouple and environs also take it second; starlette takes cast second), and
#: `cast=` is the value's type (environs: the method, `env.int("X")`).
READER_CLASSES = {"decouple": ("AutoConfig", "Config"), "starlette.config": ("Config",), "environs": ("Env",)}
CAST_TYPES = ("int", "float", "bool")
ENVIRONS_READS = ("str", "int", "float", "decimal", "bool", "list", "dict", "json", "url", "path", "log_level", "timedelta")


def module_level(statements: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements a module runs as it loads: its top, and the branches of its `if`, `try` and `with` blocks (a
    reader chosen by mode: `if is_prod(): config = Config(".env.prod")`), not the bodies of its functions and classes."""
    for node in statements:
        yield node
        if isinstance(node, ast.If | ast.Try | ast.With):
            branches = [node.body, getattr(node, "orelse", []), getattr(node, "finalbody", [])]
            branches += [handler.body for handler in getattr(node, "handlers", [])]
            yield from (inner for branch in branches for inner in module_level(branch))


def config_readers(tree: ast.Module) -> dict[str, str]:
    """The module's names for a settings library's reader (`from decouple import config`, `env = Config(".env")`):
    name -> its library."""
    found, classes = {}, {}
    for node in every_node(tree):
        if isinstance(node, ast.ImportFrom) and node.module in READER_CLASSES:
            found |= {a.asname or a.name: "decouple" for a in node.names if node.module == "decouple" and a.name == "config"}
            classes |= {a.asname or a.name: node.module for a in node.names if a.name in READER_CLASSES[node.module]}
        elif isinstance(node, ast.Import) and any(a.name == "decouple" and not a.asname for a in node.names):
            found["decouple.config"] = "decouple"
    for node in module_level(tree.body):  # an instance: config = Config(".env"), env = Env(), under an `if` too
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and ast.unparse(node.value.func) in classes:
            library = classes[ast.unparse(node.value.func)]
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            found |= {name: library for name in names}
            if library == "environs":  # env("X") and its typed reads, env.int("X")
                found |= {f"{name}.{read}": library for name in names for read in ENVIRONS_READS}
    return found


def library_read(node: ast.Call, library: str) -> SettingField | None:
    """A settings library's read: config("X"), config("X", default=..., cast=int), env.int("X", 5)."""
    name = constant_text(node.args[0])
    keywords = {k.arg: k.value for k in node.keywords}
    positional = library in ("decouple", "environs") and len(node.args) > 1
    given = keywords.get("default", node.args[1] if positional else None)
    cast = ast.unparse(keywords["cast"]) if "cast" in keywords else ""
    if library == "environs" and isinstance(node.func, ast.Attribute):
        cast = "float" if node.func.attr == "decimal" else node.func.attr
    default = constant_text(given) if given is not None else None
    return SettingField(name, default, cast if cast in CAST_TYPES else "") if name else None


def environment_read(node: ast.AST, readers: frozenset[str] = frozenset(), libraries: dict | None = None) -> SettingField | None:
    """`os.getenv("X", default)`, `os.environ.get("X", default)`, `os.environ["X"]`, a settings library's read, or a
    call of one of the module's own `readers` (a function that looks its first argument up in the environment): the
    variable, its default, and its type when the read casts it."""
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ" and isinstance(node.ctx, ast.Load):
        name = constant_text(node.slice)
        return SettingField(name, None) if name else None
    if not (isinstance(node, ast.Call) and node.args):
        return None
    func = ast.unparse(node.func)
    if func in (libraries or {}):
        return library_read(node, libraries[func])
    if func in (*ENVIRONMENT_CALLS, *readers):
        name = constant_text(node.args[0])
        # getenv without a default gives None, not a crash; a reader without one is taken to insist.
        missing = "" if func in ENVIRONMENT_CALLS else None
        given = node.args[1] if len(node.args) > 1 else None
        default = constant_text(given) if given is not None else missing
        code = "" if given is None or isinstance(given, ast.Constant) else ast.unparse(given)  # an expression's text
        return SettingField(name, default, default_code=code) if name else None
    return None


def reads_behind(path: Path, line: str) -> set[str]:
    """The variables read with no default into the names a line of the file uses: what an app's own bare check
    (`assert cls.COOKIE_TTL is not None`, of `COOKIE_TTL = getenv("COOKIE_TTL_SECONDS")`) found unset."""
    tree = parsed(path) if path.is_file() else None
    used = set(re.findall(r"\w+", line)) if tree else set()
    found = set()
    for node in every_node(tree) if used else ():
        annotated = isinstance(node, ast.AnnAssign) and node.value is not None  # `MAIL_PORT: int = int(getenv(...))`
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if annotated else []
        if any(getattr(target, "id", "") in used for target in targets):
            reads = (environment_read(inner) for inner in ast.walk(node.value))
            found |= {read.name for read in reads if read and not read.default}
    return found


def reads_on(line: str) -> set[str]:
    """The variables a line reads itself with no default: `MAIL_PORT: int = int(os.getenv("MAIL_PORT"))`."""
    try:
        tree = ast.parse(line.strip())
    except SyntaxError:
        return set()
    reads = (environment_read(node) for node in ast.walk(tree))
    return {read.name for read in reads if read and not read.default}


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


def module_readers(tree: ast.Module | None) -> tuple[frozenset[str], dict[str, str]]:
    """The module's own reader functions, and its names for a settings library's reader."""
    return (environment_readers(tree), config_readers(tree)) if tree else (frozenset(), {})


def migration_environments(root: Path) -> list[Path]:
    """Alembic's env.py: the migrations the stack runs read their variables there (a database URL of their own)."""
    return [p for p in root.rglob("env.py") if p.parent.name in ("alembic", "migrations") and ".venv" not in p.parts]


def environment_settings(root: Path, paths: Iterable[Path]) -> list[Settings]:
    """Variables these files read from the environment, as settings with no prefix: one per file that reads any."""
    found = []
    for path in paths:
        readers, libraries = module_readers(tree := parsed(path))
        reads = [environment_read(n, readers, libraries) for n in (every_node(tree) if tree else ())]
        fields = {f.name: f for f in reads if f}
        if fields:
            found.append(Settings("environment reads", "", tuple(fields.values()), str(path.relative_to(root))))
    return found


def subclasses(root: Path, base: str) -> list[tuple[ast.ClassDef, str]]:
    """Every class of the repository deriving from `base` (under any name it is imported as), with where it is; and
    theirs (AppSettings(BaseAppSettings), a group of a model base of the app's own), bases before their subclasses."""
    classes, known = [], {base}
    for path in python_files(root):
        for node in every_node(parsed(path) or ast.Module(body=[], type_ignores=[])):
            if isinstance(node, ast.ImportFrom):  # from pydantic import BaseModel as PydanticBaseModel
                known |= {a.asname for a in node.names if a.name == base and a.asname}
            elif isinstance(node, ast.ClassDef):
                classes.append((node, f"{path.relative_to(root)}:{node.lineno}"))
    found = []
    while True:
        more = [
            (n, w)
            for n, w in classes
            if n.name not in known and {getattr(b, "id", getattr(b, "attr", "")) for b in n.bases} & known
        ]
        if not more:
            return found
        known |= {n.name for n, _ in more}
        found += more


def annotated_fields(
    node: ast.ClassDef,
    prefix: str,
    delimiter: str = "",
    groups: dict[str, ast.ClassDef] | None = None,
    outer: str = "",
    readers: tuple = (),
) -> tuple[SettingField, ...]:
    """The class's fields; with env_nested_delimiter, a field typed as a model of the repository's (`database: Database`)
    is its own fields, each read from DATABASE__HOSTNAME and the like."""
    fields = []
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.target.id != "model_config":
            name, annotation = outer + item.target.id, ast.unparse(item.annotation)
            if delimiter and not outer and groups and annotation in groups:
                group = group_fields(groups[annotation], groups, prefix, f"{name}{delimiter}", delimiter)
                fields += required_group(group) if item.value is None else group
            else:
                fields.append(class_field(item, name, annotation, prefix, readers))
    return tuple(fields)


def group_fields(model: ast.ClassDef, groups: dict, prefix: str, outer: str, delimiter: str) -> list[SettingField]:
    """A nested group's fields: its model's, after those of the repository's models it derives from
    (`DatabaseConfig(BaseDatabaseConfig)`)."""
    bases = [groups[name] for b in model.bases if (name := getattr(b, "id", "")) in groups and name != model.name]
    inherited = [f for base in bases for f in group_fields(base, groups, prefix, outer, delimiter)]
    return [*inherited, *annotated_fields(model, prefix, delimiter, None, outer)]


def annotated_field(annotation: ast.expr) -> tuple[ast.expr, ast.Call | None]:
    """`Annotated[T, Field(...)]`'s type and its Field (pydantic's other way to give a default or an alias)."""
    if not (isinstance(annotation, ast.Subscript) and ast.unparse(annotation.value).endswith("Annotated")):
        return annotation, None
    elements = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
    return elements[0], next((e for e in elements[1:] if calls(e, "Field")), None)


def class_field(item: ast.AnnAssign, name: str, annotation: str, prefix: str, readers: tuple) -> SettingField:
    """A settings class's field; one whose default is itself a read (`key: str = config("KEY")`) is that variable."""
    read = environment_read(item.value, *readers) if item.value is not None and readers else None
    if read:
        return SettingField(name, read.default, annotation, alias=read.name, default_code=ast.unparse(item.value))
    kind, field = annotated_field(item.annotation)
    annotation = ast.unparse(kind) if field is not None else annotation
    value = item.value if item.value is not None else field
    code = ast.unparse(value) if value else ""
    return SettingField(name, constant_text(value), annotation, prefix, alias_of(item.value) or alias_of(field), code)


def find_settings(root: Path) -> Settings | None:
    """The pydantic-settings class that holds the database URL (else the first one, else the file reading the most from
    the environment), with the fields the app's other settings classes and files cannot start without: settings are
    often split over several classes, and read again where they are used."""
    found, groups, own = [], {n.name: n for n, _ in subclasses(root, "BaseModel")}, {}
    for node, where in subclasses(root, "BaseSettings"):  # bases before their subclasses
        prefix, delimiter = config_value(node.body, "env_prefix"), config_value(node.body, "env_nested_delimiter")
        names = [getattr(base, "id", getattr(base, "attr", "")) for base in node.bases]
        inherited = [f for name in names for f in own.get(name, ())]
        # A model of the repository's mixed in (`class PostgresEnv(BaseSettings, PostgresSettings)`): its fields, read
        # with this class's prefix.
        inherited += [f for name in names if name in groups for f in annotated_fields(groups[name], prefix)]
        readers = module_readers(parsed(root / where.rsplit(":", 1)[0]))
        own[node.name] = (*inherited, *annotated_fields(node, prefix, delimiter, groups, readers=readers))
        found.append(Settings(node.name, prefix, own[node.name], where))
    found += environment_settings(root, python_files(root))
    # The class with the database's URL, else its parts, else the one with the most fields (often all the others' sum).
    ranked = sorted(found, key=lambda s: (not s.database, not s.database_parts, -len(s.fields)))
    if not ranked:
        return None
    chosen, more = ranked[0], ranked[1:] + environment_settings(root, migration_environments(root))
    rest = {f.variable: f for s in more for f in s.fields if f.variable not in chosen.variables}
    required = {f.variable: f for s in more for f in s.required if f.variable not in chosen.variables}
    return replace(chosen, also=tuple(required.values()), others=tuple(rest.values()))
