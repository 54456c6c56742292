"""The backing services init writes beside the app: each database it runs (PostgreSQL, with the vector extension or PostGIS
where the app uses it; MariaDB for MySQL clients), Redis and RabbitMQ, as Compose services from their official images (or
local substitutes), hardened and health-gated. What a repository needs of them is read in backing_reading.py."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from fastapi_stackops.adopt.conventions import DATABASE_SERVICE, MARIADB_DATA, MARIADB_SERVICE, POSTGRES_DATA
from fastapi_stackops.adopt.server_blocks import EMPTY_ROOT, MARIADB, POSTGRES, SSL_ON, TRUSTED


@dataclass(frozen=True)
class Login:
    """The app's user and database on the server; by default init's own (app, with a password it makes up). A URL the
    repository writes out (`postgresql://admin:admin@postgres_test:5432/books`, in its code or alembic.ini) is served as
    written: its user, password and database, its host a name of the server too."""

    user: str = "app"
    password: str = ""  # "" when init makes one up
    database: str = "app"
    host: str = ""  # another name the server answers to
    source: str = ""  # where the URL is written
    local_port: int = 0  # the port at localhost the code opens the server at: the app's image forwards it there
    passwordless: bool = False  # the code logs in with no password: the server asks none of it


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
    login: Login = Login()  # the app's user and database on it, and other names it has
    tls: bool = False  # the app's code requires TLS of it (PostgreSQL only: sslmode=require)

    def compose_block(self, init_scripts: str = "") -> str:
        """Its Compose service; `init_scripts` (a file or folder of the repository's) run at its first start."""
        mount = ""
        if init_scripts:
            target = INITDB if Path(init_scripts).suffix != ".sql" else f"{INITDB}/{Path(init_scripts).name}"
            mount = f"      - ./{init_scripts}:{target}:ro\n"
        command = SSL_ON if self.tls and self.kind == "postgres" else ""
        values = {"user": self.login.user, "database": self.login.database, "init_mount": mount, "command": command}
        values["auth_line"] = TRUSTED if self.login.passwordless and self.kind == "postgres" else ""
        return self.template.format(name=self.service, data=self.data, official=self.official, **values, **self.mariadb_root())

    def mariadb_root(self) -> dict[str, str]:
        """MariaDB's user and root lines: a user of the app's and a random root password; or, when the code logs in as
        root, no user (the image makes none of that name) and the app's password as root's."""
        if self.login.user == "root":
            root = EMPTY_ROOT if self.login.passwordless else "      MARIADB_ROOT_PASSWORD: ${MARIADB_PASSWORD}\n"
            return {"user_line": "", "root_line": root}
        return {"user_line": f"      MARIADB_USER: {self.login.user}\n", "root_line": '      MARIADB_RANDOM_ROOT_PASSWORD: "1"\n'}

    def scheme(self, dependencies: tuple[str, ...], settings_scheme: str, async_engine: bool) -> str:
        """The settings' own scheme when it names this database, else Tortoise ORM's for an app on it, else one for a
        driver the app depends on: an async one when the code makes an async SQLAlchemy engine, a sync one otherwise
        (alembic, or the driver itself, reads it)."""
        if self.names(settings_scheme):
            return settings_scheme
        if "tortoise-orm" in dependencies and not {"sqlalchemy", "sqlmodel"} & set(dependencies):
            return self.kind  # Tortoise ORM's own schemes (postgres://, mysql://) pick its driver: it has no +driver
        usable = [(scheme, is_async) for driver, (scheme, is_async) in self.schemes.items() if driver in dependencies]
        fitting = [scheme for scheme, is_async in usable if is_async in (async_engine, None)]
        return (fitting or [scheme for scheme, _ in usable] or [self.default_scheme])[0]

    def names(self, scheme: str) -> bool:
        """Whether a URL's scheme (`postgresql+asyncpg`, `mariadb+pymysql`) is one for this database."""
        return scheme.lower().startswith(SCHEME_NAMES[self.kind])

    def url(self, scheme: str) -> str:
        return f"{scheme}://{self.login.user}:${{{self.password}}}@{self.service}:{self.port}/{self.login.database}"

    def parts(self, scheme: str, sync_scheme: str = "") -> dict[str, str]:
        """The values a database given in parts gets: this service, and the URL's scheme for a DB_DRIVER (a sync one
        for a SYNC_DRIVER, which alembic reads)."""
        return {
            "sync_driver": sync_scheme or scheme,
            "host": self.service,
            "port": str(self.port),
            "user": self.login.user,
            "password": f"${{{self.password}}}",
            "name": self.login.database,
            "driver": scheme,
            "schema": "public",  # PostgreSQL's own namespace, for a schema setting with no default
            "kind": scheme.split("+")[0],  # DB_TYPE=postgresql: the database's kind, as a URL names it
            # DB_DRIVER beside a DB_TYPE, which the code joins with a +: the driver's module alone (psycopg2, asyncpg)
            "module": scheme.partition("+")[2] or {"postgres": "psycopg2", "mysql": "mysqldb"}.get(self.kind, ""),
            # a URL's pieces the code writes the rest around: all after the scheme, all before the database's name
            "address": self.url(scheme).split("://", 1)[1],
            "server": self.url(scheme).rsplit("/", 1)[0],
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
        {  # psycopg2 before psycopg 3 for a sync engine: SQLAlchemy 1.4 has no dialect for the latter
            "asyncpg": ("postgresql+asyncpg", True),
            "psycopg2": ("postgresql", False),
            "psycopg2-binary": ("postgresql", False),
            "psycopg": ("postgresql+psycopg", None),
            "psycopg-binary": ("postgresql+psycopg", None),
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
            "mariadb": ("mariadb+mariadbconnector", False),
        },
        "mysql+pymysql",
    ),
}
#: Where the official PostgreSQL image runs SQL and shell scripts once, at its first start on an empty data directory.
INITDB = "/docker-entrypoint-initdb.d"


