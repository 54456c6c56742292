"""fastapi_stackops/adopt/app_environment.py: what the served app and its suite are given in the stack."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from fastapi_stackops.adopt.app_environment import app_environment
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import compose_text
from tests.utils import committed, written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
#: A fixture that drops every table after its yield.
DROPS = "\n\ndef db():\n    yield\n    Base.metadata.drop_all(engine)\n"
SETTINGS = "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    DATABASE_URL: str\n"


@pytest.mark.parametrize(
    ("driver", "suite", "given", "variable"),
    [
        # mohamad-liyaghi/fastapi-todo-list: its conftest points the app at os.getenv("TEST_DATABASE_URL"), which no
        # pipeline of its own sets; init gave it "", and 29 of 31 tests failed on SQLAlchemy's make_url.
        ("asyncpg", "", "postgresql+asyncpg://app:${POSTGRES_PASSWORD}@postgres:5432/app", "TEST_DATABASE_URL"),
        # A suite that drops every table gets PostgreSQL's maintenance database: the app's schema stays.
        ("asyncpg", DROPS, "postgresql+asyncpg://app:${POSTGRES_PASSWORD}@postgres:5432/postgres", "TEST_DATABASE_URL"),
        ("aiosqlite", "", "sqlite:////var/lib/app/", "TEST_DATABASE_URL"),  # as the app's own
        # alicicharis/fastapi-finance-tracker: os.environ["DATABASE_URL_TEST"], its test said last; given "", 81 errors
        ("asyncpg", "", "postgresql+asyncpg://app:${POSTGRES_PASSWORD}@postgres:5432/app", "DATABASE_URL_TEST"),
        # alifriduwan/fastapi-travel-tax: a fixture's os.getenv("SQL_CONNECTION_STRING"), named for SQL alone; 24 errors
        ("aiosqlite", "", "sqlite:////var/lib/app/", "SQL_CONNECTION_STRING"),
    ],
)
def test_a_database_url_only_the_suite_reads_is_the_stacks(tmp_path, driver, suite, given, variable):
    conftest = f"import os\n\nTEST_DATABASE_URL = os.getenv('{variable}')\n{suite}"
    files = {"requirements.txt": f"fastapi\nsqlalchemy\n{driver}\npydantic-settings\npytest\n", "main.py": APP}
    files |= {"config.py": SETTINGS, "tests/conftest.py": conftest, "tests/test_app.py": "def test_x():\n    pass\n"}
    # Its committed .env names the host of its own compose file, which the stack has not.
    files |= {".env": f"{variable}=postgresql+asyncpg://postgres:pw@test-database/todo_test\n"}
    tested = compose_text(read_repository(committed(written(tmp_path, files)))).split("  web-test:\n")[1]
    assert f'{variable}: "{given}' in tested, tested


LOCAL_DEFAULTS = (
    "import os\n\n"
    "DSN = os.environ.get('POSTGRES_TEST_DSN', 'postgresql://app:app@localhost:5432/app')\n"
    "REDIS = os.environ.get('REDIS_TEST_URL', 'redis://localhost:6379/0')\n"
    "FRONTEND = os.environ.get('FRONTEND_URL', 'http://localhost:3000')\n"
)


@pytest.mark.parametrize(
    ("name", "given"),
    [
        # siansoft-sian/fastapi-clean-backend-template: its suite's own DSN and Redis URL default to this machine, where
        # in the stack nothing answers; 33 of its tests failed on "Connect call failed ('127.0.0.1', 5432)".
        ("POSTGRES_TEST_DSN", '"postgresql://app:${POSTGRES_PASSWORD}@postgres:5432/app"'),
        ("REDIS_TEST_URL", '"redis://redis:6379/0"'),
        ("FRONTEND_URL", None),  # no service of the stack's: its own default stands
    ],
)
def test_a_suites_own_database_or_broker_url_at_this_machine_is_the_stacks(tmp_path, name, given):
    files = {"requirements.txt": "fastapi\nsqlalchemy\nasyncpg\nredis\npydantic-settings\npytest\n"}
    files |= {"main.py": APP + "import redis\n", "config.py": SETTINGS, "tests/conftest.py": LOCAL_DEFAULTS}
    files |= {"tests/test_app.py": "def test_x():\n    pass\n"}
    tested = compose_text(read_repository(committed(written(tmp_path, files)))).split("  web-test:\n")[1]
    assert (f"{name}: {given}" in tested) if given else (name not in tested), tested


@pytest.mark.parametrize(
    ("engine", "scheme"),
    [
        # smigy32/fastapi-library: the app rewrites its URL into asyncpg's itself, and alembic's sync engine reads it
        # as given; given asyncpg's, alembic crash-looped on MissingGreenlet.
        ('URL = settings.DATABASE_URL.replace("postgresql://", "postgresql+asyncpg://")\n', "postgresql"),
        # aylton-almeida/fastapi-ddd-sample: the driver put into whatever scheme is given; asyncpg's doubled it
        ('URL = settings.DATABASE_URL.replace("://", "+asyncpg://")\n', "postgresql"),
        ("URL = settings.DATABASE_URL\n", "postgresql+asyncpg"),
        (
            'URL = settings.DATABASE_URL.replace("postgresql+asyncpg://", "postgresql://")\n',
            "postgresql+asyncpg",
        ),  # sync for alembic
    ],
)
def test_a_url_the_code_rewrites_into_a_drivers_scheme_is_given_in_the_plain_one(tmp_path, engine, scheme):
    files = {"requirements.txt": "fastapi\nsqlalchemy\nasyncpg\npsycopg2-binary\npydantic-settings\n", "main.py": APP}
    files |= {"config.py": SETTINGS, "db.py": engine + "engine = create_async_engine(URL)\n"}
    compose = compose_text(read_repository(written(tmp_path, files)))
    assert f"DATABASE_URL: ${{DATABASE_URL-{scheme}://app:" in compose, compose


def test_a_url_the_code_rewrites_is_given_in_the_plain_scheme_whatever_an_sqlite_fallback_says(tmp_path):
    """Kauanldsbarbosa/FastApi-UserMicroservice: DATABASE_URL defaults to an SQLite file, the code rewrites
    postgresql:// into asyncpg's, and alembic's sync engine reads it as given; given asyncpg's, the web crash-looped on
    MissingGreenlet in its migrations."""
    config = "import os\n\nDATABASE_URL = os.getenv('DATABASE_URL', 'sqlite:///./test_db.sqlite')\n"
    rewrite = "from config import DATABASE_URL\n\nURL = DATABASE_URL.replace(\n    'postgresql://', 'postgresql+asyncpg://'\n)\n"
    files = {"requirements.txt": "fastapi\nsqlalchemy\nasyncpg\npsycopg2-binary\n", "main.py": APP, "config.py": config}
    files |= {"db.py": rewrite + "engine = create_async_engine(URL)\n"}
    compose = compose_text(read_repository(written(tmp_path, files)))
    assert "DATABASE_URL: ${DATABASE_URL-postgresql://app:" in compose, compose


def test_a_suites_own_rabbitmq_url_at_this_machine_is_the_stacks(tmp_path):
    files = {"requirements.txt": "fastapi\naio-pika\npytest\n", "main.py": APP + "import aio_pika\n"}
    files |= {"tests/conftest.py": "import os\n\nBROKER = os.environ.get('BROKER_URL', 'amqp://guest:guest@localhost:5672/')\n"}
    files |= {"tests/test_app.py": "def test_x():\n    pass\n"}
    tested = compose_text(read_repository(committed(written(tmp_path, files)))).split("  web-test:\n")[1]
    assert 'BROKER_URL: "amqp://app:${RABBITMQ_PASSWORD}@rabbitmq:5672/%2F"' in tested, tested


@pytest.mark.parametrize(
    ("reads", "variables"),
    [
        # mathselse/fastapi-jobboard: `os.getenv('PG_PASSWORd')`; init gave PG_PASSWORD, which nothing read, and the
        # app logged in with the password "None".
        ("PG_PASSWORd", ("PG_USERNAME", "PG_PASSWORd", "PG_SERVER")),
        ("db_password", ("PG_USERNAME", "db_password", "PG_SERVER")),
    ],
)
def test_a_variable_read_from_the_environment_is_given_by_its_exact_name(tmp_path, reads, variables):
    config = (
        "import os\n\nUSER = os.getenv('PG_USERNAME')\nPASSWORD = os.getenv('" + reads + "')\n"
        "SERVER = os.getenv('PG_SERVER', 'localhost')\nURL = f'postgresql://{USER}:{PASSWORD}@{SERVER}:5432/jobs'\n"
    )
    files = {"requirements.txt": "fastapi\nsqlalchemy\npsycopg2-binary\n", "main.py": APP, "config.py": config}
    web = compose_text(read_repository(written(tmp_path, files))).split("  web:\n")[1].split("\n\n")[0]
    assert all(f"      {name}: " in web for name in variables), web
    assert reads.upper() == reads or f"      {reads.upper()}: " not in web


@pytest.mark.parametrize(
    ("requirements", "scheme"),
    [
        # vladisa88/fastapi-weather: Tortoise ORM on asyncpg, given SQLAlchemy's postgresql+asyncpg://; its startup
        # failed on "Unknown DB scheme: postgresql+asyncpg".
        ("fastapi\ntortoise-orm\nasyncpg\n", "postgres"),
        ("fastapi\ntortoise-orm[asyncmy]\n", "mysql"),
        # SQLAlchemy beside it, in use: its schemes
        ("fastapi\nsqlalchemy\ntortoise-orm\nasyncpg\n# uses sqlalchemy\n", "postgresql+asyncpg"),
        # rafa1off/fastapi-games: SQLAlchemy declared and never imported; given postgresql+asyncpg://, its startup failed.
        ("fastapi\nsqlalchemy\ntortoise-orm\nasyncpg\n", "postgres"),
    ],
)
def test_an_app_on_tortoise_orm_gets_its_schemes(tmp_path, requirements, scheme):
    config = "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    database_url: str\n"
    config += "import sqlalchemy\n" if "# uses sqlalchemy" in requirements else ""
    files = {"requirements.txt": requirements + "pydantic-settings\n", "main.py": APP, "config.py": config}
    compose = compose_text(read_repository(written(tmp_path, files)))
    assert f"DATABASE_URL: ${{DATABASE_URL-{scheme}://app:" in compose, compose


def test_a_database_part_a_pipeline_sets_for_the_suite_is_the_stacks(tmp_path):
    # Dhruv-Cmds/fastapi-banking-system: its workflow's TEST_DB_NAME named the job's own database; the suite, given
    # it, failed on "Access denied for user 'app'@'%' to database 'bankaccountsystem_test'".
    workflow = "jobs:\n  test:\n    env:\n      TEST_DB_NAME: bank_test\n      API_MODE: strict\n    steps: []\n"
    conftest = "import os\n\nNAME = os.getenv('TEST_DB_NAME')\nMODE = os.getenv('API_MODE')\n"
    files = {"requirements.txt": "fastapi\naiomysql\npytest\n", "main.py": APP, ".github/workflows/test.yml": workflow}
    files |= {"tests/conftest.py": conftest, "tests/test_app.py": "def test_x():\n    pass\n"}
    tested = compose_text(read_repository(committed(written(tmp_path, files)))).split("  web-test:\n")[1]
    assert 'TEST_DB_NAME: "app"' in tested and 'API_MODE: "strict"' in tested, tested


@pytest.mark.parametrize(
    ("engine", "scheme"),
    [
        # Baiel11/fastapi-shop: its settings' default a plain postgresql:// URL, its engine async, asyncpg and psycopg2
        # both pinned; given the plain scheme, the engine loaded psycopg2 ("requires an async driver").
        ("engine = create_async_engine(settings.database_url)\n", "postgresql+asyncpg"),
        ("engine = create_engine(settings.database_url)\n", "postgresql"),  # a sync engine keeps it
    ],
)
def test_a_plain_default_scheme_for_an_async_engine_is_the_async_drivers(tmp_path, engine, scheme):
    config = "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n"
    config += "    database_url: str = 'postgresql://shop:pw@localhost:5432/shop'\n\nsettings = S()\n"
    files = {"requirements.txt": "fastapi\nsqlalchemy\nasyncpg\npsycopg2-binary\npydantic-settings\n", "main.py": APP}
    files |= {"config.py": config, "db.py": "from config import settings\n" + engine}
    compose = compose_text(read_repository(written(tmp_path, files)))
    assert f"DATABASE_URL: ${{DATABASE_URL-{scheme}://app:" in compose, compose


@pytest.mark.parametrize(
    ("engines", "driver"),
    [
        # zero-ljz/fastapi-template: a sync engine on DB_DRIVER ("mysql+mysqldb", mysqlclient declared) beside an async
        # one that sets its own driver; init gave DB_DRIVER aiomysql's scheme, and the sync engine raised MissingGreenlet.
        ("create_engine(url)\ncreate_async_engine(url.set(drivername='mysql+aiomysql'))\n", "mysql+mysqldb"),
        ("create_async_engine(url)\n", "mysql+aiomysql"),  # the async engine's alone: the async driver
    ],
)
def test_a_driver_setting_beside_two_engines_keeps_the_sync_scheme_it_defaults_to(tmp_path, engines, driver):
    config = "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n"
    config += "".join(
        f"    DB_{n}: str = {v!r}\n" for n, v in (("DRIVER", "mysql+mysqldb"), ("HOST", "127.0.0.1"), ("NAME", "db1"))
    )
    db = "from sqlalchemy import create_engine\nfrom sqlalchemy.ext.asyncio import create_async_engine\n\n" + engines
    files = {"requirements.txt": "fastapi\nsqlalchemy\nmysqlclient\naiomysql\n", "main.py": APP, "config.py": config, "db.py": db}
    from fastapi_stackops.adopt.app_environment import app_environment

    assert app_environment(read_repository(written(tmp_path, files)))["DB_DRIVER"] == f"${{DB_DRIVER-{driver}}}"


@pytest.mark.parametrize(
    ("engines", "scheme"),
    [
        # michael7nightingale/Calculations-FastAPI-RESTful: create_engine(url=settings.database_url) at startup, and an
        # async engine made of another URL beside it; init gave the URL asyncpg's scheme, and the sync engine raised
        # MissingGreenlet.
        ("create_engine(url=settings.database_url)\n\ndef other(dns):\n    return create_async_engine(dns)\n", "postgresql"),
        ("create_async_engine(settings.database_url)\n\ndef other(dns):\n    return create_engine(dns)\n", "postgresql+asyncpg"),
        ("create_engine(settings.database_url)\ncreate_async_engine(settings.database_url)\n", "postgresql+asyncpg"),
    ],
)
def test_the_url_gets_the_scheme_of_the_engine_that_reads_it(tmp_path, engines, scheme):
    from fastapi_stackops.adopt.app_environment import app_environment

    config = "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    database_url: str\n\nsettings = S()\n"
    db = "from sqlalchemy import create_engine\nfrom sqlalchemy.ext.asyncio import create_async_engine\n"
    db += "from config import settings\n\n" + engines
    files = {
        "requirements.txt": "fastapi\nsqlalchemy\nasyncpg\npsycopg2-binary\n",
        "main.py": APP,
        "config.py": config,
        "db.py": db,
    }
    url = app_environment(read_repository(written(tmp_path, files)))["DATABASE_URL"]
    assert url.startswith(f"${{DATABASE_URL-{scheme}://"), url


@pytest.mark.parametrize(
    ("default", "given"),
    [
        # bogdan0089/fastapi-ecommerce-backend: REDIS_URL = "redis://redis:6379", Celery's broker f"{REDIS_URL}/0"; given
        # the stack's URL with its /0, the worker crash-looped on "invalid literal for int() with base 10: '0/0'".
        ("'redis://redis:6379'", "redis://redis:6379"),
        ("'redis://localhost:6379/'", "redis://redis:6379"),
        ("'redis://localhost:6379/2'", "redis://redis:6379/0"),
        ("None", "redis://redis:6379/0"),
    ],
)
def test_a_redis_url_keeps_the_defaults_database_number_or_its_lack(tmp_path, default, given):
    config = (
        f"from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    REDIS_URL: str | None = {default}\n"
    )
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\nredis\n", "main.py": APP, "config.py": config}))
    assert app_environment(repo)["REDIS_URL"] == given


@pytest.mark.parametrize(
    ("committed_value", "given"),
    [
        # hagelslagvier/generic-fastapi-server: MIGRATIONS_PATH required, .env.develop names the repository's folder;
        # init made up a secret, and alembic crash-looped the web at ci ("Path doesn't exist: '/srv/ci-Secret0...'").
        ("app/migrations", "${MIGRATIONS_PATH-app/migrations}"),
        ("app/nowhere", "${MIGRATIONS_PATH?set MIGRATIONS_PATH in the env file or its local overlay}"),  # not held
        ("/abs/migrations", "${MIGRATIONS_PATH?set MIGRATIONS_PATH in the env file or its local overlay}"),
        # maxbrixner/fastapi_template: `LOGGING = logging.dev.json` in .env.example, a file of app/config/, which its
        # code joins to that folder; init made up a secret, and the import stopped on the file it named
        ("logging.dev.json", "${MIGRATIONS_PATH-logging.dev.json}"),
        ("logging.test.json", "${MIGRATIONS_PATH?set MIGRATIONS_PATH in the env file or its local overlay}"),  # not held
    ],
)
def test_a_required_path_a_committed_env_file_gives_from_the_repository_is_its_value(tmp_path, committed_value, given):
    config = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    MIGRATIONS_PATH: str\n"
    files = {"requirements.txt": "fastapi\npydantic-settings\n", "main.py": APP, "config.py": config}
    held = {"app/migrations/env.py": "", "app/config/logging.dev.json": "{}"}
    written(tmp_path / "repo", files | {".env.develop": f"MIGRATIONS_PATH = {committed_value}\n"} | held)
    repo = read_repository(committed(tmp_path / "repo"))
    # As init's trial writes it too: in a copy of the repository with no .git, where nothing reads as committed.
    copy = shutil.copytree(repo.root, tmp_path / "copy", ignore=shutil.ignore_patterns(".git"))
    assert app_environment(repo)["MIGRATIONS_PATH"] == app_environment(replace(repo, root=copy))["MIGRATIONS_PATH"] == given


@pytest.mark.parametrize(
    ("fields", "given"),
    [
        # myself-Irfan/fastapi_todoapp: LOG_DIR and LOG_FILE required, joined by its logger; LOG_FILE's /tmp/app.log put
        # the file under /var/lib/app/log/tmp/, which nothing made, and the import stopped
        ("LOG_DIR: Path\n    LOG_FILE: str\n", "${LOG_FILE-app.log}"),
        ("LOGS_FOLDER: str = 'logs'\n    LOG_FILE: str\n", "${LOG_FILE-app.log}"),
        ("LOG_FILE: str\n", "${LOG_FILE-/tmp/app.log}"),  # alone, a path where the read-only image has a tmpfs
    ],
)
def test_a_log_files_made_up_value_beside_a_log_folder_setting_is_a_bare_name(tmp_path, fields, given):
    config = (
        f"from pathlib import Path\nfrom pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    {fields}"
    )
    files = {"requirements.txt": "fastapi\npydantic-settings\n", "main.py": APP, "config.py": config}
    assert app_environment(read_repository(committed(written(tmp_path, files))))["LOG_FILE"] == given


@pytest.mark.parametrize(
    ("env", "given"),
    [
        # vincebout/fastapi-api: a pool's sizes read with no default, set in its committed .env; init left them unset,
        # and psycopg2's pool stopped the import on int(None)
        ("POOL_MAX=20\nPOOL_MIN=1\n", {"POOL_MAX": "${POOL_MAX-20}", "POOL_MIN": "${POOL_MIN-1}"}),
        ("POOL_MAX=twenty\n", {}),  # a number only: any other committed value is the developer's machine's
        ("", {}),
    ],
)
def test_a_number_the_committed_env_gives_a_read_with_no_default_is_passed(tmp_path, env, given):
    code = "import os\n\nPOOL_MAX = os.environ.get('POOL_MAX')\nPOOL_MIN = os.environ.get('POOL_MIN')\n"
    files = {"requirements.txt": "fastapi\n", "main.py": APP, "config.py": code, ".env": env}
    repo = read_repository(committed(written(tmp_path / "repo", files)))
    # As init's trial writes it: in a copy of the repository with no .git, where nothing reads as committed.
    copy = shutil.copytree(repo.root, tmp_path / "copy", ignore=shutil.ignore_patterns(".git"))
    environment = app_environment(replace(repo, root=copy))
    assert {k: v for k, v in environment.items() if k.startswith("POOL")} == given


#: Jaironlanda/fastapi-upload-download: alembic.ini's URL interpolates options of its section, which env.py sets from
#: variables nothing else reads; unset, they were None, and its migrations stopped on "option values must be strings".
SECTION_ENV = (
    "import os\nfrom alembic import context\n\nconfig = context.config\nsection = config.config_ini_section\n"
    'config.set_section_option(section, "DB_USER", os.getenv("DB_USER"))\n'
    'config.set_section_option(section, "DB_PSWD", os.getenv("DB_PSWD"))\n'
    'config.set_section_option(section, "DB_ADDRESS", os.getenv("DB_ADDRESS"))\n'
    'config.set_section_option(section, "DB_NAME", os.getenv("DB_NAME"))\n'
)


@pytest.mark.parametrize(
    ("url", "given"),
    [
        (
            "postgresql+asyncpg://%(DB_USER)s:%(DB_PSWD)s@%(DB_ADDRESS)s:5432/%(DB_NAME)s",
            {"DB_USER": "app", "DB_PSWD": "${POSTGRES_PASSWORD}", "DB_ADDRESS": "postgres", "DB_NAME": "app"},
        ),
        ("postgresql+asyncpg://%(DB_USER)s@%(DB_ADDRESS)s/%(DB_NAME)s", {}),  # no password's place: nothing placed
    ],
)
def test_the_options_alembic_ini_interpolates_from_env_py_reads_are_the_stacks_login_by_their_place(tmp_path, url, given):
    files = {
        "requirements.txt": "fastapi\nsqlalchemy\nasyncpg\nalembic\n",
        "main.py": APP,
        "db.py": "import os\nfrom sqlalchemy.ext.asyncio import create_async_engine\n\nengine = create_async_engine(os.getenv('DATABASE_URL'))\n",
        "alembic.ini": f"[alembic]\nscript_location = migrations\nsqlalchemy.url = {url}\n",
        "migrations/env.py": SECTION_ENV,
    }
    web = compose_text(read_repository(written(tmp_path, files))).split("  web:\n")[1].split("\n\n")[0]
    placed = {name: value for name in ("DB_PSWD", "DB_ADDRESS") if (value := line_value(web, name)) is not None}
    assert placed == {name: f"${{{name}-{given[name]}}}" for name in placed if name in given} and bool(placed) == bool(given)


def line_value(block: str, name: str) -> str | None:
    """The value a Compose block's environment gives `name`, as written; None for no line."""
    return next((line.split(": ", 1)[1] for line in block.splitlines() if line.startswith(f"      {name}: ")), None)


