"""Databases init refuses to adopt, each in one line before any build: one it runs no image of (SQL Server, Oracle,
MongoDB, Azure Cosmos DB), and a server the app names with no driver for it among its dependencies."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi_stackops.adopt.app_settings import DATABASE_FIELD, Settings, setting_fields
from fastapi_stackops.adopt.backing import DRIVERS
from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.source import AT_LOCALHOST, imported_names, written_strings, written_templates
from fastapi_stackops.failure_bundle import masked

#: Drivers of databases no image here runs, and what their settings' defaults say when the app's database is one.
UNRUN_DATABASES = (
    ("SQL Server", ("pyodbc", "aioodbc", "pymssql", "mssql-python"), re.compile(r"SQL Server|mssql|:1433\b", re.I)),
    ("Oracle", ("oracledb", "cx-oracle"), re.compile(r"oracle", re.I)),
    # No Debian suite ships MongoDB's server (its licence), so no substitute can be built from one.
    ("MongoDB", ("pymongo", "motor", "beanie", "odmantic", "mongoengine"), re.compile(r"mongo", re.I)),
    # A cloud service alone, with no server to run at all.
    ("Azure Cosmos DB", ("azure-cosmos",), re.compile(r"cosmos", re.I)),
)


#: Modules that speak to a SQL database: an app importing one uses the database init runs.
SQL_CLIENTS = frozenset(
    "sqlalchemy sqlmodel psycopg2 psycopg asyncpg aiomysql asyncmy pymysql mysqldb tortoise databases peewee ormar piccolo".split()
)


def unrun_database(root: Path, dependencies: tuple[str, ...], settings: Settings | None, required: bool = False) -> None:
    """Refuses, in one line, an app whose database is one init runs no image of (SQL Server, Oracle, MongoDB): a setting's
    default or a required setting's name says that database, or its code imports the driver or writes out a URL of
    that database (a URL read from a .env alone names nothing), and its driver is a dependency. With `required` (a
    driver of a database init runs is a dependency too), only when the code imports no SQL client at all, or writes
    that database's URL out at localhost: a setting the app cannot start without, and a driver its code imports, say
    it then."""
    imported = {module.lower() for module in imported_names(root)}  # cx_Oracle
    # Its SQL database in use beside it: a Mongo client connects lazily, though nothing serves one at localhost.
    beside_sql = bool(required and imported & SQL_CLIENTS)
    fields = [f for f in setting_fields(settings) if (f.default is None or not required) and not beside_sql]
    # (what is said, what is searched): a default naming it (DB_DRIVER="ODBC Driver 17 for SQL Server"), else a
    # setting's own name (MSSQL_SA_PASSWORD).
    named_by = [
        (f"{f.variable}={masked(f.default, set())!r}", f.default) if f.default else (f.variable, f.variable) for f in fields
    ]
    for name, drivers, said in UNRUN_DATABASES:
        driver = next((d for d in dependencies if d in drivers), None)
        named = next((shown for shown, searched in named_by if said.search(searched)), None)
        imports = bool(driver) and driver.replace("-", "_") in imported
        written = written_url(root, said, local=required) if driver and (beside_sql or not required) else None
        named = named or (f"its code imports {driver}" if imports and not required else None) or written
        if driver and named and (imports or not required):
            where = settings.source if settings else str(root)
            raise NotAFastAPIRepository(
                f"{where}: the app's database is {name} ({named}, the {driver} dependency), which init runs "
                "no image of (PostgreSQL, MySQL/MariaDB, SQLite): run its stack yourself, or move the app to one of those"
            )


def written_url(root: Path, said: re.Pattern, local: bool = False) -> str | None:
    """Where the code writes out a URL whose scheme names that database, an f-string's too (bupemulenga13's
    `f"mssql+pyodbc://sa:{password}@..."`); with `local`, one at localhost alone, its fields anything; None for none."""
    texts = [*written_strings(root), *(written_templates(root) if local else ())]
    found = (
        where
        for text, where in texts
        if "://" in text and said.search(text.split("://")[0]) and (not local or AT_LOCALHOST.match(text))
    )
    return next((f"a URL at {'localhost, ' if local else ''}{where}" for where in found), None)


#: A required database URL whose name says its server (POSTGRES_URL, PG_DSN, MYSQL_DATABASE_URL): which, and its drivers.
NAMED_SERVER = (
    ("PostgreSQL", "postgres", re.compile(r"^(postgres|pg)", re.I), re.compile(r"\bPostgres(QL)?Dsn\b")),
    ("MySQL", "mysql", re.compile(r"^(mysql|mariadb)", re.I), re.compile(r"\b(MySQL|MariaDB)Dsn\b")),
)


def refuse_a_driverless_database(settings: Settings | None, beside_sqlite: bool = False) -> None:
    """Refuses, in one line, an app that cannot start without a URL of PostgreSQL or MySQL, by its name (POSTGRES_URL)
    or, whatever SQLite driver it also depends on, by its type (`database_url: PostgresDsn`, virajssolanki's), and
    depends on no driver of it: its own image installs one its dependency files do not name, so the app would fail at
    its first connection."""
    for field in setting_fields(settings):
        for name, kind, said, typed in NAMED_SERVER:
            named = not beside_sqlite and DATABASE_FIELD.search(field.variable) and said.match(field.variable)
            if field.default is None and (named or typed.search(field.annotation)):
                raise NotAFastAPIRepository(
                    f"{settings.source}: the app needs {field.variable}, a {name} URL, and none of its dependencies is "
                    f"a {name} driver: add one ({', '.join(DRIVERS[kind][:3])}) to its dependency file"
                )
