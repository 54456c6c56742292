"""Variables the code reads from the environment, read as syntax trees: os.environ and os.getenv, python-decouple,
starlette's Config and environs, at module level and in functions; each read is a SettingField."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from fastapi_stackops.adopt.app_settings import SettingField, Settings
from fastapi_stackops.adopt.dotenv_reads import READ, dotenv_mappings
from fastapi_stackops.adopt.fitting_values import TOKEN_ALGORITHM
from fastapi_stackops.adopt.syntax import argument, calls, every_node, module_bindings, module_level, parsed


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


ENVIRONMENT_CALLS = ("os.getenv", "os.environ.get", "getenv")
#: How a module that imports it (`from os import environ`) names the environment's mapping, among its readers.
ENVIRON = "environ"
#: A module's readers when it has none: no reader function, no settings library's reader, no string constant.
NO_READERS: tuple[frozenset[str], dict[str, str], dict[str, str]] = (frozenset(), {}, {})
#: A key the app signs with (its tokens, its sessions): SECRET_KEY, JWT_SECRET, JWT_REFRESH_SECRET_KEY; not another
#: service's secret (STRIPE_SECRET_KEY), which a made-up value could set the app calling.
SIGNING_SECRET = re.compile(r"^((APP|AUTH|SESSION|TOKEN|ACCESS|REFRESH)(_TOKEN)?_)?SECRET(_KEY)?$|^JWT_\w*(SECRET|KEY)$", re.I)
#: Settings libraries whose reader takes a variable's name first: python-decouple's `config` (an AutoConfig), an
#: instance of its AutoConfig or Config, an instance of starlette's Config, an instance of environs' Env. Only a
#: `default=` keyword gives a default (decouple and environs also take it second; starlette takes cast second), and
#: `cast=` is the value's type (environs: the method, `env.int("X")`).
READER_CLASSES = {"decouple": ("AutoConfig", "Config"), "starlette.config": ("Config",), "environs": ("Env",)}
#: django-environ's module, whose Env reads as environs' does (`env("X")`, `env.int("X")`): `environ.Env()` too.
DJANGO_ENVIRON = "environ"
CAST_TYPES = ("int", "float", "bool")
ENVIRONS_READS = ("str", "int", "float", "decimal", "bool", "list", "dict", "json", "url", "path", "log_level", "timedelta")


def config_readers(tree: ast.Module) -> dict[str, str]:
    """The module's names for a settings library's reader (`from decouple import config`, `env = Config(".env")`):
    name -> its library."""
    found, classes = {}, {}
    for node in every_node(tree):
        if isinstance(node, ast.ImportFrom) and node.module in READER_CLASSES:
            found |= {a.asname or a.name: "decouple" for a in node.names if node.module == "decouple" and a.name == "config"}
            classes |= {a.asname or a.name: node.module for a in node.names if a.name in READER_CLASSES[node.module]}
        elif isinstance(node, ast.ImportFrom) and node.module == DJANGO_ENVIRON:
            classes |= {a.asname or a.name: "environs" for a in node.names if a.name == "Env"}
        elif isinstance(node, ast.Import) and any(a.name == "decouple" and not a.asname for a in node.names):
            found["decouple.config"] = "decouple"
        elif isinstance(node, ast.Import):  # `import environ` (django-environ), its class as environ.Env
            classes |= {f"{a.asname or a.name}.Env": "environs" for a in node.names if a.name == DJANGO_ENVIRON}
    # An instance: config = Config(".env"), env = Env(), under an `if` too, or in a function (a settings class's __init__)
    for node in every_node(tree):
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
    # decouple casts its default too: `config("SMTP_PORT", default=None, cast=int)` unset is int(None), a TypeError.
    uncastable = library == "decouple" and cast in CAST_TYPES and isinstance(given, ast.Constant) and given.value is None
    return SettingField(name, None if uncastable else default, cast if cast in CAST_TYPES else "", exact=True) if name else None


def environment_read(
    node: ast.AST, readers: frozenset[str] = frozenset(), libraries: dict | None = None, constants: dict | None = None
) -> SettingField | None:
    """`os.getenv("X", default)`, `os.environ.get("X", default)`, `os.environ["X"]`, a settings library's read, or a
    call of one of the module's own `readers` (a function that looks its first argument up in the environment): the
    variable, its default, and its type when the read casts it. The variable's name may be one of the module's string
    `constants` (`DB_URI_ENV = "DB_URI"` before `get_str_env(DB_URI_ENV)`)."""
    mapping = ast.unparse(node.value) if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) else ""
    # readers holds the mappings too: os's environ imported by name, a dotenv_values() file's (dotenv_reads)
    if mapping == "os.environ" or mapping in readers or (mapping and calls(node.value, READ)):
        name = key_text(node.slice, constants)
        return SettingField(name, None, exact=True) if name else None
    if not (isinstance(node, ast.Call) and (node.args or node.keywords)):
        return None
    func = ast.unparse(node.func)
    func = "os.environ.get" if func.endswith(".get") and func[: -len(".get")] in readers else func
    if func in (libraries or {}) and node.args:
        return library_read(node, libraries[func])
    key = argument(node, 0, "key")  # `getenv(key="DB_NAME", default="")` (ambarjobs/fastapi_template), as positional
    if func in (*ENVIRONMENT_CALLS, *readers) and key is not None:
        name = key_text(key, constants)
        # getenv without a default gives None, not a crash; a reader without one is taken to insist, as is a signing
        # secret or its algorithm read bare (`os.getenv("SECRET_KEY")`): None signs nothing, and the first login fails.
        insists = SIGNING_SECRET.search(name or "") or TOKEN_ALGORITHM.search(name or "")
        missing = "" if func in ENVIRONMENT_CALLS and not insists else None
        given = argument(node, 1, "default")
        default = constant_text(given) if given is not None else missing
        code = "" if given is None or isinstance(given, ast.Constant) else ast.unparse(given)  # an expression's text
        return SettingField(name, default, default_code=code, exact=True) if name else None
    return None


def key_text(node: ast.AST, constants: dict | None) -> str | None:
    """A variable's name as a read gives it: a literal, or a module's string constant by its name."""
    return (constants or {}).get(node.id) if isinstance(node, ast.Name) else constant_text(node)


def named_strings(tree: ast.Module) -> dict[str, str]:
    """The module's names bound once, at its top, to a string literal: `DB_URI_ENV = "DB_URI"`."""
    assigned = [n for n in tree.body if isinstance(n, ast.Assign) and len(n.targets) == 1]
    named = [(n.targets[0].id, n.value) for n in assigned if isinstance(n.targets[0], ast.Name)]
    names = [name for name, _ in named]
    return {
        name: value.value
        for name, value in named
        if isinstance(value, ast.Constant) and isinstance(value.value, str) and names.count(name) == 1
    }


