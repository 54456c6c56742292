"""The database a repository's code itself writes, read before any build: a URL at localhost it opens (in a container
that is the container itself: forwarded when its login is written whole, else refused), a SQLite file or engine, and TLS
it requires of PostgreSQL."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path, PurePosixPath

from fastapi_stackops.adopt.brokers import AMQP_SCHEMES, local_rabbitmq
from fastapi_stackops.adopt.conventions import AMQP_PORT, REDIS_PORT
from fastapi_stackops.adopt.file_paths import literal_paths, module_paths, path_text
from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.migrations import alembic_location, holds_revisions
from fastapi_stackops.adopt.source import AT_LOCALHOST, LOCAL_HOSTS, imported_names, python_files, suite_files, written_templates
from fastapi_stackops.adopt.syntax import calls, every_node, is_main_block, literal_names, module_bindings, parsed, written_text
from fastapi_stackops.adopt.tortoise_config import local_tortoise
from fastapi_stackops.adopt.wheels import text_of
from fastapi_stackops.adopt.written_login import SQLITE_FILE_URL, migrations_url, served_as_written
from fastapi_stackops.failure_bundle import masked

#: Calls that open a database by its URL: SQLAlchemy's engines, `databases`, asyncpg's and psycopg's pools and connects.
CONNECTS = ("create_engine", "create_async_engine", "Database", "create_pool", "connect", "AsyncConnectionPool")
URL_KEYWORDS = frozenset({"url", "dsn", "db_url", "database_url", "db_uri", "database_uri", "conninfo"})
URL_KEYWORDS |= {"amqp_url", "rabbitmq_url", "rabbit_url", "broker_url"}
#: A database server's URL scheme: SQLAlchemy's, and Tortoise ORM's driver-named ones (asyncpg://, psycopg://).
SQL_SCHEME = re.compile(r"^(postgres|postgresql|mysql|mariadb|asyncpg|psycopg)(\+\w+)?://", re.I)


def assembled_urls(files: list[tuple[Path, ast.Module | None]]) -> dict[str, tuple[Path, int, str]]:
    """Names a module binds at its top to a database URL at localhost that it assembles, its host a literal (`DB_HOST =
    "localhost"`, its other parts read from anywhere), or to RabbitMQ's at localhost as a literal, which another module
    may import and hand on (`rabbitmq_url=RABBITMQ_URL`): name -> (file, line, URL)."""
    found = {}
    for path, tree in files:
        names = literal_names(tree) if tree else {}
        for node in tree.body if tree else ():
            amqp = isinstance(node, ast.Assign) and str(getattr(node.value, "value", "")).startswith("amqp")
            assigned = isinstance(node, ast.Assign) and isinstance(node.value, ast.JoinedStr)
            url = node.value.value if amqp else written_text(node.value, names, unknown="0") if assigned else ""
            if (SQL_SCHEME.match(url) or amqp) and AT_LOCALHOST.match(url):  # said with its other parts as {...}
                said = url if amqp else written_text(node.value, names, unknown="{...}")
                found |= {target.id: (path, node.lineno, said) for target in node.targets if isinstance(target, ast.Name)}
    return found


#: The host an assembled URL writes out, its other parts sketched as "0": `postgresql://0:0@db:0/0` is at db.
WRITTEN_HOST = re.compile(r"^[\w+]+://[^@/]*@(?P<host>[A-Za-z][\w.-]*)(:|/|$)")


def written_hosts(root: Path) -> tuple[tuple[str, int], ...]:
    """(host, port) of each server URL the code writes at a host by name: a database's the code, or its suite,
    assembles around its settings' parts (`f"postgresql://{user}:{pw}@db:{port}/{name}"`), a broker's the code writes
    whole (`redis://redis_broker:6379/0`). The stack's server answers to that name too."""
    found, code = [], list(python_files(root))
    own = set(code)
    for path in [*code, *suite_files(root)]:
        tree = parsed(path) if re.search(r"://|drivername", text_of(path)) else None
        names = literal_names(tree) if tree else {}
        for node in every_node(tree) if tree else ():
            host = database_host(node, names) or (broker_host(node) if path in own else None)
            found += [host] if host and host not in found else []
    return tuple(found)