@pytest.mark.parametrize(
    ("worker", "given"),
    [
        # antoniorobertojr/Docker-Celery-FastApi-Stocks: REDISSERVER, read into the names Celery is handed, got a host;
        # kombu took it for an AMQP one, and the worker never reached its broker
        (
            "import os\nfrom celery import Celery\n\nBROKER = os.getenv('REDISSERVER')\n\n"
            "celery = Celery('w', backend=BROKER, broker=BROKER)\n",
            "REDISSERVER: redis://redis:6379/0",
        ),
        (
            "import os\nfrom celery import Celery\n\ncelery = Celery('w', broker=os.environ['QUEUE_AT'])\n",
            "QUEUE_AT: redis://redis:6379/0",
        ),
        # a settings object's field is wired by its own name (and prefix), not set as a variable of that name
        (
            "from celery import Celery\nfrom config import settings\n\ncelery = Celery('w', broker=settings.QUEUE_AT)\n",
            None,
        ),
    ],
)
def test_a_variable_handed_to_celery_as_its_broker_is_the_stacks_broker_url_whatever_its_name(tmp_path, worker, given):
    files = {"requirements.txt": "fastapi\ncelery[redis]\nredis\n", "main.py": APP, "worker.py": worker}
    compose = compose_text(read_repository(committed(written(tmp_path, files))))
    assert (given in compose.split("  web:\n")[1]) if given else "QUEUE_AT" not in compose, compose


