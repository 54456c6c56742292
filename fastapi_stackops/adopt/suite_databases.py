"""The suite's own PostgreSQL logins and databases, which its code writes out rather than reads from a setting: a URL
in a conftest (`postgresql://test_user:test_password@test_db/todo_test`), or the stack's database's name with a
suffix or prefix (`f".../{settings.DATABASE_NAME}_test"`, `'test_' + uri[...]`). Its own CI makes them (a service
container's POSTGRES_USER, a setup step); here a one-shot of the test profile makes them on the stack's server
before the suite runs, keeping any that exist, and the server answers to the host the URL names (MoigeMatino/
fastapi-htmx-todo-spa, tighwm/webnovell-fastapi-htmx-jinja2-tailwind, snkennedy21/fastapi-postgres-posting-site,
Pogchamp-company/fastapi-async-sqlalchemy-template: "database ... does not exist")."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from fastapi_stackops.adopt.backing import Database
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.source import LOCAL_HOSTS
from fastapi_stackops.adopt.syntax import every_node, literal_names, parsed, written_text
from fastapi_stackops.adopt.wheels import text_of
from fastapi_stackops.adopt.written_login import NAMED_DATABASE

#: A PostgreSQL URL written out in full, in quotes: user, password, host, port, database.
WRITTEN_URL = re.compile(
    r"""["']postgres(?:ql)?(?:\+\w+)?://(?P<user>[\w.-]+):(?P<password>[^@/\s"'{}]+)@(?P<host>[A-Za-z0-9][\w.-]*)"""
    r"""(?::(?P<port>\d+))?/(?P<database>\w+)(?:\?[^\s"']*)?["']"""
)
#: The stack's database's name with a suffix the suite adds (`/{settings.DATABASE_NAME}_test'`), or a prefix
#: (`'test_' + uri[start:]`).
SUFFIXED = re.compile(r"""/\{[^{}]+\}(_test)["'?]""")
PREFIXED = re.compile(r"""["'](test_)["']\s*\+""")
#: The one-shot that makes them, in the test profile.
SUITE_DATABASES_SERVICE = "suite-databases"


@dataclass(frozen=True)
class SuiteDatabase:
    """A login and database the suite connects with; an empty user is the stack's own."""

    user: str
    password: str
    database: str  # "{database}" stands for the stack's database's name, which the suite's is built around
    host: str  # the host it is written at ("" for the stack's setting); localhost is the test container itself
    source: str


def suite_databases(root: Path, folder: str, port: int = 5432) -> tuple[SuiteDatabase, ...]:
    """Every login and database the suite's conftest.py files write out at the server's port, in the order found: where
    a suite sets up what it connects to. A test module's URLs are often its data (a URL parser's cases), not its own."""
    found: list[SuiteDatabase] = []
    for path in sorted((root / folder).rglob("conftest.py")):
        text, where = text_of(path), path.relative_to(root).as_posix()
        for url in WRITTEN_URL.finditer(text):
            if int(url["port"] or port) == port:
                found.append(SuiteDatabase(url["user"], unquote(url["password"]), url["database"], url["host"], where))
        found += [SuiteDatabase("", "", name, "", where) for name in named_in_templates(path)]
        found += [SuiteDatabase("", "", "{database}" + m[1], "", where) for m in SUFFIXED.finditer(text)]
        found += [SuiteDatabase("", "", m[1] + "{database}", "", where) for m in PREFIXED.finditer(text)]
    return tuple(dict.fromkeys(found))


def named_in_templates(path: Path) -> list[str]:
    """The databases a conftest's URL templates name as written, their login's parts read (GonZoRus/fastapi-wallet-
    service's `f"postgresql+asyncpg://{DB_USER}:{DB_PASSWORD}@{DB_HOST}:{DB_PORT}/{TEST_DB_NAME}"`, TEST_DB_NAME =
    "wallet_test_db": "database ... does not exist"): the stack's user's own."""
    tree = parsed(path)
    names = literal_names(tree) if tree else {}
    texts = (written_text(n, names, unknown="\0") for n in every_node(tree) if isinstance(n, ast.JoinedStr)) if tree else ()
    found = (NAMED_DATABASE.match(text) for text in texts)
    return [m["database"] for m in found if m and m["scheme"].lower().startswith("postgres")]