def database_host(node: ast.AST, names: dict[str, str]) -> tuple[str, int] | None:
    """(host, port) of a database URL an f-string assembles around a literal host by name, or a call builds of
    keywords (`URL(drivername="postgresql+psycopg2", host="postgresql-db", ...)`, ambarjobs/fastapi_template's own
    Compose service); None for anything else."""
    keywords = {k.arg: k.value for k in node.keywords if k.arg} if isinstance(node, ast.Call) else {}
    scheme, host = keywords.get("drivername", keywords.get("scheme")), keywords.get("host")
    if isinstance(scheme, ast.Constant) and isinstance(host, ast.Constant):
        node = ast.JoinedStr([ast.Constant(f"{scheme.value}://0:0@{host.value}/0")])
    url = written_text(node, names, unknown="0") if isinstance(node, ast.JoinedStr) else ""
    host = WRITTEN_HOST.match(url) if SQL_SCHEME.match(url) and not AT_LOCALHOST.match(url) else None
    return (host["host"], 3306 if url.lower().startswith(("mysql", "mariadb")) else 5432) if host else None


#: A broker's URL written whole at a host by name alone, the name of the repository's own Compose service for it
#: (`redis://redis_broker:6379/0`, `amqp://guest:guest@rabbit//`); a name with a dot is a real host's.
NAMED_BROKER = re.compile(r"^(?P<scheme>redis|amqp)://(?:[^@/]*@)?(?P<host>[A-Za-z][\w-]*)(?::(?P<port>\d+))?(?:/|$)", re.I)


def broker_host(node: ast.AST) -> tuple[str, int] | None:
    """(host, port) of a Redis or RabbitMQ URL a string literal writes at a host by name, at the server's own port
    (adeqoou/FastAPI-CRM-project's Celery broker at redis_broker); None for anything else."""
    url = NAMED_BROKER.match(node.value) if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
    port = (REDIS_PORT if url["scheme"].lower() == "redis" else AMQP_PORT) if url else 0
    return (url["host"], port) if url and url["host"] not in LOCAL_HOSTS and int(url["port"] or port) == port else None


def committed_sqlite(root: Path, in_code: str) -> str:
    """The SQLite file the code opens, when the repository commits it (its tables, made by hand or by a script, and its
    rows): a new data volume starts as a copy of it. "" for none."""
    return in_code if in_code and not in_code.startswith("/") and (root / in_code).is_file() else ""


#: A file the standard library's sqlite3 (or aiosqlite) opens by its path alone, relative to where the app runs.
SQLITE_PATH = re.compile(r"^(?:\./)?([\w.-][\w./-]*\.(?:db|sqlite3?))$", re.I)


def code_sqlite_file(root: Path) -> tuple[str, str]:
    """The SQLite file the code names at a path of its own (relative to where it runs, or absolute), and where:
    ("database.db", "db.py:4")."""
    opened_itself = bool({"sqlite3", "aiosqlite"} & imported_names(root))
    for path in python_files(root):
        tree, module = parsed(path), str(path.relative_to(root))
        paths = module_paths(tree, module) if tree else {}  # Path(__file__).parent / "app.db": under the code too
        names = {**literal_names(tree), **{name: "/".join(parts) or "." for name, parts in paths.items()}} if tree else {}
        computed = partial(
            path_text, paths={**(literal_paths(tree) if tree else {}), **paths}, module=PurePosixPath(module).parts
        )
        for node in every_node(tree) if tree else ():
            found = SQLITE_FILE_URL.match(written_text(node, names, computed=computed)) or connected_file(node, names, computed)
            # In code that opens SQLite files itself, a `.db` path computed from its own file is one, wherever it is
            # handed on from (a settings dataclass's field, a function's parameter).
            found = found or (opened_itself and isinstance(node, ast.BinOp) and SQLITE_PATH.match(computed(node)))
            if found:
                return found.group(1), f"{path.relative_to(root)}:{node.lineno}"
    return "", ""


def connected_file(node: ast.AST, names: dict[str, str], computed: Callable) -> re.Match | None:
    """`sqlite3.connect("app.db")`, of a literal, a name bound to one, or a path computed from the module's file."""
    if not (isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute) and node.func.attr == "connect"):
        return None
    if ast.unparse(node.func.value) not in ("sqlite3", "aiosqlite"):
        return None
    given = node.args[0]
    text = names.get(given.id, "") if isinstance(given, ast.Name) else written_text(given, names) or computed(given)
    return SQLITE_PATH.match(text or "")


