"""A database URL's variables known by their place, whatever they are called, where names alone say nothing: each part
of a URL the code assembles in an f-string (`f"postgresql://{user}:{password}@{server}:{port}/{db}"`), an SQLite URL's
file (`f"sqlite:///{DB_FILE}"`), and the URL it hands SQLAlchemy's engine (`create_engine(URL_DATABASE)`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from fastapi_stackops.adopt.environment_reads import (
    NO_READERS,
    constant_text,
    environment_bound,
    imported_reads,
    migration_environments,
    module_readers,
    read_of,
)
from fastapi_stackops.adopt.file_paths import SAME_PATH
from fastapi_stackops.adopt.migrations import alembic_ini_url
from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.syntax import calls, parsed, template_text

#: A URL's text with each replacement field as \0: scheme://user:password@host[:port]/name, each part one field (the
#: port may be written out), the scheme a database's, a field itself, or two joined (`{DBMS}+{DB_DRIVER}`).
PLACED = re.compile(
    r"^(?P<scheme>(?:postgres(?:ql)?|mysql|mariadb)(?:\+(?:\w+|\0))?|\0(?:\+\0)?)://\0:\0@\0(?::(?:\0|\d+))?/\0(?:\?.*)?$",
    re.I | re.S,
)
#: A scheme's field that names a database (DB_POSTGRES_SCHEMA, DATABASE_DRIVER), not a broker's (BROKER_PROTOCOL).
DATABASE_SCHEME = re.compile(r"db|database|postgres|pg|sql|maria", re.I)


def placed_parts(root: Path) -> dict[str, str]:
    """Variable (or settings field) -> the part of the database its place names: in a URL assembled from parts, or
    ("url") as what the code hands SQLAlchemy's engine (`create_engine(URL_DATABASE)`), whatever it is called."""
    found: dict[str, str] = {}
    for path in [*python_files(root), *migration_environments(root)]:
        text = path.read_text(errors="replace")
        words = ("://", "_engine(", "scheme=", "drivername=", "set_section_option")
        if not (any(word in text for word in words) or MENTIONS_URL.search(text)):
            continue
        if not (tree := parsed(path)):
            continue
        bound = environment_bound(tree)
        # A module's own names win over a parameter's of the same name.
        bound = {name: read for name, default in parameter_defaults(tree).items() if (read := read_of(default, bound))} | bound
        bound = imported_reads(tree) | imported_bound(tree, root) | attribute_aliases(tree) | bound
        readers = module_readers(tree)
        for node in (n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)):
            found |= url_parts_of(node, bound, readers)
        found |= server_parts(tree, bound)
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            found |= keyword_parts(call, bound)
            read = read_of(as_text(call.args[0]), bound) if call.args and any(calls(call, e) for e in ENGINES) else ""
            # A library's keyword for the URL it opens: fastapi-sqlalchemy's DBSessionMiddleware, Tortoise's register.
            given = next((k.value for k in call.keywords if k.arg == "db_url"), None)
            read = read or (read_of(as_text(given), bound) if given is not None else "") or imported_setting(given)
            read = read or alembic_url_read(call, bound)
            found |= {read: "url"} if read and read not in found else {}
        found |= section_parts(path, tree, bound, readers)
    return found


def imported_bound(tree: ast.Module, root: Path) -> dict[str, str]:
    """Names a module imports from a module of the repository's that binds them to an environment read (`from settings
    import db_table`, where `db_table = os.getenv("DB_TABLE")`): name -> variable. hhkhoa96/fastapi_todos assembles its
    URL of such names, its database's name read as DB_TABLE, which init left unset ("database "None" does not exist")."""
    found: dict[str, str] = {}
    for node in (n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module and not n.level):
        source = root.joinpath(*node.module.split("."))
        module = next((p for p in (source.with_suffix(".py"), source / "__init__.py") if p.is_file()), None)
        theirs = environment_bound(their_tree) if module and (their_tree := parsed(module)) else {}
        found |= {a.asname or a.name: theirs[a.name] for a in node.names if a.name in theirs}
    return found


