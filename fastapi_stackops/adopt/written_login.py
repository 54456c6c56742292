"""A database login the repository writes out rather than reads from a setting: a URL its code binds to a name at
module level (`DATABASE_URL = "postgresql://admin:admin@postgres:5432/books"`), or alembic.ini's `sqlalchemy.url`
when its env.py connects with it as written. The app logs in with it whatever the stack's environment says, so the
stack's server serves it: its user, password and database, and its host as another name of the server. And what else
the repository writes out of its database's URL: alembic.ini's as written, the SQLite file it names, and the plain
scheme the code rewrites into a driver's itself."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

from fastapi_stackops.adopt.backing import DATABASES, SCHEME_NAMES, Login
from fastapi_stackops.adopt.config_files import config_login
from fastapi_stackops.adopt.dependency_files import pyproject
from fastapi_stackops.adopt.environment_reads import constant_text
from fastapi_stackops.adopt.findings import Finding
from fastapi_stackops.adopt.migrations import alembic_ini_url, alembic_location, nested_alembic
from fastapi_stackops.adopt.source import AT_LOCALHOST, python_files
from fastapi_stackops.adopt.syntax import calls, code_text, every_node, literal_names, parsed, written_text
from fastapi_stackops.adopt.testing import suite_env
from fastapi_stackops.adopt.url_parts import ENGINES
from fastapi_stackops.adopt.wheels import text_of

#: A URL that logs in at a host by name: scheme://user:password@host[:port]/database[?options]; the host (and port)
#: may be an f-string's field (NUL) where the rest is written out (`f"postgresql://postgres:pw@{db_host}/app"`).
LOGIN_URL = re.compile(
    r"^(?P<scheme>[a-z]+)(\+\w+)?://(?P<user>[\w.-]+):(?P<password>[^@/\s\0]+)"
    r"@(?P<host>[A-Za-z][\w.-]*|\0)(:(?P<port>\d+|\0))?/(?P<database>\w+)(\?[^\s\0]*)?$"
)
#: An SQLite URL the code writes at a path of its own: relative to where the app runs (`sqlite:///database.db`,
#: SQLModel's tutorial's; Tortoise ORM's `sqlite://./app.db`), a file under the code, which is read-only in the image;
#: or absolute, where the repository's own Dockerfile kept it (`sqlite:////app/db/app.db`), not under /tmp (a tmpfs).
#: A file needs no extension (`sqlite:///./car_rental_db`); a folder, ending in `/`, is none.
SQLITE_FILE_URL = re.compile(r"^sqlite(?:\+\w+)?:///?(?:\./)?((?:/(?!tmp/))?(?=[\w./-]*\w)[\w.-][\w./-]*(?<!/))$")
#: An env.py that sets the URL itself (from a setting or the environment): alembic.ini's is not the one it uses. A
#: setting about anything else (`settings.Base.metadata`, the models' metadata) is no URL.
SETS_ITS_URL = re.compile(r"set_main_option|environ|getenv|settings\.\w*(?i:url|uri|dsn|database|db|postgres|mysql|sql)")


def alembic_url(root: Path) -> tuple[str, str]:
    """alembic.ini's `sqlalchemy.url` and its line, when its env.py connects with it as written; ("", "") otherwise.
    An alembic.ini a level or two down (fastapi_example/alembic.ini) when the top has none: the migrations run there."""
    folder = "" if (root / "alembic.ini").is_file() else nested_alembic(root)
    ini = root / folder
    location = alembic_location(ini) if (ini / "alembic.ini").is_file() else ""
    env = code_text(ini / location / "env.py") if location and (ini / location / "env.py").is_file() else ""
    url, where = alembic_ini_url(ini) if env and not SETS_ITS_URL.search(env) else ("", "")
    return url, f"{folder}/{where}" if folder and where else where


def migrations_url(root: Path) -> tuple[str, str]:
    """The URL alembic's migrations open as written, and where: alembic.ini's when env.py uses it, else one env.py
    sets as a literal (`config.set_main_option("sqlalchemy.url", "postgresql://...")`); ("", "") for neither."""
    location = alembic_location(root) if (root / "alembic.ini").is_file() else ""
    tree = parsed(root / location / "env.py") if location and (root / location / "env.py").is_file() else None
    for call in (n for n in every_node(tree) if calls(n, "set_main_option")) if tree else ():
        if len(call.args) > 1 and constant_text(call.args[0]) == "sqlalchemy.url" and constant_text(call.args[1]):
            return constant_text(call.args[1]), f"{location}/env.py line {call.lineno}"
    return alembic_url(root)


def bound_urls(root: Path) -> Iterator[tuple[str, str]]:
    """The URLs the code binds to a name at module level or in a class there (a settings class's default), or hands an
    engine as it makes it, as a string literal or an f-string (its fields as NUL), and where."""
    for path in python_files(root):
        tree = parsed(path)
        body = getattr(tree, "body", [])
        body = [*body, *(n for c in body if isinstance(c, ast.ClassDef) for n in c.body)]
        bound = [n.value for n in body if isinstance(n, ast.Assign | ast.AnnAssign)]
        nodes = every_node(tree) if tree else ()
        engines = [n.args[0] for n in nodes if any(calls(n, e) for e in ENGINES) and n.args]
        names = literal_names(tree) if tree else {}  # dixon1e/fastapi-chat-app's f"...@db/{DBNAME}", DBNAME = "conversations"
        for value in bound + engines:
            text = written_text(value, names, unknown="\0")
            yield from [(text, f"{path.relative_to(root)} line {value.lineno}")] if "://" in text else []


def suite_urls(root: Path) -> Iterator[tuple[str, str]]:
    """The URLs pytest's env setting (pytest-env) gives the suite, `D:` and `R:` flags aside: its tests log in with them
    whatever the stack's environment says (`DB_URI=postgresql+asyncpg://postgres:password@postgres:5432/test`)."""
    for _, value in suite_env(root, pyproject(root)):
        if "://" in value:
            yield value, "pytest's env setting"


def written_login(root: Path, kind: str, local: tuple[str, str] | None = None) -> tuple[Login | None, list[Finding]]:
    """The login a URL of the app's kind of database, written out at a host by name, logs in with; what init says of
    it. Not one at localhost (the container itself) or at another port. `local`: the URL at localhost
    the code opens, and where (code_databases.local_database): its login, its port forwarded to the server."""
    database = DATABASES.get(kind)
    if local and database:
        return local_login(*local, kind)
    for url, where in [alembic_url(root), *bound_urls(root), *suite_urls(root)] if database else ():
        found = LOGIN_URL.match(url)
        if not found or AT_LOCALHOST.match(url) or not found["scheme"].lower().startswith(SCHEME_NAMES[kind]):
            continue
        port = found["port"] if found["port"] != "\0" else None
        if int(port or database.port) != database.port:  # MySQL's root too: the server's root (Database.compose_block)
            continue
        host = found["host"].strip("\0")  # a field's: the setting it reads names the server
        login = Login(found["user"], unquote(found["password"]), found["database"], host, where)
        said = f"user {login.user} and database {login.database}{f' at {host}' if host else ''}, as a URL written out"
        return login, [Finding("database", said, where)]
    login = config_login(root, kind) if database else None
    said = f"user {login.user} and database {login.database}, as a config file of the app's gives them" if login else ""
    return (login, [Finding("database", said, login.source)]) if login else named_database(root, kind)


#: A URL of the login's parts read (fields, as NUL) and its database's name written out: `"mariadb://" + s.DB_USER +
#: ":" + s.DB_PASS + "@" + s.DB_HOST + ":" + s.DB_PORT + "/flight_record"`.
NAMED_DATABASE = re.compile(r"^(?P<scheme>[a-z]+)(\+\w+)?://\0:\0@\0(:(\0|\d+))?/(?P<database>\w[\w-]*)(\?[^\s\0]*)?$", re.I)


def named_database(root: Path, kind: str) -> tuple[Login | None, list[Finding]]:
    """The database a URL of the app's kind names as written, its login's parts read (init wires them to its own
    login): the stack's server makes that database for it (the-peach-drone's app user was let into none other)."""
    for url, where in bound_urls(root) if kind in DATABASES else ():
        found = NAMED_DATABASE.match(url)
        if found and found["scheme"].lower().startswith(SCHEME_NAMES[kind]):
            said = f"database {found['database']}, as the code's URL names it"
            return Login(database=found["database"], source=where), [Finding("database", said, where)]
    return None, []


def served_as_written(url: str) -> bool:
    """Whether the stack's server serves a login at localhost the code writes out as it is: one with a password; one
    with none on PostgreSQL (which then trusts the stack's network) or as MariaDB's root (its empty password allowed)."""
    found = LOCAL_LOGIN.match(url)
    return bool(found and (found["password"] or url.lower().startswith("postgres") or found["user"] == "root"))


def local_login(url: str, where: str, kind: str) -> tuple[Login, list[Finding]]:
    """The login of a URL at localhost the code opens, the port the app's image forwards to the stack's server."""
    found = LOCAL_LOGIN.match(url)  # else one assembled of its settings' parts, which init wires to its own login
    if not found:
        port = int(given[1]) if (given := LOCAL_PORT.search(url)) else DATABASES[kind].port
        said = f"{url}, of its settings' parts: localhost:{port} forwarded to the stack's server"
        return Login(source=where, local_port=port), [Finding("database", said, where)]
    port = int(found["port"] or DATABASES[kind].port)
    password = unquote(found["password"] or "")
    login = Login(found["user"], password, found["database"], "", where, local_port=port, passwordless=not password)
    said = f"user {login.user} and database {login.database} at localhost:{port}, as the code writes them: forwarded"
    return login, [Finding("database", f"{said} to the stack's server", where)]


#: A URL at localhost with its login written out whole: scheme://user[:password]@localhost[:port]/database[?options]
#: (no password: one a local install's user has, okymikhael/fastapi-hospital-restAPI's `mysql://root:@localhost/...`).
#: A field of an f-string (`{...}`) is no part of a login written out.
LOCAL_LOGIN = re.compile(
    r"^[a-z]+(\+\w+)?://(?P<user>[\w.-]+)(:(?P<password>[^@/\s{}]*))?@(localhost|127\.0\.0\.1)(:(?P<port>\d+))?"
    r"/(?P<database>\w[\w-]*)(\?\S*)?$",
    re.I,
)


#: The port of a URL at localhost.
LOCAL_PORT = re.compile(r"@(?:localhost|127\.0\.0\.1):(\d+)")


#: Code that rewrites its URL's scheme into a driver's (`url.replace("postgresql://", "postgresql+asyncpg://")`,
#: `url.replace("sqlite", "sqlite+aiosqlite", 1)`).
REWRITES_SCHEME = re.compile(
    r"""\.replace\(\s*["'](postgres(?:ql)?|mysql|mariadb|sqlite)(?:://)?["']\s*,\s*["'][a-z]+\+\w+(?:://)?["']"""
)


#: Code that puts a driver into whatever scheme its URL has (`url.replace("://", "+asyncpg://")`): the driver's plain one.
APPENDS_DRIVER = re.compile(r"""\.replace\(\s*["']://["']\s*,\s*["']\+(\w+)://["']""")
DRIVERS_SCHEME = {"asyncpg": "postgresql", "psycopg": "postgresql", "psycopg2": "postgresql", "aiosqlite": "sqlite"}
DRIVERS_SCHEME |= dict.fromkeys(("aiomysql", "asyncmy", "pymysql", "mysqldb"), "mysql")


def rewritten_scheme(root: Path, sqlite: bool = False) -> str:
    """The plain scheme the code expects its database URL in when it rewrites that into a driver's itself ("" for none):
    given a driver's already, the rewrite finds nothing to replace (or doubles it), and a sync engine (alembic's) gets
    the async one. A server's, or with `sqlite` SQLite's (`url.replace("sqlite", "sqlite+aiosqlite", 1)`)."""
    texts = [text_of(path) for path in python_files(root)]
    found = [match[1] for text in texts for match in REWRITES_SCHEME.finditer(text)]
    found += [DRIVERS_SCHEME.get(match[1], "") for text in texts for match in APPENDS_DRIVER.finditer(text)]
    return next((scheme for scheme in found if scheme and (scheme == "sqlite") is sqlite), "")


def migrations_sqlite_file(root: Path, url: str) -> str:
    """The SQLite file alembic.ini names beside the code, when its env.py connects with it as written and the app's own
    default names that file too (./shortener.db both), or the app has no default (`url` ""): a link to the app's file
    on the volume makes the migrations' tables the app's."""
    found = SQLITE_FILE_URL.match(alembic_url(root)[0])
    if not found:
        return ""
    same = not url or (url.startswith("sqlite") and url.rsplit("/", 1)[-1] == Path(found.group(1)).name)
    return found.group(1) if same else ""


def migrations_alias(root: Path, in_code: str) -> str:
    """alembic.ini's SQLite file beside the code when it is another than the one the app opens (./test.db beside the
    code's ./app.db), as env.py connects with it as written: a link to the app's file on the volume makes the tables
    the migrations make the app's. "" when it is the same file, or none."""
    found = SQLITE_FILE_URL.match(alembic_url(root)[0])
    return found.group(1) if found and in_code and Path(found.group(1)).name != Path(in_code).name else ""