def environment_key(node: ast.AST) -> ast.AST | None:
    """What `os.environ[key]`, `os.getenv(key)` or `os.environ.get(key)` looks up; None for anything else."""
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
        return node.slice
    if isinstance(node, ast.Call) and node.args and ast.unparse(node.func) in ENVIRONMENT_CALLS:
        return node.args[0]
    return None


def environment_readers(tree: ast.Module) -> frozenset[str]:
    """The module's functions that look their first parameter up in the environment (`get_env_var(key, default)`), or
    pass it to one that does; a class's method too, as the class, `cls` and `self` call it (`Config.get_env("X")`)."""
    functions = [(node, ("",)) for node in tree.body if isinstance(node, ast.FunctionDef)]
    for owner in (node for node in tree.body if isinstance(node, ast.ClassDef)):
        functions += [(node, (f"{owner.name}.", "cls.", "self.")) for node in owner.body if isinstance(node, ast.FunctionDef)]
    found: set[str] = set()
    while True:
        before = len(found)
        for function, callers in functions:
            keys = [a.arg for a in function.args.args if a.arg not in ("self", "cls")][:1]
            if keys and any(reads_parameter(inner, keys[0], found) for inner in ast.walk(function)):
                found |= {caller + function.name for caller in callers}
        if len(found) == before:
            return frozenset(found)