@pytest.mark.parametrize(
    ("suite", "name"),
    [
        # Nk3YQQ/fastapi-tracker-project: its conftest builds its URL of os.getenv('POSTGRES_TEST_HOST') and three more,
        # which nothing set; its 11 tests erred on the host "None" (gaierror).
        ("", "app"),
        (DROPS, "postgres"),  # a suite that drops every table gets PostgreSQL's maintenance database, as for a URL
    ],
)
def test_database_parts_only_the_suite_reads_are_the_stacks(tmp_path, suite, name):
    parts = "".join(f"{p} = os.getenv('POSTGRES_TEST_{p}')\n" for p in ("HOST", "USER", "PASSWORD", "DB"))
    conftest = f"import os\n\n{parts}URL = f'postgresql+asyncpg://{{USER}}:{{PASSWORD}}@{{HOST}}:5432/{{DB}}'\n{suite}"
    files = {"requirements.txt": "fastapi\nsqlalchemy\nasyncpg\npydantic-settings\npytest\n", "main.py": APP}
    files |= {"config.py": SETTINGS, "tests/conftest.py": conftest, "tests/test_app.py": "def test_x():\n    pass\n"}
    tested = compose_text(read_repository(committed(written(tmp_path, files)))).split("  web-test:\n")[1]
    given = {"HOST": "postgres", "USER": "app", "PASSWORD": "${POSTGRES_PASSWORD}", "DB": name}
    assert all(f'POSTGRES_TEST_{p}: "{v}"' in tested for p, v in given.items()), tested


