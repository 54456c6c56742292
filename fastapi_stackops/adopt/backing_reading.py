"""What backing services a repository needs, read from its drivers, settings and code: PostgreSQL (with the vector
extension or PostGIS, and the SQL its own image ran at first start), MariaDB for MySQL clients, SQLite, Redis and RabbitMQ."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import NamedTuple

from fastapi_stackops.adopt.app_settings import Settings, setting_fields
from fastapi_stackops.adopt.backing import DATABASES, DRIVERS, EXTENSIONS, Login
from fastapi_stackops.adopt.brokers import rabbitmq_client, redis_client, refuse_unrun_servers, written_amqp_login
from fastapi_stackops.adopt.code_databases import (
    code_sqlite_file,
    committed_sqlite,
    local_database,
    requires_tls,
    sqlite_engine,
    sqlite_handled,
    written_text,
)
from fastapi_stackops.adopt.data_folders import data_folders
from fastapi_stackops.adopt.file_text import text_of
from fastapi_stackops.adopt.findings import Finding
from fastapi_stackops.adopt.local_servers import rabbitmq_forward, redis_forward
from fastapi_stackops.adopt.locks import brought_by
from fastapi_stackops.adopt.migrations import alembic_ini_url
from fastapi_stackops.adopt.refused_databases import NAMED_SERVER, refuse_a_driverless_database, unrun_database
from fastapi_stackops.adopt.source import SKIPPED, python_files, string_constants, written_strings
from fastapi_stackops.adopt.written_login import (
    migrations_alias,
    migrations_sqlite_file,
    written_login,
)

#: Where a repository keeps the SQL its database image runs at its first start (/docker-entrypoint-initdb.d): a
#: folder of scripts, or one file of these names at its top or a folder down; a `sql/` folder whose scripts make
#: tables (kimjy-par/fastapi-async-architecture's, which its own compose mounted there).
INITDB_FOLDERS = ("docker-entrypoint-initdb.d", "initdb.d", "initdb", "sql")
MAKES_TABLES = re.compile(r"\bcreate\s+table\b", re.I)
INITDB_FILE = re.compile(r"^(init|schema)([-_.]?db)?\.sql$|^[\w-]*[-_]init\.sql$", re.I)
#: One that says more after its init or schema (init-data.sql, schema_tables.sql): one when it makes tables.
INITDB_LIKE = re.compile(r"^(init|schema)[-_.][\w.-]+\.sql$", re.I)


def init_scripts(root: Path) -> str:
    """The repository's SQL its own PostgreSQL image ran at its first start (relative to root; "" for none): a folder
    of scripts, or one init or schema file that its code does not name (and so run) itself. None beside alembic: migrations make the
    schema there."""
    if (root / "alembic.ini").is_file():
        return ""
    folders = [p for name in INITDB_FOLDERS for p in python_files(root, name) if p.is_dir() and any(p.glob("*.sql"))]
    folders = [p for p in folders if p.name != "sql" or any(MAKES_TABLES.search(text_of(f)) for f in p.glob("*.sql"))]
    if folders:
        return folders[0].relative_to(root).as_posix()
    near = (f for f in python_files(root, "*.sql") if len(f.relative_to(root).parts) <= 2)
    named = [f for f in near if INITDB_FILE.match(f.name) or INITDB_LIKE.match(f.name) and MAKES_TABLES.search(text_of(f))]
    run_by_the_app = {f for f in named for value in string_constants(root) if value.endswith(f.name)}
    return next((f.relative_to(root).as_posix() for f in named if f not in run_by_the_app), "")


#: SQL naming the role postgres, the official image's superuser when nothing else is asked (`owner to postgres`).
POSTGRES_ROLE = re.compile(r"\b(?:owner\s+to|to|role|user|authorization)\s+\"?postgres\"?(?![\w\"])", re.I)


def postgres_role_named(root: Path, scripts: str) -> str:
    """The repository's init script that names the role postgres ("" for none): run for a server whose user is another,
    it stops on `role "postgres" does not exist`, and the database never starts."""
    path = root / scripts if scripts else None
    files = sorted(path.glob("*.sql")) if path and path.is_dir() else [path] if path else []
    return next((f.relative_to(root).as_posix() for f in files if POSTGRES_ROLE.search(text_of(f))), "")


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
    rabbitmq_login: Login | None = None  # the login an AMQP URL the code writes out logs in with: served as written
    sqlite_alias: str = ""  # alembic.ini's other SQLite file beside the code (./test.db): a link to the app's file
    redis_forward: int = 0  # the port of Redis the code opens at localhost: the app's image forwards it (local_forward)
    rabbitmq_forward: int = 0  # the same of RabbitMQ

    @property
    def held_files(self) -> tuple[str, ...]:
        """The repository's own paths its database lives at: the folder mounted from the host, the files linked."""
        return (self.folder, self.sqlite_in_code, self.sqlite_alias)

    def repository_fields(self) -> dict:
        """What a Repository keeps of them."""
        fields = (
            "database redis rabbitmq extension init_scripts data_variables sqlite_in_code login ssl rabbitmq_login redis_forward"
        )
        fields = [*fields.split(), "sqlite_alias", "rabbitmq_forward"]
        return {name: getattr(self, name) for name in fields} | {"data_folder": self.folder}


