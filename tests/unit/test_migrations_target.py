"""fastapi_stackops/adopt/migrations_target.py: migrations whose alembic.ini opens another database than the app's run
at the stack's."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_stackops.adopt.migrations_target import MIGRATIONS_URL, UPGRADE_AT_THE_STACK
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import compose_text
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
GENERIC_ENV = 'context.configure(url=config.get_main_option("sqlalchemy.url"))\n'
ASYNC_ENV = "from sqlalchemy.ext.asyncio import async_engine_from_config\n" + GENERIC_ENV
INI = "[alembic]\nscript_location = migrations\nsqlalchemy.url = {url}\n"


@pytest.mark.parametrize(
    ("requirements", "ini_url", "env", "served"),
    [
        # kskgit/fastapi-project: alembic.ini's URL at localhost, which env.py uses; it crash-looped on it in ci
        ("fastapi\npsycopg2-binary\nalembic\n", "postgresql://u:pw@localhost:5432/dev", GENERIC_ENV, "postgresql://"),
        # piyota0901/fastapi-todo-app: alembic.ini's SQLite file, the app's PostgreSQL: no table where the app looks
        ("fastapi\nasyncpg\nalembic\n", "sqlite:///dev.db", ASYNC_ENV, "postgresql+asyncpg://"),
        # MamangRust/payment-gateway-clean-fastapi-sqlalchemy: Docker's bridge address, 172.17.0.2; alembic waited on
        # it until the web's health gave up, with no line in its log
        ("fastapi\npsycopg2-binary\nalembic\n", "postgresql://u:pw@172.17.0.2:5432/dev", GENERIC_ENV, "postgresql://"),
        # a login at a host by name, of the app's database: served as written (written_login), run as written
        ("fastapi\npsycopg2-binary\nalembic\n", "postgresql://u:pw@db:5432/dev", GENERIC_ENV, None),
        ("fastapi\nalembic\n", "postgresql://u:pw@localhost:5432/dev", GENERIC_ENV, None),  # SQLite's app: not moved
        ("fastapi\nasyncpg\nalembic\n", "driver://user:pass@localhost/dbname", GENERIC_ENV, None),  # alembic's placeholder
    ],
)
def test_migrations_whose_alembic_ini_opens_another_database_run_at_the_stacks(
    tmp_path: Path, requirements, ini_url, env, served
):
    files = {"requirements.txt": requirements, "main.py": APP, "alembic.ini": INI.format(url=ini_url)}
    repo = read_repository(
        written(tmp_path, files | {"migrations/env.py": env, "migrations/versions/1_a.py": "revision = '1'\n"})
    )
    compose = compose_text(repo)
    assert (UPGRADE_AT_THE_STACK in repo.migrations) is bool(served)
    assert (f"{MIGRATIONS_URL}: ${{{MIGRATIONS_URL}-{served}app:" in compose) if served else MIGRATIONS_URL not in compose


REVISION = """revision = "1"
down_revision = None

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True))
"""
ENV_PY = """from alembic import context
import models  # the app's own, from the code's folder
from sqlalchemy import engine_from_config, pool

config = context.config
engine = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""


@pytest.mark.parametrize("folder", ["migrations", "alembic"])
def test_the_upgrade_at_the_stack_makes_the_tables_where_the_variable_says_and_not_where_alembic_ini_does(tmp_path, folder):
    # Kira7dn/fastapi_template: its migrations folder is alembic/, with an __init__.py, on the path as the image's
    # PYTHONPATH is: it shadowed the package ("cannot import name 'command' from 'alembic'"), and the web crash-looped.
    ini = INI.format(url="sqlite:///elsewhere.db").replace("= migrations", f"= {folder}")
    files = {"alembic.ini": ini, f"{folder}/env.py": ENV_PY, f"{folder}/__init__.py": "", "models.py": "X = 1\n"}
    written(tmp_path, files | {f"{folder}/versions/1_items.py": REVISION, f"{folder}/script.py.mako": ""})
    command = UPGRADE_AT_THE_STACK.replace("python -c ", "").strip('"')
    # a %, as an escaped password may hold; the code's folder on PYTHONPATH, as in the image
    environ = os.environ | {MIGRATIONS_URL: "sqlite:///stack%20one.db", "PYTHONPATH": str(tmp_path)}
    subprocess.run([sys.executable, "-c", command], cwd=tmp_path, env=environ, check=True, capture_output=True)
    tables = sqlite3.connect(tmp_path / "stack one.db").execute("select name from sqlite_master").fetchall()
    assert ("items",) in tables and not (tmp_path / "elsewhere.db").exists()


def test_the_variable_alembics_env_py_opens_holds_the_stacks_database_whatever_it_is_called(tmp_path: Path):
    """kndbvortex/fastapi-alembic: env.py sets sqlalchemy.url from SYNC_URL; init made up an http:// URL for it, and
    the web crash-looped on "Can't load plugin: sqlalchemy.dialects:http"."""
    env = 'import os\nfrom alembic import context\n\nconfig = context.config\nconfig.set_main_option("sqlalchemy.url", os.environ["SYNC_URL"])\n'
    env += "from sqlalchemy import engine_from_config\n"
    database = "import os\nfrom sqlalchemy.ext.asyncio import create_async_engine\n\nengine = create_async_engine(os.getenv('DATABASE_URL'))\n"
    files = {
        "requirements.txt": "fastapi\nasyncpg\npsycopg2-binary\nsqlalchemy\nalembic\n",
        "main.py": APP,
        "database.py": database,
    }
    files |= {"alembic.ini": INI.format(url="driver://user:pass@localhost/dbname"), "alembic/env.py": env}
    repo = read_repository(written(tmp_path, files | {"alembic/versions/1_a.py": "revision = '1'\n"}))
    assert "SYNC_URL: ${SYNC_URL-postgresql://app:" in compose_text(repo)


@pytest.mark.parametrize(
    ("files", "added"),
    [
        # ahMADASSadi/FastApi_Template: env.py imports alembic_postgresql_enum, which only its dev group names; the
        # image lacked it, and the web crash-looped on its migrations ("No module named 'alembic_postgresql_enum'")
        (
            {
                "pyproject.toml": '[project]\nname = "s"\ndependencies = ["fastapi", "alembic", "psycopg2-binary"]\n'
                '[dependency-groups]\ndev = ["alembic-postgresql-enum>=1.10.0", "ruff"]\n'
            },
            ("alembic-postgresql-enum",),
        ),
        (
            {"requirements.txt": "fastapi\nalembic\npsycopg2-binary\n", "requirements-dev.txt": "alembic_postgresql_enum\n"},
            ("alembic-postgresql-enum",),
        ),
        ({"requirements.txt": "fastapi\nalembic\npsycopg2-binary\nalembic-postgresql-enum\n"}, ()),  # the app's own
        ({"requirements.txt": "fastapi\nalembic\npsycopg2-binary\n"}, ()),  # named nowhere: the failure says so
    ],
)
def test_a_package_the_migrations_import_that_only_a_dev_list_names_is_added_to_the_image(tmp_path: Path, files, added):
    env = "import alembic_postgresql_enum\nfrom app import models\n" + GENERIC_ENV
    files |= {"main.py": APP, "app/models.py": "", "alembic.ini": INI.format(url="postgresql://u:p@db/x")}
    repo = read_repository(written(tmp_path, files | {"migrations/env.py": env, "migrations/versions/1_a.py": REVISION}))
    assert tuple(pin for pin in repo.added if pin != "uvicorn") == added  # a server: added for want of one
