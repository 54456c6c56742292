"""What backing services a repository needs, read from its drivers, settings and code: PostgreSQL (with the vector
extension or PostGIS, and the SQL its own image ran at first start), MariaDB for MySQL clients, SQLite, Redis and RabbitMQ."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from fastapi_stackops.adopt.app_settings import Settings, setting_fields
from fastapi_stackops.adopt.backing import DRIVERS, EXTENSIONS, Login
from fastapi_stackops.adopt.brokers import rabbitmq_client, redis_client, refuse_unrun_servers
from fastapi_stackops.adopt.data_folders import data_folders
from fastapi_stackops.adopt.findings import Finding, NotAFastAPIRepository
from fastapi_stackops.adopt.refused_databases import refuse_a_driverless_database, unrun_database
from fastapi_stackops.adopt.source import AT_LOCALHOST, SKIPPED, python_files, string_constants
from fastapi_stackops.adopt.syntax import calls, every_node, parsed
from fastapi_stackops.adopt.written_login import (
    RELATIVE_SQLITE,
    alembic_ini_url,
    migrations_sqlite_file,
    written_login,
)
from fastapi_stackops.failure_bundle import masked

#: Where a repository keeps the SQL its PostgreSQL image runs at its first start (/docker-entrypoint-initdb.d): a
#: folder of scripts, or one file of these names at its top or a folder down.
INITDB_FOLDERS = ("docker-entrypoint-initdb.d", "initdb.d", "initdb")
INITDB_FILE = re.compile(r"^(init|schema)([-_.]?db)?\.sql$|^[\w-]*[-_]init\.sql$", re.I)


def init_scripts(root: Path) -> str:
    """The repository's SQL its own PostgreSQL image ran at its first start (relative to root; "" for none): a folder
    of scripts, or one init or schema file that its code does not name (and so run) itself. None beside alembic: migrations make the
    schema there."""
    if (root / "alembic.ini").is_file():
        return ""
    folders = [p for name in INITDB_FOLDERS for p in python_files(root, name) if p.is_dir() and any(p.glob("*.sql"))]
    if folders:
        return folders[0].relative_to(root).as_posix()
    near = (f for f in python_files(root, "*.sql") if len(f.relative_to(root).parts) <= 2)
    named = [f for f in near if INITDB_FILE.match(f.name)]
    run_by_the_app = {f for f in named for value in string_constants(root) if value.endswith(f.name)}
    return next((f.relative_to(root).as_posix() for f in named if f not in run_by_the_app), "")


def creates_extension(name: str) -> re.Pattern:
    """SQL creating the extension, however quoted: `CREATE EXTENSION IF NOT EXISTS "vector"`."""
    return re.compile(rf"create\s+extension\s+(if\s+not\s+exists\s+)?[\"'`]?{name}\b", re.I)


def extension_use(root: Path, dependencies: tuple[str, ...]) -> tuple[str, str]:
    """The PostgreSQL extension (or release) the app says it uses (an EXTENSIONS key), and where it says so; ("", "")
    for none."""
    for key, extension in EXTENSIONS.items():
        client = next((d for d in extension.dependencies if d in dependencies), "")
        if client:
            return key, f"the {client} dependency"
    outside_migrations = SKIPPED - {"migrations", "alembic"}  # where a raw CREATE EXTENSION usually is
    for path in [*python_files(root, skipped=outside_migrations), *python_files(root, "*.sql", outside_migrations)]:
        text = path.read_text(errors="replace")
        for key, extension in EXTENSIONS.items():
            if re.search(extension.used, text) if extension.used else creates_extension(extension.name).search(text):
                used = f"{extension.name}()" if extension.used else f"CREATE EXTENSION {extension.name}"
                return key, f"{used} in {path.relative_to(root)}"
    return "", ""


class Backing(NamedTuple):
    findings: list[Finding]
    database: str  # postgres, mysql, sqlite or ""
    redis: bool
    rabbitmq: bool
    folder: str  # the repository folder an SQLite file lives in, when its URL names one
    extension: str  # a PostgreSQL extension the database needs (an EXTENSIONS key), or ""
    init_scripts: str  # the repository's SQL (a file or folder) its PostgreSQL runs at its first start
    data_variables: tuple[str, ...]  # settings naming a folder of data the app makes at run time: on its volume
    sqlite_in_code: str = ""  # the SQLite file the code names at a path under its own folder (database.db)
    login: Login | None = None  # the login a URL the repository writes out logs in with
    ssl: bool = False  # the code requires TLS of its database (sslmode=require)

    def repository_fields(self) -> dict:
        """What a Repository keeps of them."""
        fields = "database redis rabbitmq extension init_scripts data_variables sqlite_in_code login ssl".split()
        return {name: getattr(self, name) for name in fields} | {"data_folder": self.folder}


#: Calls that open a database by its URL: SQLAlchemy's engines, `databases`, asyncpg's and psycopg's pools and connects.
CONNECTS = ("create_engine", "create_async_engine", "Database", "create_pool", "connect", "AsyncConnectionPool")
URL_KEYWORDS = frozenset({"url", "dsn", "db_url", "database_url", "conninfo"})
SQL_SCHEME = re.compile(r"^(postgres|postgresql|mysql|mariadb)(\+\w+)?://", re.I)


def literal_names(tree: ast.Module) -> dict[str, str]:
    """Names the module binds to one string and never to anything else: `POSTGRES_URL = "postgresql://..."`."""
    bound: dict[str, str | None] = {}
    for node in every_node(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        value = getattr(node, "value", None)
        text = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
        for target in (t for t in targets if isinstance(t, ast.Name)):
            bound[target.id] = text if bound.get(target.id, text) == text else None
    return {name: text for name, text in bound.items() if text}


def written_text(node: ast.AST, names: dict[str, str]) -> str:
    """A string the code writes out: a literal, or an f-string of literals and names bound only to one; else ""."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if not isinstance(node, ast.JoinedStr):
        return ""
    parts = [
        str(v.value)
        if isinstance(v, ast.Constant)
        else names.get(v.value.id, "")
        if isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Name)
        else ""
        for v in node.values
    ]
    return "".join(parts) if all(parts) else ""