@dataclass(frozen=True)
class Extension:
    """A PostgreSQL extension (or a release's own function) the app needs, and the image whose server has it: its
    official one, or a substitute with Debian's package (postgresql-NN, postgresql-NN-<package>)."""

    name: str  # what CREATE EXTENSION names, or the function
    said: str  # PostgreSQL "with the vector extension"
    dependencies: tuple[str, ...]  # the clients that mean it
    official: str
    recipe: str
    used: str = ""  # how the code uses it, when not by CREATE EXTENSION (a regular expression)
    data: str = POSTGRES_DATA  # the image's VOLUME: PostgreSQL 18's official image keeps its data a level up


#: What init gives the app's PostgreSQL: pgvector (only trixie ships it, for PostgreSQL 17), PostGIS (geoalchemy2's;
#: bookworm ships it for the default PostgreSQL 15), and PostgreSQL 18 for its uuidv7() (forky ships it).
EXTENSIONS = {
    "pgvector": Extension("vector", "with the vector extension", ("pgvector",), "pgvector/pgvector:pg17-trixie", "pgvector"),
    "postgis": Extension("postgis", "with PostGIS", ("geoalchemy2",), "postgis/postgis:15-3.5", "postgis"),
    "uuidv7": Extension("uuidv7", "18, for its uuidv7()", (), "postgres:18", "postgres", r"\buuidv7\s*\(", "/var/lib/postgresql"),
}


def database_for(kind: str, extension: str, login: Login | None = None, tls: bool = False) -> Database | None:
    """The database server init runs for the app (None for SQLite or none), on an image with the PostgreSQL extension
    the app uses, serving the login the repository writes out when it does, with TLS when its code requires it."""
    database = DATABASES.get(kind)
    if database:
        database = replace(database, login=login or database.login, tls=tls)
    if database and kind == "postgres" and extension:
        chosen = EXTENSIONS[extension]
        return replace(database, official=chosen.official, recipe=chosen.recipe, data=chosen.data)
    return database


#: How a URL's scheme begins for each database.
SCHEME_NAMES = {"postgres": ("postgres",), "mysql": ("mysql", "mariadb")}

#: The client libraries that mean each database.
DRIVERS = {
    "postgres": ("asyncpg", "psycopg", "psycopg2", "psycopg2-binary", "psycopg-binary", "psycopg-c"),
    "mysql": ("aiomysql", "asyncmy", "pymysql", "mysqlclient", "mysql-connector-python", "mariadb"),
}