def server_drivers(dependencies: tuple[str, ...], settings: Settings | None) -> list[tuple[str, str]]:
    """(database, driver) for each server's driver the app depends on; of two databases' (asyncpg and asyncmy, frozen
    together), the one the settings' URL names first."""
    found = [(kind, d) for kind, drivers in DRIVERS.items() for d in dependencies if d in drivers]
    named = (settings.database_default if settings else "").split("://")[0]
    return sorted(found, key=lambda kind_driver: not DATABASES[kind_driver[0]].names(named))


def chosen_drivers(root: Path, dependencies: tuple[str, ...], settings: Settings | None, sqlite_only: str) -> list:
    """(database, driver) for each server's driver the app runs on: none when SQLite alone serves it; with no driver of
    its own, one its dependencies require (asyncpgsa's asyncpg), as the lock records it, or one the scheme of a URL its
    code writes names (danielPashht/fastapi-wallet's `"postgresql+asyncpg://{}:{}@{}:{}/{}".format(...)`, asyncpg
    never declared: the trial adds it, and no server ran)."""
    if sqlite_only or sqlite_alone(root, settings):
        return []
    every = {driver for drivers in DRIVERS.values() for driver in drivers}
    found = server_drivers(dependencies, settings) or server_drivers(brought_by(root, dependencies, every), settings)
    return found or server_drivers(scheme_drivers(root), settings)


#: Each driver's distribution by its module as a URL's scheme names it (postgresql+asyncpg, mysql+mysqldb), the first
#: of those sharing one (psycopg2 before psycopg2-binary); a scheme without + is its driver's own (postgresql: psycopg2).
SCHEME_MODULES = dict(reversed([(s.partition("+")[2] or d, d) for b in DATABASES.values() for d, (s, _) in b.schemes.items()]))
SCHEME_DRIVER = re.compile(r"^(?P<kind>postgres(?:ql)?|mysql|mariadb)(?:\+(?P<driver>\w+))?://", re.I)


def scheme_drivers(root: Path) -> tuple[str, ...]:
    """The drivers URLs the code writes name (`postgresql+asyncpg://`); for postgresql:// alone, SQLAlchemy's psycopg2."""
    named = [m for m in (SCHEME_DRIVER.match(text) for text, _ in written_strings(root)) if m]
    modules = [(m["driver"] or ("psycopg2" if m["kind"].lower().startswith("postgres") else "")).lower() for m in named]
    return tuple(dict.fromkeys(SCHEME_MODULES[module] for module in modules if module in SCHEME_MODULES))