def code_sqlite_file(root: Path) -> tuple[str, str]:
    """The SQLite file the code names at a path relative to where it runs, and where: ("database.db", "db.py:4")."""
    for path in python_files(root):
        tree = parsed(path)
        names = literal_names(tree) if tree else {}
        for node in every_node(tree) if tree else ():
            found = RELATIVE_SQLITE.match(written_text(node, names))
            if found:
                return found.group(1), f"{path.relative_to(root)}:{node.lineno}"
    return "", ""


def local_database_url(tree: ast.Module) -> tuple[int, str] | None:
    """A database URL at localhost the code opens as written (a literal, or a name bound only to one), as (line, URL).
    One read from a setting or the environment, even with such a default, is not."""
    names = literal_names(tree)
    for node in every_node(tree):
        if not any(calls(node, name) for name in CONNECTS):
            continue
        for arg in [*node.args[:1], *(k.value for k in node.keywords if k.arg in URL_KEYWORDS)]:
            url = names.get(arg.id, "") if isinstance(arg, ast.Name) else getattr(arg, "value", "")
            if isinstance(url, str) and SQL_SCHEME.match(url) and AT_LOCALHOST.match(url):
                return node.lineno, url
    return None


def refuse_a_local_database(root: Path) -> None:
    """Refuses, in one line and before any build, an app whose code opens its database at localhost: in a container,
    that is the container itself, and no setting init writes can move it (FEMADOX/Fastapi-Ecosystem-Lab crash-looped).
    A script of its own the app never imports (seed.py, run by hand at a developer's machine) is not the app."""
    files = [(path, parsed(path)) for path in python_files(root)]
    imported = {name for _, tree in files if tree for name in names_imported(tree)}
    for path, tree in files:
        found = local_database_url(tree) if tree else None
        if found and not (path.stem not in imported and run_as_a_script(tree)):
            raise NotAFastAPIRepository(
                f"{path.relative_to(root)} line {found[0]}: the app opens its database at {masked(found[1], set())}, "
                "at localhost, written in its code (in a container that is the container itself): read the URL from a "
                "setting, and init points it at the stack's own database"
            )