@pytest.mark.parametrize(
    ("url", "given"),
    [
        # Psycho-Lyrics/fastapi-voting: `f"redis://{self.RDS_HOST}:{self.RDS_PORT}"`, names that say nothing of Redis;
        # init made up a secret for each, and the app crash-looped on "Port could not be cast to integer value".
        ("redis://{self.RDS_HOST}:{self.RDS_PORT}", {"RDS_HOST": "redis", "RDS_PORT": "6379"}),
        ("redis://:{self.RDS_PASSWORD}@{self.RDS_HOST}:6379/{self.RDS_DB}", {"RDS_PASSWORD": '""', "RDS_DB": "0"}),
        ("http://{self.RDS_HOST}:{self.RDS_PORT}", {"RDS_HOST": None}),  # no Redis URL: nothing placed
    ],
)
def test_settings_a_redis_url_the_code_assembles_places_are_the_stacks_redis(tmp_path, url, given):
    fields = "".join(f"    RDS_{name}: str\n" for name in ("HOST", "PORT", "PASSWORD", "DB"))
    settings = f'{SETTINGS}{fields}\n    def redis_url(self) -> str:\n        return f"{url}"\n'
    files = {"requirements.txt": "fastapi\nsqlalchemy\nasyncpg\nredis\npydantic-settings\n", "main.py": APP + "import redis\n"}
    web = compose_text(read_repository(committed(written(tmp_path, files | {"config.py": settings})))).split("  web:\n")[1]
    for name, value in given.items():
        assert f"{name}: {value}\n" in web if value else f"{name}: ${{{name}?" in web, web