def backing_services(root: Path, dependencies: tuple[str, ...], settings: Settings | None) -> Backing:
    """PostgreSQL, MySQL (MariaDB), SQLite, Redis and RabbitMQ, from the drivers the project depends on and its
    settings' defaults."""
    findings, database, extension, in_code, login, tls = [], "", "", "", None, ""
    sqlite_only = sqlite_engine(root)
    found = chosen_drivers(root, dependencies, settings, sqlite_only)
    local = local_database(root, servable=bool(found))  # whichever driver, or none init knows (asyncpg under asyncpgsa)
    if found:
        database, driver = found[0]
        findings, extension, login, tls = server_database(root, dependencies, settings, database, driver, local)
    else:
        unrun_database(root, dependencies, settings)
        sqlite = sqlite_found(root, dependencies, settings)
        refuse_a_driverless_database(settings, beside_sqlite=bool(sqlite))
        # No server's driver: an engine passing SQLite's connect_args, if only for a sqlite URL, is code that runs on it.
        handled = sqlite_only or ("" if settings and settings.database_default else sqlite_handled(root))
        said_by_engine = Finding("database", "SQLite on a named volume", f"{handled}: check_same_thread, SQLite's alone")
        sqlite = sqlite or ((said_by_engine, "") if handled else None)
        database, in_code = ("sqlite", sqlite[1]) if sqlite else ("", "")
        seeded = ", seeded from the committed file" if committed_sqlite(root, in_code) else ""
        findings += [Finding("database", sqlite[0].value + seeded, sqlite[0].source)] if sqlite else []
    folder = sqlite_folder(root, settings) if database == "sqlite" else ""
    findings = [Finding("database", f"SQLite in the host folder {folder}/", settings.source)] if folder else findings
    refuse_unrun_servers(root, dependencies)
    redis, said, forward = redis_of(root, dependencies)
    findings += said
    rabbitmq, rabbitmq_login, said, rabbitmq_port = rabbitmq_of(root, dependencies, settings)
    findings += said
    scripts = init_scripts(root) if database in ("postgres", "mysql") else ""
    server = "PostgreSQL" if database == "postgres" else "MariaDB"
    findings += [Finding("database", f"{scripts}, run by {server} at its first start", scripts)] if scripts else []
    if database == "postgres" and not login and (named := postgres_role_named(root, scripts)):
        login = Login(user="postgres", source=named)  # its scripts' objects belong to the official image's own role
        findings += [Finding("database", "user postgres, as its scripts name that role", named)]
    data = data_folders(root, settings)
    findings += [Finding("data", f"{', '.join(data)}: on the named volume app-data", settings.source)] if data else []
    backing = Backing(findings, database, bool(redis), bool(rabbitmq), folder, extension, scripts, data, in_code, login)
    alias = migrations_alias(root, in_code) if database == "sqlite" else ""
    forwarded = {"redis_forward": forward, "rabbitmq_forward": rabbitmq_port}
    return backing._replace(ssl=bool(tls), rabbitmq_login=rabbitmq_login, sqlite_alias=alias, **forwarded)


def redis_of(root: Path, dependencies: tuple[str, ...]) -> tuple[str, list, int]:
    """What makes the app a Redis client, what init says of it, and the port at localhost the code opens Redis at."""
    redis = redis_client(root, dependencies)
    forward, forward_said = redis_forward(root) if redis else (0, None)
    return redis, [Finding("redis", "Redis", f"the {redis} dependency"), *filter(None, [forward_said])] if redis else [], forward


def rabbitmq_of(root: Path, dependencies: tuple[str, ...], settings: Settings | None) -> tuple[str, Login | None, list, int]:
    """What makes the app a RabbitMQ client, the login an AMQP URL its code writes out logs in with, what init says of
    both, and the port at localhost the code opens RabbitMQ at (the image forwards it), 0 for none."""
    defaults = [f.default for f in setting_fields(settings) if f.default]
    rabbitmq = rabbitmq_client(root, dependencies, defaults, [f.variable for f in setting_fields(settings)])
    port, local_login, forward_said = rabbitmq_forward(root)
    source = f"the {rabbitmq} dependency" if rabbitmq else local_login.source if local_login else ""
    rabbitmq = rabbitmq or (f"its amqp:// URL at {local_login.source}" if local_login else "")
    login = (local_login or written_amqp_login(root)) if rabbitmq else None
    findings = [Finding("rabbitmq", "RabbitMQ", source)] if rabbitmq else []
    at = f" at {login.host}" if login and login.host else ""
    said = f"user {login.user}{at}, as the code logs in whatever the environment says" if login else ""
    findings += [forward_said] if forward_said else [Finding("rabbitmq", said, login.source)] if login else []
    return rabbitmq, login, findings, port


