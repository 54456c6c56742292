"""The backing services a repository needs, read from its drivers, settings and code, and those init writes beside the
app: each database it runs (PostgreSQL, MariaDB for MySQL clients), Redis and RabbitMQ, as Compose services from their
official images (or local substitutes), hardened and health-gated."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from fastapi_stackops.adopt.app_settings import Settings
from fastapi_stackops.adopt.brokers import rabbitmq_client, redis_client
from fastapi_stackops.adopt.conventions import DATABASE_SERVICE, MARIADB_DATA, MARIADB_SERVICE, POSTGRES_DATA
from fastapi_stackops.adopt.findings import Finding
from fastapi_stackops.adopt.source import SKIPPED, parsed, python_files

POSTGRES = """  {name}:
    image: ${{POSTGRES_BASE_IMAGE-{official}}}
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: ${{POSTGRES_PASSWORD?set POSTGRES_PASSWORD in the env file or its local overlay}}
      POSTGRES_DB: app
    volumes:
      - db-data:{data}
    read_only: true
    tmpfs: [/tmp, "/var/run/postgresql:uid=0,mode=1777"]
    # The entrypoint hands the data folder to the postgres user, then drops to it.
    cap_drop: [ALL]
    cap_add: [CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID]
    security_opt: ["no-new-privileges:true"]
    mem_limit: 1g
    pids_limit: 256
    shm_size: 128m
    stop_signal: SIGINT
    healthcheck:
      # Over TCP: the server PostgreSQL runs while it initialises listens on the socket only.
      test: ["CMD-SHELL", "pg_isready -q -h 127.0.0.1 -U app -d app"]
      interval: 2s
      timeout: 3s
      start_period: 60s
      retries: 10
    restart: unless-stopped
"""
MARIADB = """  {name}:
    image: ${{MARIADB_BASE_IMAGE-{official}}}
    environment:
      MARIADB_USER: app
      MARIADB_PASSWORD: ${{MARIADB_PASSWORD?set MARIADB_PASSWORD in the env file or its local overlay}}
      MARIADB_DATABASE: app
      MARIADB_RANDOM_ROOT_PASSWORD: "1"
    volumes:
      - db-data:{data}
    read_only: true
    tmpfs: [/tmp, /run/mysqld]
    # The entrypoint hands the data folder to the mysql user, then drops to it.
    cap_drop: [ALL]
    cap_add: [CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID]
    security_opt: ["no-new-privileges:true"]
    mem_limit: 1g
    pids_limit: 256
    healthcheck:
      # Over TCP, as the app: the server MariaDB runs while it initialises has no network.
      test:
        - CMD-SHELL
        - mariadb-admin ping --protocol=tcp -h 127.0.0.1 -u app --password="$$MARIADB_PASSWORD" --silent
      interval: 2s
      timeout: 3s
      start_period: 60s
      retries: 10
    restart: unless-stopped
"""
REDIS = """  {name}:
    image: ${{REDIS_BASE_IMAGE-redis:7-bookworm}}
    # Other containers connect without a password, on the stack's own network: protected mode would refuse them.
    command: ["redis-server", "--appendonly", "yes", "--protected-mode", "no"]
    volumes:
      - redis-data:{data}
    security_opt: ["no-new-privileges:true"]
    mem_limit: 256m
    pids_limit: 64
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 2s
      timeout: 3s
      retries: 10
    restart: unless-stopped
"""
RABBITMQ = """  {name}:
    image: ${{RABBITMQ_BASE_IMAGE-rabbitmq:3}}
    # Its data lives under its node name: a fixed one, as a recreated container gets a new host name.
    hostname: {name}
    environment:
      RABBITMQ_NODENAME: rabbit@localhost
      RABBITMQ_DEFAULT_USER: app
      RABBITMQ_DEFAULT_PASS: ${{RABBITMQ_PASSWORD?set RABBITMQ_PASSWORD in the env file or its local overlay}}
    volumes:
      - rabbitmq-data:{data}
    read_only: true
    # Where either image writes besides its data: the official one's logs, the substitute's (set to /tmp).
    tmpfs: [/tmp, /var/log/rabbitmq]
    # The official image's entrypoint hands its data to the rabbitmq user, then drops to it.
    cap_drop: [ALL]
    cap_add: [CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID]
    security_opt: ["no-new-privileges:true"]
    mem_limit: 512m
    pids_limit: 512
    healthcheck:
      # The AMQP port opens once the broker has booted; a TCP check costs nothing, where its CLI starts an Erlang VM.
      test: ["CMD", "bash", "-c", "</dev/tcp/127.0.0.1/5672"]
      interval: 2s
      timeout: 3s
      start_period: 60s
      retries: 10
    restart: unless-stopped