#: An option of alembic.ini's section that its URL interpolates: `%(DB_USER)s`.
INTERPOLATED = re.compile(r"%\((\w+)\)s")


def section_parts(path: Path, tree: ast.Module, bound: dict[str, str], readers: tuple) -> dict[str, str]:
    """The reads an env.py gives alembic.ini's section as options its URL interpolates, by their place in it:
    `set_section_option(section, "DB_USER", os.getenv("DB_USER"))` under `sqlalchemy.url = postgresql://%(DB_USER)s:...`.
    Unset, an option is None, and alembic stops on "option values must be strings"."""
    given = {
        constant_text(c.args[1]): read_of(c.args[2], bound, readers)
        for c in ast.walk(tree)
        if calls(c, "set_section_option") and len(c.args) == 3
    }
    url = next((u for ini in (path.parent.parent, path.parent) if (u := alembic_ini_url(ini)[0])), "") if given else ""
    options = INTERPOLATED.findall(url)
    placed = PLACED.match(INTERPOLATED.sub("\0", url)) if options and all(given.get(o) for o in options) else None
    if not placed or "\0" in placed["scheme"]:
        return {}
    parts = ["user", "password", "host", *(["port"] if len(options) == 5 else []), "name"]
    return {given[option]: part for option, part in zip(options, parts, strict=True)}