def reads_parameter(node: ast.AST, key: str, readers: set[str]) -> bool:
    """Whether the node looks the parameter `key` up in the environment, itself or through one of the readers."""
    looked_up = environment_key(node)
    if looked_up is None and isinstance(node, ast.Call) and node.args and ast.unparse(node.func) in readers:
        looked_up = node.args[0]
    return isinstance(looked_up, ast.Name) and looked_up.id == key


def module_readers(tree: ast.Module | None) -> tuple[frozenset[str], dict[str, str], dict[str, str]]:
    """The module's own reader functions and mappings (`environ`, when it imports the name from os; a dotenv_values()
    file's, and copies of it), its names for a settings
    library's reader, and its string constants, which may name a variable read."""
    if not tree:
        return NO_READERS
    imports = (n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "os")
    environ = {ENVIRON} if any(a.name == ENVIRON and not a.asname for n in imports for a in n.names) else set()
    return environment_readers(tree) | environ | dotenv_mappings(tree), config_readers(tree), named_strings(tree)


def migration_environments(root: Path) -> list[Path]:
    """Alembic's env.py: the migrations the stack runs read their variables there (a database URL of their own)."""
    return [p for p in root.rglob("env.py") if p.parent.name in ("alembic", "migrations") and ".venv" not in p.parts]


def environment_settings(root: Path, paths: Iterable[Path]) -> list[Settings]:
    """Variables these files read from the environment, as settings with no prefix: one per file that reads any."""
    found, paths = [], list(paths)
    called = called_as_they_load(map(parsed, paths))  # rapid305's `WeatherClient()`, its guard in __init__
    for path in paths:
        readers = module_readers(tree := parsed(path))
        reads = [environment_read(n, *readers) for n in (every_node(tree) if tree else ())]
        listed, guarded = (list(listed_reads(tree)), list(guarded_reads(tree, called))) if tree else ([], [])
        fields = {f.name: f for f in [*listed, *reads, *guarded] if f}  # a read by name wins over a list, a guard over both
        if fields:
            found.append(Settings("environment reads", "", tuple(fields.values()), str(path.relative_to(root))))
    return found


