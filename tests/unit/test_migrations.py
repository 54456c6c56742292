"""fastapi_stackops/adopt/migrations.py: which migrations run before the app starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_stackops.adopt.build_context import code_paths
from fastapi_stackops.adopt.image import dockerfile_text, start_command
from fastapi_stackops.adopt.reading import read_repository
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
INI = "[alembic]\nscript_location = migration\nprepend_sys_path = .\n"


def revisions(folder: str) -> dict[str, str]:
    """A migrations folder with its env.py and one revision."""
    return {f"{folder}/env.py": "", f"{folder}/versions/0001_tables.py": "revision = '0001'\n"}


@pytest.mark.parametrize(
    ("files", "command"),
    [
        # JustGevorg/fastapi-crud: src/db/alembic.ini, its migrations beside it; init ran none, and the app's first
        # write answered 500 on a database without tables.
        ({"src/db/alembic.ini": INI, **revisions("src/db/migration")}, "env -C src/db alembic upgrade heads"),
        ({"alembic.ini": INI, **revisions("migration")}, "alembic upgrade heads"),  # at the top, as ever
        # suspiciousRaccoon/async-fastapi-sqlalchemy-template: a package resource's location; init ran none, and the
        # suite's upgrade met the tables Celery's result backend had made.
        (
            {"alembic.ini": INI.replace("= migration", "= app:db/migration/"), **revisions("app/db/migration")},
            "alembic upgrade heads",
        ),
        ({"src/db/alembic.ini": INI}, ""),  # its migrations folder never committed
        # creative-singh/fastapi-mvc: an empty alembic.ini; init ran its upgrade, refused ("No 'script_location' key").
        ({"alembic.ini": ""}, ""),
        ({"tests/db/alembic.ini": INI, **revisions("tests/db/migration")}, ""),  # a suite's own
        # lining4069/fastapi-backend: `alembic init`'s scaffold, env.py alone and its URL the template's driver://;
        # init ran it, and the server crash-looped on "Can't load plugin: sqlalchemy.dialects:driver".
        ({"alembic.ini": INI, "migration/env.py": ""}, ""),
        ({"src/db/alembic.ini": INI, "src/db/migration/env.py": ""}, ""),
        # 250mon/next-fastapi-inventory-app: an `alembic/__init__.py` of its own hid the installed alembic on the code's
        # path ("No module named 'alembic.config'"), and the app crash-looped; the ini's prepend_sys_path puts it back.
        ({"alembic.ini": INI, **revisions("migration"), "alembic/__init__.py": ""}, "env -u PYTHONPATH alembic upgrade heads"),
        (
            {"alembic.ini": INI.replace("prepend_sys_path = .\n", ""), **revisions("migration"), "alembic/__init__.py": ""},
            "alembic upgrade heads",
        ),
    ],
)
def test_an_alembic_ini_in_a_folder_of_the_code_runs_from_that_folder(tmp_path: Path, files, command):
    files = {"requirements.txt": "fastapi\nalembic\n", "src/__init__.py": "", "src/main.py": APP, **files}
    repo = read_repository(written(tmp_path, files))
    assert repo.migrations == command
    if command.startswith("env -C"):  # a plain command (the contract's upgrade runs with no shell), then the server
        assert start_command(repo)[2].startswith("env -C src/db alembic upgrade heads && exec ")
        assert "src" in code_paths(repo)


UV_DEV = (
    '[project]\nname = "svc"\ndependencies = ["fastapi", "uvicorn"]\n[dependency-groups]\ndev = ["pytest", "alembic>=1.15.1"]\n'
)
UV_LOCK = 'version = 1\n[[package]]\nname = "alembic"\nversion = "1.15.1"\n'
POETRY_DEV = (
    '[tool.poetry]\nname = "svc"\n[tool.poetry.dependencies]\npython = "^3.11"\nfastapi = "*"\nuvicorn = "*"\n'
    '[tool.poetry.group.dev.dependencies]\nalembic = "^1.13"\n'
)


@pytest.mark.parametrize(
    ("files", "added"),
    [
        # hazadus/fastapi-todos: alembic in the dev group alone; init ran no migrations, and the suite met no tables.
        ({"pyproject.toml": UV_DEV, "uv.lock": UV_LOCK}, ("alembic==1.15.1",)),
        ({"pyproject.toml": POETRY_DEV}, ("alembic",)),  # no lock: the build's date holds it
        ({"requirements.txt": "fastapi\nuvicorn\n", "requirements-dev.txt": "alembic==1.13.2\n"}, ("alembic",)),
        ({"requirements.txt": "fastapi\nuvicorn\nalembic\n"}, ()),  # the app's own: nothing added
        ({"requirements.txt": "fastapi\nuvicorn\n", "requirements-dev.txt": "alembic-stubs\n"}, None),  # no alembic at all
    ],
)
def test_alembic_only_a_dev_list_names_is_added_to_the_image_to_run_the_migrations(tmp_path: Path, files, added):
    files = {"svc/__init__.py": "", "svc/main.py": APP, "alembic.ini": INI, **revisions("migration"), **files}
    repo = read_repository(written(tmp_path, files))
    assert repo.migrations == ("alembic upgrade heads" if added is not None else "")
    assert repo.added == (added or ())
    if added:
        assert f"install -q --python /opt/venv/bin/python {added[0]}" in dockerfile_text(repo, "/", False) or (
            f"pip install -q --no-cache-dir {added[0]}\n" in dockerfile_text(repo, "/", False)
        )


DATABASE = "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import declarative_base\n\nengine = create_engine('sqlite://')\nBase = declarative_base()\n"
MAKES_TABLES = "from app.database import Base, engine\n\n\ndef init_db():\n    Base.metadata.create_all(bind=engine)\n"


@pytest.mark.parametrize(
    ("script", "command"),
    [
        # SinghChinmayy/fastapi-notes-api: its tables are made by `python -m backend.app.init_db`, which its README says
        # to run; init ran nothing, and the first write answered 500 on a database without tables.
        (MAKES_TABLES + "\n\nif __name__ == '__main__':\n    init_db()\n", "python -m app.init_db"),
        (MAKES_TABLES + "\n\nif __name__ == '__main__':\n    Base.metadata.create_all(engine)\n", "python -m app.init_db"),
        # what must not run at every start: a seed, tables dropped first, a server
        (MAKES_TABLES + "    db.add(Row())\n\n\nif __name__ == '__main__':\n    init_db()\n", ""),
        (MAKES_TABLES + "    Base.metadata.drop_all(bind=engine)\n\n\nif __name__ == '__main__':\n    init_db()\n", ""),
        # kimura-h1/fastapi-sqlalchemy-js-memoapp: drop_all handed to run_sync, not called; run as migrations, the
        # script would have emptied the tables at every start.
        (MAKES_TABLES + "    conn.run_sync(Base.metadata.drop_all)\n\n\nif __name__ == '__main__':\n    init_db()\n", ""),
        # Lootmann/FastAPI-SQLModel-Test: its script drops every table, then makes them; run as it is at every start, it
        # would empty them, and run not at all the first write answered 500: its create_all calls run alone.
        (
            DATABASE
            + "\n\nif __name__ == '__main__':\n    Base.metadata.drop_all(engine)\n    Base.metadata.create_all(engine)\n",
            'python -c "from app.init_db import *; Base.metadata.create_all(engine)"',
        ),
        (MAKES_TABLES + "\n\nif __name__ == '__main__':\n    init_db()\n    uvicorn.run('app.main:app')\n", ""),
        (MAKES_TABLES, ""),  # a function the app calls, no script
        # Danielk84/fastapi-simple-app: its script asks for an admin's name as it makes the tables; run as migrations, it
        # crash-looped the web at ci on "EOF when reading a line".
        (MAKES_TABLES + "\n\nif __name__ == '__main__':\n    init_db()\n    name = input('admin: ')\n", ""),
    ],
)
def test_a_script_that_makes_the_tables_runs_before_the_app_when_nothing_else_migrates(tmp_path: Path, script, command):
    files = {"requirements.txt": "fastapi\nsqlalchemy\n", "app/__init__.py": "", "app/main.py": APP}
    repo = read_repository(written(tmp_path, files | {"app/database.py": DATABASE, "app/init_db.py": script}))
    assert repo.migrations == command


MAKES_AT_START = DATABASE + "\n\nasync def create_tables():\n    Base.metadata.create_all(bind=engine)\n"
STARTS = APP + "\n\n@app.on_event('startup')\nasync def startup():\n    await create_tables()\n"


@pytest.mark.parametrize(
    ("database", "main", "command"),
    [
        # Jimmy-0/fastapi-product-management makes its tables as it starts (database.py's create_all, from its startup
        # event), and keeps an init_db.py script that no longer imports; run before the app, it crash-looped the stack.
        (MAKES_AT_START, STARTS, ""),
        (MAKES_AT_START, STARTS + "\n\nif __name__ == '__main__':\n    uvicorn.run(app)\n", ""),  # main.py a script too
        (DATABASE + "Base.metadata.create_all(bind=engine)\n", APP, ""),  # as the module loads
        (MAKES_AT_START, APP, "python -m app.init_db"),  # a function nothing but a script calls
    ],
)
def test_a_script_that_makes_the_tables_does_not_run_when_the_app_makes_them_itself(tmp_path: Path, database, main, command):
    files = {"requirements.txt": "fastapi\nsqlalchemy\n", "app/__init__.py": "", "app/main.py": main, "app/database.py": database}
    script = MAKES_TABLES + "\n\nif __name__ == '__main__':\n    init_db()\n"
    assert read_repository(written(tmp_path, files | {"app/init_db.py": script})).migrations == command


@pytest.mark.parametrize(("script", "copied"), [("utils/create_db.py", "utils"), ("create_db.py", "create_db.py")])
def test_a_script_that_makes_the_tables_outside_the_apps_folder_is_in_the_image(tmp_path: Path, script, copied):
    """prothej227/fastapi-url-shortener keeps utils/create_db.py beside app/: the image had no utils/, and the server,
    started after `python -m utils.create_db`, crash-looped on "No module named 'utils'"."""
    files = {"requirements.txt": "fastapi\nsqlalchemy\n", "app/__init__.py": "", "app/main.py": APP, "app/database.py": DATABASE}
    runs = "from app.database import Base, engine\n\nif __name__ == '__main__':\n    Base.metadata.create_all(engine)\n"
    repo = read_repository(written(tmp_path, files | {script: runs}))
    assert repo.migrations == f"python -m {script.removesuffix('.py').replace('/', '.')}" and copied in code_paths(repo)


SYNC_ENV = "from sqlalchemy import engine_from_config\nconnectable = engine_from_config({}, prefix='sqlalchemy.')\n"
ASYNC_ENV = "from sqlalchemy.ext.asyncio import async_engine_from_config\nconnectable = async_engine_from_config({})\n"


@pytest.mark.parametrize(
    ("drivers", "env", "added"),
    [
        # wfq2/fastapi-starter: asyncpg alone declared, and alembic's env.py makes a sync engine on the app's
        # postgresql:// URL; the server crash-looped in ci on "No module named 'psycopg2'".
        ("asyncpg", SYNC_ENV, True),
        ("asyncpg", ASYNC_ENV, False),  # an async env.py runs on the app's own driver
        ("asyncpg\npsycopg2-binary", SYNC_ENV, False),  # a sync driver declared
        ("asyncpg\npsycopg[binary]", SYNC_ENV, False),
    ],
)
def test_a_sync_migration_environment_beside_an_async_driver_alone_gets_a_sync_driver(tmp_path: Path, drivers, env, added):
    files = {"requirements.txt": f"fastapi\nalembic\nsqlalchemy\n{drivers}\n", "main.py": APP}
    # ixdlabs/fastapi-template: alembic configured in pyproject.toml, no alembic.ini; init stopped on a traceback
    tool = read_repository(written(tmp_path / "tool", files | {"pyproject.toml": "[tool.alembic]\nscript_location = 'm'\n"}))
    assert tool.migrations == "alembic upgrade heads" and "psycopg2-binary" not in tool.added
    files["alembic.ini"] = INI
    repo = read_repository(written(tmp_path, files | revisions("migration") | {"migration/env.py": env}))
    assert repo.database == "postgres" and repo.migrations == "alembic upgrade heads"
    assert ("psycopg2-binary" in repo.added) == added
    if added:
        assert "psycopg2-binary" in dockerfile_text(repo, "/health", False)


TORTOISE_CONFIG = 'TORTOISE_ORM = {"apps": {"models": {"models": ["app.models", "aerich.models"]}}}\n'


@pytest.mark.parametrize(
    ("files", "added"),
    [
        # plusiv/fastapi-tortoise-api-base: aerich in the dev group alone, its models in the Tortoise config; the web
        # crash-looped at ci on `Module "aerich.models" not found`.
        (
            {
                "requirements.txt": "fastapi\nuvicorn\ntortoise-orm\n",
                "requirements-dev.txt": "aerich==0.7.2\n",
                "config.py": TORTOISE_CONFIG,
            },
            ("aerich",),
        ),
        ({"requirements.txt": "fastapi\nuvicorn\ntortoise-orm\naerich\n", "config.py": TORTOISE_CONFIG}, ()),  # the app's own
        (
            {"requirements.txt": "fastapi\nuvicorn\ntortoise-orm\n", "requirements-dev.txt": "aerich\n", "config.py": "X = 1\n"},
            (),
        ),
    ],
)
def test_aerich_kept_among_dev_dependencies_goes_into_the_image_when_the_tortoise_config_loads_it(tmp_path, files, added):
    repo = read_repository(written(tmp_path, files | {"main.py": APP}))
    assert repo.added == added
    if added:
        assert [f for f in repo.findings if f.what == "added"][0].source == "config.py"
        assert f"install -q --no-cache-dir {added[0]}\n" in dockerfile_text(repo, "/", False)


AERICH_PROJECT = '[project]\nname = "svc"\nversion = "1"\ndependencies = ["fastapi", "uvicorn", "tortoise-orm", "aerich"]\n'
AERICH_PROJECT += '\n[tool.aerich]\ntortoise_orm = "app.settings.TORTOISE_ORM"\nlocation = "./migrations"\n'


@pytest.mark.parametrize(
    ("files", "command"),
    [
        # ZyphrZero/react-fastapi-admin: its tables are made by aerich's upgrade alone; init ran none, and the app's
        # first query at startup found no table.
        ({"pyproject.toml": AERICH_PROJECT, "migrations/models/0_20260327_init.py": ""}, "aerich upgrade"),
        ({"pyproject.toml": AERICH_PROJECT}, ""),  # no revisions committed
        ({"pyproject.toml": AERICH_PROJECT.replace(', "aerich"', ""), "migrations/models/0_init.py": ""}, ""),  # no aerich
    ],
)
def test_a_tortoise_app_with_aerichs_revisions_runs_its_upgrade_before_the_app(tmp_path, files, command):
    repo = read_repository(written(tmp_path, files | {"app/__init__.py": "", "app/main.py": APP}))
    assert repo.migrations == command


#: A revision's upgrade and downgrade: {ops} in upgrade, a table made again in downgrade (which never runs forward).
REVISION = "from alembic import op\n\ndef upgrade():\n{ops}\n\ndef downgrade():\n    op.create_table('users')\n"
#: The app making its tables itself as it loads.
MAKES_ITS_TABLES = APP + "from db import Base, engine\n\nBase.metadata.create_all(bind=engine)\n"


@pytest.mark.parametrize(
    ("ops", "main", "command"),
    [
        # MartinPNairn/fastapi-jinja, MoigeMatino/fastapi-htmx-todo-spa: the history begins with `add_column` on a table
        # the app's create_all makes; the upgrade stopped on "relation users does not exist" in an empty database.
        ("    op.add_column('users', x)", MAKES_ITS_TABLES, "alembic stamp heads"),
        (
            "    with op.batch_alter_table('users') as batch:\n        batch.add_column(x)",
            MAKES_ITS_TABLES,
            "alembic stamp heads",
        ),
        ("    op.create_table('users')\n    op.add_column('users', x)", MAKES_ITS_TABLES, "alembic upgrade heads"),
        ("    op.add_column('users', x)", APP, "alembic upgrade heads"),  # nothing else makes them: the upgrade says so
        ("    pass", MAKES_ITS_TABLES, "alembic upgrade heads"),
    ],
)
def test_revisions_that_alter_tables_none_makes_are_stamped_when_the_app_makes_its_tables(tmp_path: Path, ops, main, command):
    files = {"requirements.txt": "fastapi\nalembic\nsqlalchemy\n", "main.py": main, "db.py": "", "alembic.ini": INI}
    files |= {"migration/env.py": "", "migration/versions/0001_a.py": REVISION.format(ops=ops)}
    repo = read_repository(written(tmp_path, files))
    assert repo.migrations == command