"""


@dataclass(frozen=True)
class Database:
    """A database server init runs for the app: its service, image, password variable, and how the app reaches it."""

    kind: str  # postgres, mysql
    service: str
    variable: str  # the Compose variable naming its image
    official: str
    recipe: str  # the local substitute's
    password: str  # the variable holding the app user's password
    port: int
    data: str  # where the official image keeps its data (its VOLUME)
    template: str
    schemes: dict[str, tuple[str, bool | None]]  # each driver's SQLAlchemy scheme, and whether it is async (None: both)
    default_scheme: str

    def compose_block(self, init_scripts: str = "") -> str:
        """Its Compose service; `init_scripts` (a file or folder of the repository's) run at its first start."""
        block = self.template.format(name=self.service, data=self.data, official=self.official)
        if not init_scripts:
            return block
        target = INITDB if Path(init_scripts).suffix != ".sql" else f"{INITDB}/{Path(init_scripts).name}"
        data = f"      - db-data:{self.data}\n"
        return block.replace(data, f"{data}      - ./{init_scripts}:{target}:ro\n")

    def scheme(self, dependencies: tuple[str, ...], settings_scheme: str, async_engine: bool) -> str:
        """The settings' own scheme when it names this database, else one for a driver the app depends on: an async one
        when the code makes an async SQLAlchemy engine, a sync one otherwise (alembic, or the driver itself, reads it)."""
        if settings_scheme.startswith(self.kind):
            return settings_scheme
        usable = [(scheme, is_async) for driver, (scheme, is_async) in self.schemes.items() if driver in dependencies]
        fitting = [scheme for scheme, is_async in usable if is_async in (async_engine, None)]
        return (fitting or [scheme for scheme, _ in usable] or [self.default_scheme])[0]

    def url(self, scheme: str) -> str:
        return f"{scheme}://app:${{{self.password}}}@{self.service}:{self.port}/app"

    def parts(self, scheme: str, sync_scheme: str = "") -> dict[str, str]:
        """The values a database given in parts gets: this service, and the URL's scheme for a DB_DRIVER (a sync one
        for a SYNC_DRIVER, which alembic reads)."""
        return {
            "sync_driver": sync_scheme or scheme,
            "host": self.service,
            "port": str(self.port),
            "user": "app",
            "password": f"${{{self.password}}}",
            "name": "app",
            "driver": scheme,
            "kind": scheme.split("+")[0],  # DB_TYPE=postgresql: the database's kind, as a URL names it
        }


DATABASES = {
    "postgres": Database(
        "postgres",
        DATABASE_SERVICE,
        "POSTGRES_BASE_IMAGE",
        "postgres:15-bookworm",
        "postgres",
        "POSTGRES_PASSWORD",
        5432,
        POSTGRES_DATA,
        POSTGRES,
        {
            "asyncpg": ("postgresql+asyncpg", True),
            "psycopg": ("postgresql+psycopg", None),
            "psycopg-binary": ("postgresql+psycopg", None),
            "psycopg2": ("postgresql", False),
            "psycopg2-binary": ("postgresql", False),
        },
        "postgresql",
    ),
    "mysql": Database(
        "mysql",
        MARIADB_SERVICE,
        "MARIADB_BASE_IMAGE",
        "mariadb:10.11",
        "mariadb",
        "MARIADB_PASSWORD",
        3306,
        MARIADB_DATA,
        MARIADB,
        {
            "aiomysql": ("mysql+aiomysql", True),
            "asyncmy": ("mysql+asyncmy", True),
            "pymysql": ("mysql+pymysql", False),
            "mysqlclient": ("mysql+mysqldb", False),
            "mysql-connector-python": ("mysql+mysqlconnector", False),
        },
        "mysql+pymysql",
    ),
}
#: Where the official PostgreSQL image runs SQL and shell scripts once, at its first start on an empty data directory.
INITDB = "/docker-entrypoint-initdb.d"
#: A folder a repository keeps such scripts in, and the names of a single such file at its top or a folder down.
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
    strings = [n.value for t in map(parsed, python_files(root)) if t for n in ast.walk(t) if isinstance(n, ast.Constant)]
    run_by_the_app = {f for f in named for value in strings if isinstance(value, str) and value.endswith(f.name)}
    return next((f.relative_to(root).as_posix() for f in named if f not in run_by_the_app), "")


#: What means PostgreSQL with the vector extension: the pgvector client, or code or SQL creating the extension (a
#: migration's raw CREATE EXTENSION). pgvector's own image stands for it, and a substitute with Debian's
#: postgresql-17-pgvector can (only trixie ships it).
VECTOR = "pgvector"
VECTOR_IMAGE = "pgvector/pgvector:pg17-trixie"
CREATE_VECTOR = re.compile(r"create\s+extension\s+(if\s+not\s+exists\s+)?[\"'`]?vector\b", re.I)


def vector_use(root: Path, dependencies: tuple[str, ...]) -> str:
    """Where the app says it uses PostgreSQL's vector extension; "" for nowhere."""
    if VECTOR in dependencies:
        return f"the {VECTOR} dependency"
    outside_migrations = SKIPPED - {"migrations", "alembic"}  # where a raw CREATE EXTENSION usually is
    for path in [*python_files(root, skipped=outside_migrations), *python_files(root, "*.sql", outside_migrations)]:
        if CREATE_VECTOR.search(path.read_text(errors="replace")):
            return f"CREATE EXTENSION vector in {path.relative_to(root)}"
    return ""


def database_for(kind: str, vector: bool) -> Database | None:
    """The database server init runs for the app (None for SQLite or none), on an image with the vector extension
    when the app uses it."""
    database = DATABASES.get(kind)
    if database and kind == "postgres" and vector:
        return replace(database, official=VECTOR_IMAGE, recipe=VECTOR)
    return database


#: The client libraries that mean each database.
DRIVERS = {
    "postgres": ("asyncpg", "psycopg", "psycopg2", "psycopg2-binary", "psycopg-binary", "psycopg-c"),
    "mysql": ("aiomysql", "asyncmy", "pymysql", "mysqlclient", "mysql-connector-python"),
}


class Backing(NamedTuple):
    findings: list[Finding]
    database: str  # postgres, mysql, sqlite or ""
    redis: bool
    rabbitmq: bool
    folder: str  # the repository folder an SQLite file lives in, when its URL names one
    vector: bool  # PostgreSQL with the vector extension
    init_scripts: str  # the repository's SQL (a file or folder) its PostgreSQL runs at its first start

    def repository_fields(self) -> dict:
        """What a Repository keeps of them."""
        fields = ("database", "redis", "rabbitmq", "vector", "init_scripts")
        return {name: getattr(self, name) for name in fields} | {"data_folder": self.folder}


def backing_services(root: Path, dependencies: tuple[str, ...], settings: Settings | None) -> Backing:
    """PostgreSQL, MySQL (MariaDB), SQLite, Redis and RabbitMQ, from the drivers the project depends on and its
    settings' defaults."""
    findings, database, vector = [], "", ""
    url = settings.database_default if settings else ""
    found = [(kind, d) for kind, drivers in DRIVERS.items() for d in dependencies if d in drivers]
    if found:
        database, driver = found[0]
        vector = vector_use(root, dependencies) if database == "postgres" else ""
        named = {"postgres": "PostgreSQL", "mysql": "MariaDB, for the app's MySQL client"}[database]
        named += " with the vector extension" if vector else ""
        findings.append(Finding("database", named, f"the {driver} dependency" + (f"; {vector}" if vector else "")))
    elif "aiosqlite" in dependencies or url.startswith("sqlite") or (settings and settings.sqlite_files):
        database = "sqlite"
        named = settings.sqlite_files[0] if settings and settings.sqlite_files and not url else None
        source = "aiosqlite" if "aiosqlite" in dependencies else f"{named.variable}'s default" if named else url
        findings.append(Finding("database", "SQLite on a named volume", source))
    folder = sqlite_folder(root, settings) if database == "sqlite" else ""
    findings = [Finding("database", f"SQLite in the host folder {folder}/", settings.source)] if folder else findings
    redis = redis_client(root, dependencies)
    findings += [Finding("redis", "Redis", f"the {redis} dependency")] if redis else []
    defaults = [f.default for f in settings.fields + settings.others if f.default] if settings else []
    rabbitmq = rabbitmq_client(dependencies, defaults)
    findings += [Finding("rabbitmq", "RabbitMQ", f"the {rabbitmq} dependency")] if rabbitmq else []
    scripts = init_scripts(root) if database == "postgres" else ""
    findings += [Finding("database", f"{scripts}, run by PostgreSQL at its first start", scripts)] if scripts else []
    return Backing(findings, database, bool(redis), bool(rabbitmq), folder, bool(vector), scripts)


def sqlite_folder(root: Path, settings: Settings | None) -> str:
    """The repository folder the settings' SQLite URL puts its file in (./var/app.db: var), if it exists."""
    url = settings.database_default if settings else ""
    if not url.startswith("sqlite") or ":///" not in url:
        return ""
    folder = Path(url.split(":///", 1)[1]).parent
    relative = not folder.is_absolute() and folder.parts and folder.parts[0] != ".."
    return str(folder) if relative and str(folder) != "." and (root / folder).is_dir() else ""