def names_imported(tree: ast.Module) -> set[str]:
    """Every name an import statement of the module names: each part of a module's dotted name, and what it takes."""
    found = set()
    for node in every_node(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found |= {part for module in modules for part in module.split(".")} | {a.name for a in node.names}
    return found


def run_as_a_script(tree: ast.Module) -> bool:
    """Whether the module runs as a script (`if __name__ == "__main__":`) and makes no FastAPI app."""
    guarded = any(isinstance(n, ast.If) and "__main__" in ast.unparse(n.test) for n in tree.body)
    return guarded and not any(calls(node, "FastAPI") for node in every_node(tree))


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
        for node in every_node(tree):
            if calls(node, "create_engine") or calls(node, "create_async_engine"):
                given = next((k.value for k in node.keywords if k.arg == "connect_args"), None)
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


def backing_services(root: Path, dependencies: tuple[str, ...], settings: Settings | None) -> Backing:
    """PostgreSQL, MySQL (MariaDB), SQLite, Redis and RabbitMQ, from the drivers the project depends on and its
    settings' defaults."""
    findings, database, extension, where, in_code, login, tls = [], "", "", "", "", None, ""
    sqlite_only = sqlite_engine(root)
    found = [(kind, d) for kind, drivers in DRIVERS.items() for d in dependencies if d in drivers and not sqlite_only]
    if found:
        database, driver = found[0]
        extension, where = extension_use(root, dependencies) if database == "postgres" else ("", "")
        named = {"postgres": "PostgreSQL", "mysql": "MariaDB, for the app's MySQL client"}[database]
        named += f" {EXTENSIONS[extension].said}" if extension else ""
        findings.append(Finding("database", named, f"the {driver} dependency" + (f"; {where}" if where else "")))
        refuse_a_local_database(root)
        login, said = written_login(root, database)
        tls = requires_tls(root) if database == "postgres" else ""
        findings += said + ([Finding("database", "TLS on, a self-signed certificate: the code requires it", tls)] if tls else [])
    else:
        unrun_database(root, dependencies, settings)
        sqlite = sqlite_found(root, dependencies, settings)
        if not sqlite:
            refuse_a_driverless_database(settings)
        # No server's driver: an engine passing SQLite's connect_args, if only for a sqlite URL, is code that runs on it.
        handled = sqlite_only or ("" if settings and settings.database_default else sqlite_handled(root))
        said_by_engine = Finding("database", "SQLite on a named volume", f"{handled}: check_same_thread, SQLite's alone")
        sqlite = sqlite or ((said_by_engine, "") if handled else None)
        database, in_code = ("sqlite", sqlite[1]) if sqlite else ("", "")
        findings += [sqlite[0]] if sqlite else []
    folder = sqlite_folder(root, settings) if database == "sqlite" else ""
    findings = [Finding("database", f"SQLite in the host folder {folder}/", settings.source)] if folder else findings
    refuse_unrun_servers(root, dependencies)
    redis = redis_client(root, dependencies)
    findings += [Finding("redis", "Redis", f"the {redis} dependency")] if redis else []
    defaults = [f.default for f in setting_fields(settings) if f.default]
    rabbitmq = rabbitmq_client(root, dependencies, defaults, [f.variable for f in setting_fields(settings)])
    findings += [Finding("rabbitmq", "RabbitMQ", f"the {rabbitmq} dependency")] if rabbitmq else []
    scripts = init_scripts(root) if database == "postgres" else ""
    findings += [Finding("database", f"{scripts}, run by PostgreSQL at its first start", scripts)] if scripts else []
    data = data_folders(root, settings)
    findings += [Finding("data", f"{', '.join(data)}: on the named volume app-data", settings.source)] if data else []
    return Backing(findings, database, bool(redis), bool(rabbitmq), folder, extension, scripts, data, in_code, login, bool(tls))


def sqlite_found(root: Path, dependencies: tuple[str, ...], settings: Settings | None) -> tuple[Finding, str] | None:
    """SQLite, and what says so: aiosqlite, a URL or file default, a file the code names under its own folder, or a
    dialect given in parts beside SQLAlchemy and no server's driver; with the file the code names ("" for none)."""
    url = settings.database_default if settings else ""
    if "aiosqlite" in dependencies or url.startswith("sqlite") or (settings and settings.sqlite_files):
        named = settings.sqlite_files[0] if settings and settings.sqlite_files and not url else None
        source = "aiosqlite" if "aiosqlite" in dependencies else f"{named.variable}'s default" if named else url
        if migrated := migrations_sqlite_file(root, url):
            return Finding("database", f"SQLite on a named volume, alembic.ini's {migrated} linked there", source), migrated
        in_code, where = ("", "") if url or named else code_sqlite_file(root)  # aiosqlite's file, written in the code
        return Finding(
            "database", "SQLite on a named volume" + (f", its {in_code} linked there" if in_code else ""), where or source
        ), in_code
    in_code, where = code_sqlite_file(root)
    if in_code:
        return Finding("database", f"SQLite on a named volume, its {in_code} linked there", where), in_code
    if not url and {"sqlalchemy", "sqlmodel"} & set(dependencies) and alembic_ini_url(root)[0].startswith("sqlite"):
        return Finding("database", "SQLite on a named volume", "alembic.ini's sqlalchemy.url"), ""
    parts = settings.database_parts if settings else {}
    dialect = next((f.variable for f in settings.fields if parts.get(f.name) in ("kind", "driver")), "") if settings else ""
    if dialect and {"sqlalchemy", "sqlmodel"} & set(dependencies):
        return Finding("database", "SQLite on a named volume", f"{dialect}, with SQLAlchemy and no server's driver"), ""
    return None


def sqlite_folder(root: Path, settings: Settings | None) -> str:
    """The repository folder the settings' SQLite URL puts its file in (./var/app.db: var), if it exists."""
    url = settings.database_default if settings else ""
    if not url.startswith("sqlite") or ":///" not in url:
        return ""
    folder = Path(url.split(":///", 1)[1]).parent
    relative = not folder.is_absolute() and folder.parts and folder.parts[0] != ".."
    return str(folder) if relative and str(folder) != "." and (root / folder).is_dir() else ""