@pytest.mark.parametrize(
    ("compared", "value"),
    [
        # KenArsen/fastapi_auth: `if self.DB_ENGINE == "sqlite": ... elif self.DB_ENGINE == "postgres": ... else: raise`;
        # init gave DB_ENGINE=postgresql, and the app's import raised on it.
        (("sqlite", "postgres"), "postgres"),
        (("sqlite", "postgresql"), "postgresql"),  # compared with the kind alone: not the whole scheme
        (("sqlite", "postgresql+asyncpg"), "postgresql+asyncpg"),  # compared with the stack's own value: kept
        ((), "postgresql+asyncpg"),  # compared with nothing: the stack's own
    ],
)
def test_a_database_kind_setting_is_spelt_as_the_code_compares_it(tmp_path, compared, value):
    config = "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n"
    config += "    DB_ENGINE: str = 'sqlite'\n    DB_HOST: str = 'localhost'\n    DB_NAME: str = 'app'\n\n    def url(self):\n"
    config += "".join(f"        if self.DB_ENGINE == {word!r}:\n            return {word!r}\n" for word in compared)
    config += "        raise ValueError(self.DB_ENGINE)\n"
    files = {"requirements.txt": "fastapi\nsqlalchemy\nasyncpg\n", "main.py": APP, "config.py": config}
    assert app_environment(read_repository(written(tmp_path, files)))["DB_ENGINE"] == f"${{DB_ENGINE-{value}}}"