def attribute_aliases(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound to a settings object's attribute, by the attribute: KirvanRdz/fastapi-rest's
    `DATABASE_URL = settings.DATABASE_URL` before `create_engine(DATABASE_URL)`; or to it as a path or text
    (davidmuraya/fastapi-queues' `DATABASE_PATH = Path(settings.CELERY_DB)` before `f"sqlite:///{DATABASE_PATH}"`)."""
    assigned = (n for n in tree.body if isinstance(n, ast.Assign) and len(n.targets) == 1)
    values = ((n.targets[0], as_path(n.value)) for n in assigned)
    return {
        target.id: value.attr for target, value in values if isinstance(target, ast.Name) and isinstance(value, ast.Attribute)
    }


def as_path(node: ast.expr) -> ast.expr:
    """What a call that gives back its argument as a path or text (`Path(x)`, `str(x)`) is given, else the node."""
    same = isinstance(node, ast.Call) and ast.unparse(node.func) in SAME_PATH and len(node.args) == 1 and not node.keywords
    return node.args[0] if same else node


def parameter_defaults(tree: ast.Module) -> dict[str, ast.expr]:
    """Each function parameter's default, by the parameter's name: the URL an engine opens may be one's
    (syengo254/fastapi-graphql's `def __init__(self, url: str = DB_CONFIG)` beside `DB_CONFIG = os.getenv(...)`)."""
    found = {}
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        found |= {
            a.arg: d for a, d in zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True)
        }
        found |= {a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if d is not None}
    return found


def alembic_url_read(call: ast.Call, bound: dict[str, str]) -> str:
    """What alembic's env.py reads into the URL its migrations open, whatever it is called (kndbvortex/fastapi-alembic's
    `config.set_main_option("sqlalchemy.url", os.environ["SYNC_URL"])`, or `context.configure(url=...)`); "" else."""
    named = call.args[0] if call.args else None
    if calls(call, "set_main_option") and len(call.args) > 1 and getattr(named, "value", "") == "sqlalchemy.url":
        return read_of(as_text(call.args[1]), bound)
    given = next((k.value for k in call.keywords if k.arg == "url"), None) if calls(call, "configure") else None
    return read_of(as_text(given), bound) if given is not None else ""


#: A database's URL scheme, with its driver: postgresql+asyncpg, mysql+aiomysql.
DATABASE_URL_SCHEME = re.compile(r"^(postgres(ql)?|mysql|mariadb)(\+\w+)?$", re.I)
#: The keywords a URL builder takes a database's parts in (SQLAlchemy's `URL.create`, yarl's `URL.build`, pydantic's
#: `PostgresDsn.build`), yarl's and pydantic's path being "/" and the database's name.
PART_KEYWORDS = {"host": "host", "port": "port", "user": "user", "username": "user", "password": "password"}
PART_KEYWORDS |= {"database": "name", "path": "name"}


def keyword_parts(call: ast.Call, bound: dict[str, str]) -> dict[str, str]:
    """Each keyword's read in a call that builds a database's URL from parts, by the keyword: `URL.build(scheme=
    "postgresql+asyncpg", user=self.user, path=f"/{self.base}")`, `URL.create(drivername="mysql", database=DB)`."""
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    scheme = keywords.get("scheme", keywords.get("drivername"))
    if not (isinstance(scheme, ast.Constant) and DATABASE_URL_SCHEME.match(str(scheme.value))):
        return {}
    found = {}
    for keyword, part in PART_KEYWORDS.items():
        value = keywords.get(keyword)
        # A method of what holds it (`cfg.DB_PASSWORD.get_secret_value()`): the read is the object's.
        called = isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and not value.args
        value = value.func.value if called else value
        fields = [v.value for v in value.values if isinstance(v, ast.FormattedValue)] if isinstance(value, ast.JoinedStr) else []
        read = read_of(fields[0] if len(fields) == 1 else value, bound) if value is not None else ""
        found |= {read: part} if read else {}
    return found


def imported_setting(node: ast.expr | None) -> str:
    """A setting's name a module imports from the one that reads it (`from app.config import SQLITE_URL`), as read."""
    return node.id if isinstance(node, ast.Name) and node.id.isupper() else ""


def as_text(node: ast.expr) -> ast.expr:
    """What `str(...)` turns to text (a pydantic URL: `create_async_engine(str(settings.SQLALCHEMY_URI))`), else the node."""
    return node.args[0] if isinstance(node, ast.Call) and calls(node, "str") and len(node.args) == 1 else node


#: SQLAlchemy's engine makers, whose first argument is the database's URL.
ENGINES = ("create_engine", "create_async_engine")


#: A database URL's scheme written out before one replacement field, which holds the rest of it.
AFTER_SCHEME = re.compile(r"^(postgres(ql)?|mysql|mariadb)(\+\w+)?://\0$", re.I)
#: What a function or a name that holds a URL is called (`def database_url(self)`, `DB_DSN = ...`).
URL_NAMED = re.compile(r"(url|uri|dsn)$", re.I)
MENTIONS_URL = re.compile(r"url|uri|dsn", re.I)
#: A name that says it is a database's (`database_url`, `db_host`), where a route's URL (`FULL_AUTH_TOKEN_URL`,
#: joining API_V1_STR and AUTH_TOKEN_URL) says nothing of one.
DATABASE_NAMED = re.compile(r"(^|_)(db|pg)(_|$)|database|dsn|sql|postgres|mysql|mariadb", re.I)


def server_parts(tree: ast.Module, bound: dict[str, str]) -> dict[str, str]:
    """The read a database URL built as `f"{server}/{name}"` takes its server from (scheme://user:password@host:port),
    as its "server", where a function or name says the string is a URL (RomiconEZ/FastApi-Pytest-project's
    `def database_url(self): return f"{self.db_host}/{self.db_name}"`, db_host holding all but the name)."""
    found = {}
    for node in ast.walk(tree):
        named = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and URL_NAMED.search(node.name)
        values = [n.value for n in ast.walk(node) if isinstance(n, ast.Return)] if named else []
        targets = node.targets if isinstance(node, ast.Assign) else []
        values += [node.value] if any(isinstance(t, ast.Name) and URL_NAMED.search(t.id) for t in targets) else []
        names = [node.name] if named else [t.id for t in targets if isinstance(t, ast.Name)]
        for value in (v for v in values if isinstance(v, ast.JoinedStr) and len(v.values) == 3):
            first, middle, last = value.values
            fields = isinstance(first, ast.FormattedValue) and isinstance(last, ast.FormattedValue)
            reads = (
                [read_of(first.value, bound), read_of(last.value, bound)]
                if fields and getattr(middle, "value", "") == "/"
                else []
            )
            if any(DATABASE_NAMED.search(name) for name in [*names, *filter(None, reads)]):
                found |= {read: part for read, part in zip(reads, ("server", "name"), strict=False) if read}
    return found


#: An SQLite URL whose path is one replacement field: `f"sqlite:///{os.path.join(base_dir, DB_FILE)}"`.
SQLITE_PLACED = re.compile(r"^sqlite(\+\w+)?:///\0$", re.I)


def sqlite_file_of(node: ast.JoinedStr, bound: dict[str, str]) -> dict[str, str]:
    """The read an SQLite URL assembled in an f-string takes its file's path from, as its "file": alone, or the last
    part of a path joined to it (`os.path.join(base_dir, X)`, which an absolute X replaces, `Path(base) / X`)."""
    (value,) = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
    last = value.args[-1] if isinstance(value, ast.Call) and value.args else value
    last = value.right if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Div) else last
    read = read_of(value, bound) or read_of(last, bound)
    return {read: "file"} if read else {}