def server_database(
    root: Path, dependencies: tuple[str, ...], settings: Settings | None, database: str, driver: str, local: tuple | None
) -> tuple[list[Finding], str, Login | None, str]:
    """The database server the stack runs, said with its extension, the login the code writes out and the TLS it
    requires; a MongoDB it cannot start without beside it is refused."""
    extension, where = extension_use(root, dependencies) if database == "postgres" else ("", "")
    named = {"postgres": "PostgreSQL", "mysql": "MariaDB, for the app's MySQL client"}[database]
    named += f" {EXTENSIONS[extension].said}" if extension else ""
    by_scheme = driver not in dependencies and driver in scheme_drivers(root)  # never declared: the trial adds it
    origin = f"{driver}, a URL's scheme its code writes names" if by_scheme else f"the {driver} dependency"
    findings = [Finding("database", named, origin + (f"; {where}" if where else ""))]
    unrun_database(root, dependencies, settings, required=True)  # a leftover driver beside the one it needs
    login, said = written_login(root, database, local)
    tls = requires_tls(root) if database == "postgres" else ""
    findings += said + ([Finding("database", "TLS on, a self-signed certificate: the code requires it", tls)] if tls else [])
    return findings, extension, login, tls


def sqlite_alone(root: Path, settings: Settings | None) -> bool:
    """Whether the code names an SQLite file in a URL of its own (a property's f-string) and no setting holds a
    database's URL or parts: it opens that file whatever server driver it declares (Puker228/todo-fastapi's asyncpg)."""
    return not (settings and (settings.database_fields or settings.database_parts)) and bool(code_sqlite_file(root)[0])


def sqlite_found(root: Path, dependencies: tuple[str, ...], settings: Settings | None) -> tuple[Finding, str] | None:
    """SQLite, and what says so: aiosqlite, a URL or file default, a file the code names under its own folder, or a
    dialect given in parts beside SQLAlchemy and no server's driver; with the file the code names ("" for none)."""
    url = settings.database_default if settings else ""
    sketch = url or written_default(settings)  # an f-string's: f"sqlite:///{ROOT_DIR / 'app.db'}"
    if "aiosqlite" in dependencies or sketch.startswith("sqlite") or (settings and settings.sqlite_files):
        named = settings.sqlite_files[0] if settings and settings.sqlite_files and not url else None
        named = named or (settings.database if not url and sketch else None)
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
        # The app's URL read with no default: its file on the volume is the one the migrations make, linked there.
        linked = f", alembic.ini's {migrated} linked there" if (migrated := migrations_sqlite_file(root, "")) else ""
        return Finding("database", f"SQLite on a named volume{linked}", "alembic.ini's sqlalchemy.url"), migrated
    parts = settings.database_parts if settings else {}
    dialect = next((f.variable for f in settings.fields if parts.get(f.name) in ("kind", "driver")), "") if settings else ""
    if dialect and {"sqlalchemy", "sqlmodel"} & set(dependencies):
        return Finding("database", "SQLite on a named volume", f"{dialect}, with SQLAlchemy and no server's driver"), ""
    # A URL with no default the code hands SQLAlchemy, which no server's driver of the app's could open: SQLite's, built in.
    handed = settings.database if settings and not url and "url" in dict(settings.placed).values() else None
    named = handed and any(said.match(handed.variable) for _, _, said, _ in NAMED_SERVER)  # POSTGRES_URL: refused instead
    if handed and not named and {"sqlalchemy", "sqlmodel"} & set(dependencies):
        return Finding("database", "SQLite on a named volume", f"{handed.variable}, with SQLAlchemy and no server's driver"), ""
    return None


def written_default(settings: Settings | None) -> str:
    """The database URL's default as the code writes it, an f-string's with {} for what it computes; "" for none."""
    code = settings.database.default_code if settings and settings.database else ""
    try:
        return written_text(ast.parse(code, mode="eval").body, {}, unknown="{}") if code else ""
    except SyntaxError:
        return ""


def sqlite_folder(root: Path, settings: Settings | None) -> str:
    """The repository folder the settings' SQLite URL puts its file in (./var/app.db: var), if it exists."""
    url = settings.database_default if settings else ""
    if not url.startswith("sqlite") or ":///" not in url:
        return ""
    folder = Path(url.split(":///", 1)[1]).parent
    relative = not folder.is_absolute() and folder.parts and folder.parts[0] != ".."
    return str(folder) if relative and str(folder) != "." and (root / folder).is_dir() else ""