def local_database_url(path: Path, tree: ast.Module, assembled: dict) -> tuple[Path, int, str] | None:
    """A database URL at localhost the code opens as written (a literal, a name bound only to one, or a name any module
    binds to one it assembles around a literal host), as (file, line, URL). One read from a setting or the environment,
    even with such a default, is not."""
    names = literal_names(tree)
    for node in (n for n in every_node(tree) if isinstance(n, ast.Call)):
        connects = any(calls(node, name) for name in CONNECTS)  # any call's URL keyword too: Singleton(Db, db_uri=...)
        for arg in [*node.args[: int(connects)], *(k.value for k in node.keywords if k.arg in URL_KEYWORDS)]:
            if isinstance(arg, ast.Name) and arg.id not in names and arg.id in assembled:
                return assembled[arg.id]
            # an f-string's other parts sketched: `f"mysql+pymysql://{user}:{pw}@localhost:3306/db"` is at localhost
            url = names.get(arg.id, "") if isinstance(arg, ast.Name) else written_text(arg, names, unknown="0")
            if isinstance(url, str) and SQL_SCHEME.match(url) and AT_LOCALHOST.match(url):
                return path, node.lineno, written_text(arg, names, unknown="{...}") or url
    return None


def local_server(path: Path, tree: ast.Module, assembled: dict) -> tuple[Path, int, str] | None:
    """The database, RabbitMQ or Tortoise connection a module opens at localhost as written, as (file, line, URL)."""
    urls = {**literal_names(tree), **{name: url for name, (_, _, url) in assembled.items()}}
    return local_database_url(path, tree, assembled) or local_rabbitmq(path, tree) or local_tortoise(path, tree, urls)


def local_database(root: Path, servable: bool = True) -> tuple[str, str] | None:
    """The URL at localhost the app's code opens its database at, and where, when it writes its login out whole
    (`postgresql://app:pw@localhost:5439/appdb`): the stack serves that login, and a forwarder in the app's image
    makes localhost's port the stack's server. Refuses, in one line and before any build, what no forwarder serves:
    such a URL without its login, Tortoise at localhost, migrations opening one as written. RabbitMQ at localhost is
    forwarded too (local_servers). `servable`: whether the stack runs a server for the app (a driver init knows)."""
    url, where = migrations_url(root)
    # alembic.ini's as written (src/alembic.ini's too) runs at the stack's database instead (migrations_target)
    in_ini = where.split(" line ")[0].endswith("alembic.ini")
    if SQL_SCHEME.match(url) and AT_LOCALHOST.match(url) and not in_ini and holds_revisions(root / alembic_location(root)):
        raise NotAFastAPIRepository(
            f"{where}: the migrations open the database at {masked(url, set())}, at localhost, written out (in a "
            "container that is the container itself): read the URL from a setting, and init points it at the stack's own"
        )
    for url, where in opened_at_localhost(root):
        if url.startswith(AMQP_SCHEMES):
            continue
        if servable and SQL_SCHEME.match(url) and served_as_written(url):
            return url, where
        raise NotAFastAPIRepository(
            f"{where}: the app opens its database at {masked(url, set())}, at localhost, written in its code (in a "
            "container that is the container itself): read the URL from a setting, and init points it at the stack's own "
            "database"
        )
    return local_parts_url(root) if servable else None


#: A database URL at localhost the code assembles of its login's parts, its fields as NUL
#: (`f"postgresql://{s.DB_USER}:{s.DB_PASSWORD}@localhost:5432/{s.DB_NAME}"`): init wires the parts to its own login.
LOCAL_PARTS = re.compile(
    r"^(postgres(ql)?|mysql|mariadb)(\+\w+)?://\0:\0@(localhost|127\.0\.0\.1)(:\d+)?/\0(\?.*)?$", re.I | re.S
)


def local_parts_url(root: Path) -> tuple[str, str] | None:
    """The URL at localhost the code assembles of its login's parts, its fields as {...}, and where (dcorbe's, in a
    function its engine calls); None for none."""
    found = next(((text, where) for text, where in written_templates(root) if LOCAL_PARTS.match(text)), None)
    return (found[0].replace("\0", "{...}"), found[1]) if found else None