#: A Redis URL assembled of reads: rediss?://[[user]:password@]host[:port][/number], each part a field or written out.
REDIS_PLACED = re.compile(
    r"^rediss?://(?:(?P<user>\0)?:(?P<password>\0)@)?(?P<host>\0)(?::(?P<port>\0|\d+))?(?:/(?P<number>\0|\d+))?/?$", re.I
)


def redis_parts_of(node: ast.JoinedStr, bound: dict[str, str], readers: tuple) -> dict[str, str]:
    """Each replacement field's read in an f-string that is a Redis URL, as "redis " and its part (Psycho-Lyrics/
    fastapi-voting's `f"redis://{self.RDS_HOST}:{self.RDS_PORT}"`, whose names say nothing of Redis)."""
    placed = REDIS_PLACED.match(template_text(node))
    parts = [part for part in ("user", "password", "host", "port", "number") if placed and placed[part] == "\0"]
    reads = [read_of(v.value, bound, readers) for v in node.values if isinstance(v, ast.FormattedValue)]
    return {read: f"redis {part}" for read, part in zip(reads, parts, strict=True) if read} if len(reads) == len(parts) else {}


def url_parts_of(node: ast.JoinedStr, bound: dict[str, str], readers: tuple = NO_READERS) -> dict[str, str]:
    """Each replacement field's read in an f-string that is a database's login URL, by its place; an SQLite URL's
    file, by its; the rest of a URL after a scheme written out (`f"postgresql+asyncpg://{get_env(DB_URI)}"`), as its
    "address" (user:password@host:port/name)."""
    text = template_text(node)
    if SQLITE_PLACED.match(text):
        return sqlite_file_of(node, bound)
    if REDIS_PLACED.match(text):
        return redis_parts_of(node, bound, readers)
    if AFTER_SCHEME.match(text):
        read = read_of(next(v.value for v in node.values if isinstance(v, ast.FormattedValue)), bound, readers)
        return {read: "address"} if read else {}
    placed = PLACED.match(text)
    if not placed:
        return {}
    head = text.split("?", 1)[0]  # a query's fields (`?charset={charset}`) are none of the login's parts
    reads = [read_of(v.value, bound, readers) for v in node.values if isinstance(v, ast.FormattedValue)][: head.count("\0")]
    module = placed["scheme"].endswith("+\0")  # `postgresql+{DRIVER}`: the driver's module alone
    port = ["port"] if head.count("\0") - placed["scheme"].count("\0") == 5 else []
    # `{DBMS}+{DB_DRIVER}` (xdadaya/fastapi-videoplatform): the database's kind, then the driver's module
    scheme = {"\0": ["driver"], "\0+\0": ["kind", "module"]}.get(placed["scheme"], ["module"] if module else [])
    parts = [*scheme, "user", "password", "host", *port, "name"]
    if parts[0] in ("driver", "kind") and not DATABASE_SCHEME.search(reads[0]):
        return {}
    return {read: part for read, part in zip(reads, parts, strict=True) if read}