@pytest.mark.parametrize(
    ("field", "example", "value"),
    [
        # galosha737/FastAPI_project: POSTGRES_SCHEMA with no default got a made-up secret, and its migrations'
        # `CREATE SCHEMA IF NOT EXISTS ci-Secret...` failed on the dash, so the app crash-looped.
        ("POSTGRES_SCHEMA: str", "", "${POSTGRES_SCHEMA-public}"),
        # AndreMaestro/FastAPI_Blog: its revisions create tables in schema='application', the name its committed
        # .env_example gives; in public they found no such schema.
        ("POSTGRES_SCHEMA: str", "POSTGRES_SCHEMA=application\nSECRET=x\n", "${POSTGRES_SCHEMA-application}"),
        ("POSTGRES_SCHEMA: str = 'shop'", "", None),  # its own default: kept
    ],
)
def test_a_postgresql_schema_setting_with_no_default_is_the_committed_examples_or_public(tmp_path, field, example, value):
    config = "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n"
    config += f"    POSTGRES_HOST: str\n    POSTGRES_DB: str\n    {field}\n"
    files = {"requirements.txt": "fastapi\nsqlalchemy\nasyncpg\n", "main.py": APP, "config.py": config}
    committed(written(tmp_path, files | ({".env_example": example} if example else {})))
    assert app_environment(read_repository(tmp_path)).get("POSTGRES_SCHEMA") == value