def opened_at_localhost(root: Path) -> Iterator[tuple[str, str]]:
    """(URL, "file line N") of each server the app's code opens at localhost as written, a file's first. A script of its
    own the app never imports (seed.py, run by hand at a developer's machine) is not the app."""
    files = [(path, parsed(path)) for path in python_files(root)]
    imported = {name for _, tree in files if tree for name in names_imported(tree)}
    assembled = assembled_urls(files)
    for path, tree in files:
        found = local_server(path, tree, assembled) if tree else None
        if found and not (path.stem not in imported and run_as_a_script(tree, path.parent == root)):
            yield found[2], f"{found[0].relative_to(root)} line {found[1]}"


def names_imported(tree: ast.Module) -> set[str]:
    """Every name an import statement of the module names: each part of a module's dotted name, and what it takes."""
    found = set()
    for node in every_node(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found |= {part for module in modules for part in module.split(".")} | {a.name for a in node.names}
    return found


def run_as_a_script(tree: ast.Module, at_the_top: bool = False) -> bool:
    """Whether the module runs as a script and makes no app: it has an `if __name__ == "__main__":` block, or, at the
    repository's top (`at_the_top`), does its work as it loads (migrate_to_mysql.py); for a module nothing imports."""
    guarded = any(is_main_block(n) for n in tree.body)
    binds_an_app = any(
        isinstance(t, ast.Name) and t.id == "app" for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
    )
    return (guarded or at_the_top) and not binds_an_app and not any(calls(node, "FastAPI") for node in every_node(tree))


#: Code that requires TLS of PostgreSQL: libpq's sslmode (a URL's, or connect_args'), asyncpg's ssl="require".
REQUIRES_TLS = re.compile(r"""sslmode["']?\s*[:=]\s*["']?(require|verify-ca|verify-full)|["']ssl["']\s*:\s*["']require""")


def requires_tls(root: Path) -> str:
    """Where the code requires TLS of its database ("file:line"), or ""."""
    for path in python_files(root):
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if REQUIRES_TLS.search(line) and not line.lstrip().startswith("#"):
                return f"{path.relative_to(root)}:{number}"
    return ""


def sqlite_connect_args(root: Path) -> Iterator[tuple[str, bool, bool]]:
    """Each engine the code makes ("file:line"), whether it is SQLite's always (its connect_args SQLite's own,
    `check_same_thread`, always; or a sqlite URL written in the code), and whether its connect_args are SQLite's at all
    (`{"check_same_thread": False} if "sqlite" in url else {}`)."""
    for path in python_files(root):
        tree = parsed(path) or ast.Module(body=[], type_ignores=[])
        names = literal_names(tree)
        bound = module_bindings(tree)
        for node in every_node(tree):
            if calls(node, "create_engine") or calls(node, "create_async_engine"):
                given = next((k.value for k in node.keywords if k.arg == "connect_args"), None)
                given = bound.get(given.id, given) if isinstance(given, ast.Name) else given  # `connect_args=args`
                dicts = [d for d in ast.walk(given) if isinstance(d, ast.Dict)] if given is not None else []
                sqlite = [d for d in dicts if any(getattr(k, "value", None) == "check_same_thread" for k in d.keys)]
                url = node.args[0] if node.args else ast.Constant(None)
                written = names.get(url.id, "") if isinstance(url, ast.Name) else written_text(url, names)
                yield f"{path.relative_to(root)}:{node.lineno}", given in sqlite or written.startswith("sqlite"), bool(sqlite)


def sqlite_engine(root: Path) -> str:
    """Where the code makes its engine with SQLite's own connect_args, always ("file:line", or ""): `check_same_thread`
    in a dict written into every engine call, which every other database's driver refuses, so a server's driver among
    the dependencies is a leftover (a conditional dict, or another engine made beside it, is no such engine)."""
    made = list(sqlite_connect_args(root))
    return made[0][0] if made and all(always for _, always, _ in made) else ""


def sqlite_handled(root: Path) -> str:
    """The first engine passing SQLite's connect_args at all, if only for a sqlite URL: code that runs on SQLite."""
    return next((where for where, _, at_all in sqlite_connect_args(root) if at_all), "")