#: Code that goes through a list one name at a time: a loop, a comprehension.
LOOPS = (ast.For, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def listed_reads(tree: ast.Module) -> Iterator[SettingField]:
    """Variables the code looks up one at a time from a list of their names, with no default (`for var in
    REQUIRED_ENV_VARS: if not os.getenv(var): ...`, then an exit): each is required, as a bare `os.environ[...]` is."""
    bound = module_bindings(tree)
    for loop in (n for n in every_node(tree) if isinstance(n, LOOPS)):
        pairs = [(loop.target, loop.iter)] if isinstance(loop, ast.For) else [(g.target, g.iter) for g in loop.generators]
        for target, iterable in pairs:
            names = bound.get(iterable.id) if isinstance(iterable, ast.Name) else iterable
            if isinstance(target, ast.Name) and isinstance(names, ast.List | ast.Tuple | ast.Set):
                looked_up = (n for n in ast.walk(loop) if isinstance(key := environment_key(n), ast.Name) and key.id == target.id)
                if any(not (isinstance(n, ast.Call) and len(n.args) > 1) for n in looked_up):
                    yield from (SettingField(text, None, exact=True) for e in names.elts if (text := constant_text(e)))


def called_as_they_load(trees: Iterable[ast.Module | None]) -> set[str]:
    """The names of what the modules call as they load (`client = WeatherClient()`, `check()`), the last part of each."""
    statements = [s for tree in trees if tree for s in module_level(tree.body) if not isinstance(s, DEFINITIONS)]
    return {ast.unparse(n.func).split(".")[-1] for s in statements for n in ast.walk(s) if isinstance(n, ast.Call)}


DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def loaded_statements(tree: ast.Module, called: set[str]) -> Iterator[ast.AST]:
    """What runs as modules load: the module's top and its branches, and the bodies of its functions, and of its
    classes' `__init__`, that a module calls then (`called`)."""
    yield from module_level(tree.body)
    for node in (n for n in tree.body if isinstance(n, DEFINITIONS) and n.name in called):
        inits = [m for m in node.body if isinstance(m, DEFINITIONS[:2]) and m.name == "__init__"]
        yield from (inner for body in (inits if isinstance(node, ast.ClassDef) else [node]) for inner in ast.walk(body))


def guarded_reads(tree: ast.Module, called: set[str] = frozenset()) -> Iterator[SettingField]:
    """Variables the module stops on as it loads when empty, read into a name first (`key = os.getenv("OPENAI_API_KEY")`,
    then `if not key: raise ValueError(...)`) or in the test itself (`if not all([os.getenv("A"), ...]): raise`): each
    is required. The guard may be in a function, or a class's `__init__`, called as modules load (`called`)."""
    bound, readers = environment_bound(tree), module_readers(tree)
    for guard in (n for n in loaded_statements(tree, called) if isinstance(n, ast.If)):
        stops = any(isinstance(n, ast.Raise) or calls(n, "exit") for n in ast.walk(ast.Module(guard.body, [])))
        named = {ast.unparse(n) for n in ast.walk(guard.test) if isinstance(n, ast.Name | ast.Attribute)} & bound.keys()
        named = named if stops else set()
        read = [r.name for n in ast.walk(guard.test) if stops and (r := environment_read(n, *readers)) and r.name]
        yield from (SettingField(name, None, exact=True) for name in dict.fromkeys([*map(bound.get, sorted(named)), *read]))


def environment_bound(tree: ast.Module) -> dict[str, str]:
    """Names the module binds to an environment read (`server = os.getenv("SERVER")`, annotated or not), and attributes
    an object binds (`self.__host = os.environ.get("PG_HOST")`, as `self.__host`): name -> variable."""
    readers = module_readers(tree)
    bound = {}
    assignments = (
        n for n in ast.walk(tree) if (isinstance(n, ast.Assign) and len(n.targets) == 1) or isinstance(n, ast.AnnAssign)
    )
    for node in (n for n in assignments if n.value is not None):
        # `self.api_key = api_key or os.getenv("API_KEY")`: the read is what is left when nothing was given
        value = node.value.values[-1] if isinstance(node.value, ast.BoolOp) else node.value
        read = environment_read(value, *readers)
        target = node.targets[0] if isinstance(node, ast.Assign) else node.target
        if read and (isinstance(target, ast.Name) or ast.unparse(target).startswith("self.")):
            bound[getattr(target, "id", "") or ast.unparse(target)] = read.name
    return bound


def imported_reads(tree: ast.Module) -> dict[str, str]:
    """Names in capitals a module imports from another (`from app.config import ENCRYPT_KEY`), as the reads they are
    there: aziyanos/FastAPI-HotelBooking's config binds it to os.getenv, and its Fernet refused the made-up key at
    import; afshario/fastapi-feedback-system's db.py assembles its URL of USER, PASS and SERVER so imported."""
    imported = (a for n in tree.body if isinstance(n, ast.ImportFrom) for a in n.names)
    return {name: name for a in imported if (name := a.asname or a.name).isupper() and a.name.isupper()}


def read_of(value: ast.expr, bound: dict[str, str], readers: tuple = NO_READERS) -> str:
    """The variable or settings field an expression reads: a name bound to a read, a read itself, or an attribute of a
    settings object (`settings.DB_USER`, `self.user`); "" for anything else. `readers`: the module's own (module_readers)."""
    if isinstance(value, ast.Name):
        return bound.get(value.id, "")
    if isinstance(value, ast.Attribute):
        return bound.get(ast.unparse(value), value.attr)
    read = environment_read(value, *readers)
    return read.name if read else ""