def hosts_named(databases: tuple[SuiteDatabase, ...], service: str) -> list[str]:
    """The other names the server answers to for the suite: the hosts its URLs write, this machine's aside."""
    return list(dict.fromkeys(d.host for d in databases if d.host and d.host not in (*LOCAL_HOSTS, service)))


def shares_the_servers_network(repo: Repository) -> bool:
    """Whether the test container shares the database server's network namespace: a URL of the suite's is at
    localhost, as its CI job's service container is, and the suite does not ask the app's server there instead."""
    return any(d.host in LOCAL_HOSTS for d in of_repository(repo)) and not repo.service_tests.calls_the_server


def for_the_suite(repo: Repository, value: str) -> str:
    """A URL at localhost (a default the suite reads, its pipeline's value) that logs in to one of the suite's own
    databases, which the one-shot makes: its login and database as written, at the stack's server; "" for another."""
    found, database = WRITTEN_URL.match(f'"{value}"'), repo.database_server
    wanted = [(d.user, d.database) for d in of_repository(repo)]
    if not found or found["host"] not in LOCAL_HOSTS or (found["user"], found["database"]) not in wanted:
        return ""
    return value.replace(f"@{found['host']}", f"@{database.service}", 1)


def made_sql(databases: tuple[SuiteDatabase, ...], user: str, database: str) -> list[str]:
    """psql's lines making each login and database that does not exist yet (\\gexec runs what the query returns)."""
    lines: list[str] = []
    for wanted in databases:
        owner, name = wanted.user or user, wanted.database.replace("{database}", database)
        if owner != user:
            role = f"format('CREATE ROLE %I LOGIN PASSWORD %L', {literal(owner)}, {literal(wanted.password)})"
            lines.append(f"SELECT {role} WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {literal(owner)})\\gexec")
        if (owner, name) != (user, database):
            made = f"format('CREATE DATABASE %I OWNER %I', {literal(name)}, {literal(owner)})"
            lines.append(f"SELECT {made} WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = {literal(name)})\\gexec")
    return list(dict.fromkeys(lines))


def literal(text: str) -> str:
    """An SQL string literal, `$` doubled for Compose's interpolation."""
    return "'" + text.replace("'", "''").replace("$", "$$") + "'"


def suite_databases_block(lines: list[str], database: Database, sources: str) -> str:
    """The one-shot making them: the server's own image (its psql), logged in as the server's superuser; a tmpfs where
    the image keeps its data, which would otherwise be an anonymous volume."""
    image, server, user = f"${{{database.variable}-{database.official}}}", database.service, database.login.user
    sql = "".join(f"        {line}\n" for line in lines)
    script = f"printf '%s\\\\n' \\\"$$SUITE_SQL\\\" | psql -v ON_ERROR_STOP=1 -q -h {server} -U {user} -d postgres"
    return f"""  {SUITE_DATABASES_SERVICE}:
    # The suite's own logins and databases, written out in {sources}: made on the stack's server
    # before it runs, as its own CI's service container would; those that exist are kept.
    profiles: [test]
    image: {image}
    entrypoint: ["sh", "-c", "{script}"]
    environment:
      PGPASSWORD: ${{{database.password}}}
      SUITE_SQL: |
{sql}    depends_on:
      {server}:
        condition: service_healthy
    read_only: true
    tmpfs: [/tmp, {database.data}]
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    restart: "no"
"""


def of_repository(repo: Repository) -> tuple[SuiteDatabase, ...]:
    """What the repository's suite writes out on its PostgreSQL server beyond the stack's own login and database (none
    for another database, or no suite)."""
    database = repo.database_server
    if not repo.service_tests or not database or database.kind != "postgres":
        return ()
    login = database.login  # the stack's own login and database: the stack's URL, with its password, reaches them
    own = suite_databases(repo.root, repo.service_tests.folder, database.port)
    return tuple(d for d in own if (d.user or login.user, d.database) != (login.user, login.database))


def suite_databases_text(repo: Repository) -> str:
    """The one-shot's Compose block; "" when the suite needs nothing the stack's own login lacks."""
    database, wanted = repo.database_server, of_repository(repo)
    lines = made_sql(wanted, database.login.user, database.login.database) if wanted else []
    if not lines:
        return ""
    return suite_databases_block(lines, database, ", ".join(dict.fromkeys(d.source for d in wanted)))
