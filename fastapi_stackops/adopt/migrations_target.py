"""Migrations that may open another database than the app's: alembic.ini's URL at localhost (the container itself)
or of another kind than the app's (a SQLite file beside the app's PostgreSQL). Where env.py uses it (as written, or
before its setting), the app's tables would never be made where the app looks for them; alembic runs instead with
alembic.ini's URL replaced by the stack's database's, from MIGRATIONS_DATABASE_URL, as a developer would edit
alembic.ini for a server. An env.py that sets its own URL replaces that one in turn, as it replaced alembic.ini's."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from fastapi_stackops.adopt.backing import SCHEME_NAMES, Database
from fastapi_stackops.adopt.environment_reads import migration_environments
from fastapi_stackops.adopt.file_text import text_of
from fastapi_stackops.adopt.findings import Finding
from fastapi_stackops.adopt.known_modules import DISTRIBUTION_OF
from fastapi_stackops.adopt.migrations import UPGRADE, alembic_ini_url, alembic_location, kept_apart, migrations
from fastapi_stackops.adopt.package_index import normalized
from fastapi_stackops.adopt.source import ASYNC_ENGINE, AT_LOCALHOST, python_files
from fastapi_stackops.adopt.syntax import code_text, parsed

#: The variable holding the URL the migrations open: the stack's database, in the scheme of a driver the code has.
MIGRATIONS_URL = "MIGRATIONS_DATABASE_URL"
#: `alembic upgrade heads` with alembic.ini's URL replaced by the stack's (`%` doubled for its ini interpolation).
#: alembic is imported with the code's folder off the path (`python -c`'s, and PYTHONPATH's): a migrations folder named
#: alembic with an __init__.py shadowed the package ("cannot import name 'command' from 'alembic'", Kira7dn/
#: fastapi_template); the path comes back for env.py, which imports the app's models.
UPGRADE_AT_THE_STACK = (
    'python -c "import os, sys; path = sys.path[:]; sys.path[:] = [p for p in path if os.path.abspath(p) != os.getcwd()]; '
    "from alembic import command; from alembic.config import Config; sys.path[:] = path; "
    f"config = Config('alembic.ini'); config.set_main_option('sqlalchemy.url', os.environ['{MIGRATIONS_URL}']"
    ".replace('%', '%%')); command.upgrade(config, 'heads')\""
)


def alembic_folder(upgrade: str) -> str:
    """The folder alembic runs from: `env -C backend alembic upgrade heads` runs from backend/; "" for the top."""
    return upgrade.split()[2] if upgrade.startswith("env -C ") else ""


#: A URL at an IP address written out (Docker's default bridge's 172.17.0.2, a machine on a developer's network): a
#: machine of its own, never the stack's database, which is known by its service's name.
AT_AN_ADDRESS = re.compile(r"^[a-z][a-z0-9+]*://([^@/]*@)?\d{1,3}(\.\d{1,3}){3}(:\d+)?(/|$)", re.I)


def elsewhere(root: Path, database: str) -> str:
    """alembic.ini's URL when it is not the app's database server's: at localhost or an address, or of another kind; "" otherwise
    (and for an app on SQLite or none, whose file init does not move)."""
    url, _ = alembic_ini_url(root)
    # alembic's own placeholder (driver://user:pass@localhost/dbname) opens nothing: env.py sets the URL it uses
    if "://" not in url or url.startswith("driver://") or database not in SCHEME_NAMES:
        return ""
    away = AT_LOCALHOST.match(url) or AT_AN_ADDRESS.match(url)
    return url if away or not url.lower().startswith(SCHEME_NAMES[database]) else ""


def at_the_stack(found: Finding | None, root: Path, database: str) -> Finding | None:
    """The migrations, run at the stack's database when alembic.ini's URL is elsewhere (kskgit/fastapi-project's at
    localhost, piyota0901/fastapi-todo-app's SQLite file); any other as found."""
    upgrade = found.value if found else ""
    url = elsewhere(root / alembic_folder(upgrade), database) if upgrade.endswith(UPGRADE) else ""
    if not url:
        return found
    said = f"{url.split('://')[0]}:// in alembic.ini is not the app's database: run at the stack's ({MIGRATIONS_URL})"
    return Finding("migrations", upgrade.replace(UPGRADE, UPGRADE_AT_THE_STACK), f"{found.source}; {said}")


#: A sync engine made in alembic's env.py, and the sync drivers of PostgreSQL one may load.
SYNC_ENGINE = re.compile(r"\b(engine_from_config|create_engine)\(")
SYNC_POSTGRES = ("psycopg2", "psycopg2-binary", "psycopg", "psycopg-binary", "pg8000")


def sync_driver(root: Path, found: Finding | None, dependencies: tuple[str, ...], database: str) -> str:
    """psycopg2-binary when alembic's env.py makes a sync engine and the app declares no sync driver of its PostgreSQL
    (asyncpg alone): a developer's environment has one its dependency files do not name; "" otherwise."""
    upgrade = found.value if found else ""
    if database != "postgres" or UPGRADE not in upgrade or set(SYNC_POSTGRES) & set(dependencies):
        return ""
    text = env_text(root, upgrade)
    return "psycopg2-binary" if SYNC_ENGINE.search(text) and not ASYNC_ENGINE.search(text) else ""


def env_text(root: Path, upgrade: str) -> str:
    """The code of the env.py the upgrade runs, as alembic.ini names it (no comments, nor old code kept in a string);
    "" for none (alembic configured in pyproject.toml)."""
    folder = root / alembic_folder(upgrade)
    env = folder / alembic_location(folder) / "env.py" if (folder / "alembic.ini").is_file() else None
    return code_text(env) if env and env.is_file() else ""


def migrations_of(
    root: Path, dependencies: tuple[str, ...], installer: str, database: str
) -> tuple[Finding | None, tuple[str, ...], list[Finding]]:
    """The migrations that run before the app (migrations.migrations), at the stack's database when alembic.ini's URL
    is elsewhere; what the image adds for them (alembic's pin, a sync driver for a sync env.py, aerich for a Tortoise
    config that loads its models), and what else is said of that."""
    found, added = migrations(root, dependencies, installer)
    if driver := sync_driver(root, found, dependencies, database):
        said = f"{found.source}; {driver} added for its env.py's sync engine, the app's drivers being async"
        found = Finding(found.what, found.value, said)
    # aerich among the dev dependencies only, whose models the Tortoise config loads: the app cannot start without it
    # (plusiv/fastapi-tortoise-api-base crash-looped on `Module "aerich.models" not found`).
    loaded = aerich_loaded(root)
    aerich = kept_apart(root, installer, "aerich") if loaded and "aerich" not in dependencies else ""
    of_aerich = [Finding("added", f"{aerich}, a dev dependency only, which the Tortoise config loads", loaded)]
    imported = {pin: at for pin, at in (imported_apart(root, dependencies, installer) if found else {}).items() if pin != added}
    said = [Finding("added", f"{pin}, a dev dependency only, which the migrations import", at) for pin, at in imported.items()]
    pins = tuple(p for p in (added, driver, aerich, *imported) if p)
    return at_the_stack(found, root, database), pins, (of_aerich if aerich else []) + said


def imported_apart(root: Path, dependencies: tuple[str, ...], installer: str) -> dict[str, str]:
    """Pin -> env.py, for each package alembic's env.py imports at its top that only a dev group, an extra or a dev
    requirements file names: the stack runs the migrations from the image (ahMADASSadi/FastApi_Template's
    alembic-postgresql-enum, in its dev group; the web crash-looped on "No module named 'alembic_postgresql_enum'")."""
    declared = {normalized(d) for d in dependencies}
    found: dict[str, str] = {}
    for env in migration_environments(root):
        tree = parsed(env)
        imported = {a.name.split(".")[0] for n in (tree.body if tree else []) if isinstance(n, ast.Import) for a in n.names}
        imported |= {
            n.module.split(".")[0]
            for n in (tree.body if tree else [])
            if isinstance(n, ast.ImportFrom) and n.module and not n.level
        }
        held = {m for m in imported if (root / m).is_dir() or (root / f"{m}.py").is_file()}  # the repository's own
        for module in sorted(imported - held - set(sys.stdlib_module_names)):
            distribution = normalized(DISTRIBUTION_OF.get(module, module))
            pin = kept_apart(root, installer, distribution) if distribution not in declared else ""
            found |= {pin: str(env.relative_to(root))} if pin else {}
    return found


#: How a Tortoise config names aerich's models among its apps'.
AERICH_MODELS = "aerich.models"


def aerich_loaded(root: Path) -> str:
    """The file whose Tortoise config loads aerich's models ("aerich.models", its migration history's table), or ""."""
    return next((str(p.relative_to(root)) for p in python_files(root) if AERICH_MODELS in text_of(p)), "")


def migrations_environment(root: Path, migrations: str, server: Database | None, drivers: tuple[str, ...]) -> dict[str, str]:
    """MIGRATIONS_DATABASE_URL for migrations run at the stack's database server: alembic.ini's own scheme when it names
    that database (its driver is the one env.py was written for), else one of the app's drivers (`drivers`: its
    dependencies), async when env.py makes an async engine."""
    if MIGRATIONS_URL not in migrations or not server:
        return {}
    folder = root / alembic_folder(migrations)
    scheme = alembic_ini_url(folder)[0].split("://")[0]
    if not server.names(scheme):
        scheme = server.scheme(drivers, "", bool(ASYNC_ENGINE.search(env_text(root, migrations))))
    return {MIGRATIONS_URL: f"${{{MIGRATIONS_URL}-{server.url(scheme)}}}"}
