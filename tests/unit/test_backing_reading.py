"""fastapi_stackops/adopt/backing_reading.py: the database a repository's code names, read before any build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fastapi_stackops.adopt.build_context import dockerignore_text
from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import compose_text
from tests.unit.test_code_databases import TUTORIAL
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


# linkchw/fastapi-booking-flight-ticket-service: aiosqlite among the pins, and the file a plain class's attribute; the
# image opened ./sql_app.db under its read-only code ("unable to open database file").
@pytest.mark.parametrize("requirements", ["fastapi\nsqlmodel\n", "fastapi\nsqlalchemy\naiosqlite\n"])
def test_the_sqlite_file_the_code_names_is_a_link_into_the_data_volume(tmp_path: Path, requirements):
    for name, text in {"requirements.txt": requirements, "main.py": APP, "app/database.py": TUTORIAL}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    repo = read_repository(tmp_path)
    assert repo.database == "sqlite" and repo.sqlite_in_code == "database.db"
    assert "ln -sf /var/lib/app/database.db /srv/database.db" in dockerfile_text(repo, "/", repo.keeps_data)
    assert "app-data:/var/lib/app" in compose_text(repo)


def test_an_sqlite_file_the_code_names_at_an_absolute_path_is_a_link_there_into_the_data_volume(tmp_path: Path):
    """vmi98/fastapi-api-analytics: `sqlite:////app/db/database.db`, where its own Dockerfile kept the file; the image
    had no /app/db, and the app crash-looped on "unable to open database file"."""
    code = 'from sqlmodel import create_engine\n\nengine = create_engine("sqlite:////app/db/database.db")\n'
    for name, text in {"requirements.txt": "fastapi\nsqlmodel\n", "main.py": APP, "server/models.py": code}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    repo = read_repository(tmp_path)
    assert repo.sqlite_in_code == "/app/db/database.db"
    assert "mkdir -p /app/db && ln -sf /var/lib/app/database.db /app/db/database.db" in dockerfile_text(
        repo, "/", repo.keeps_data
    )


PROPERTY = (
    "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n{field}"
    '    @property\n    def SQLITE_URL(self):\n        return f"sqlite+aiosqlite:///app/db/todo.db"\n'
)


@pytest.mark.parametrize(
    ("field", "database"),
    [
        # Puker228/todo-fastapi: its only URL a settings property's SQLite file, beside an asyncpg it never uses; init
        # ran PostgreSQL, and the app crash-looped on "unable to open database file".
        ("", "sqlite"),
        ("    DATABASE_URL: str\n", "postgres"),  # a setting holds the database's URL: the server's driver decides
    ],
)
def test_an_sqlite_file_the_code_alone_names_is_the_database_whatever_driver_it_declares(tmp_path: Path, field, database):
    files = {"requirements.txt": "fastapi\nsqlalchemy\nasyncpg\naiosqlite\n", "main.py": APP}
    repo = read_repository(written(tmp_path, files | {"app/config.py": PROPERTY.format(field=field)}))
    assert repo.database == database


SQLITE_SETTINGS = 'from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    DATABASE_URL: str = "{url}"\n'
ALEMBIC_INI = "[alembic]\nscript_location = alembic\nsqlalchemy.url = sqlite+aiosqlite:///./shortener.db\n"


@pytest.mark.parametrize(
    ("env", "url", "linked"),
    [
        # irvaniamirali/fastapi-url-shortener: env.py connects with alembic.ini's ./shortener.db as written, the app's
        # default names the same file; the migrations wrote under the read-only code, and the server crash-looped.
        ("config = context.config\n", "sqlite+aiosqlite:///./shortener.db", "shortener.db"),
        ("config.set_main_option('sqlalchemy.url', settings.DATABASE_URL)\n", "sqlite+aiosqlite:///./shortener.db", ""),
        ("config = context.config\n", "sqlite+aiosqlite:///./other.db", ""),  # another file: not the app's to share
    ],
)
def test_the_sqlite_file_alembic_ini_names_is_the_apps_on_the_volume(tmp_path: Path, env, url, linked):
    files = {"requirements.txt": "fastapi\nsqlalchemy\naiosqlite\nalembic\npydantic-settings\n", "main.py": APP}
    files |= {"config.py": SQLITE_SETTINGS.format(url=url), "alembic.ini": ALEMBIC_INI, "alembic/env.py": env}
    files |= {"alembic/versions/0001_urls.py": "revision = '0001'\n"}
    repo = read_repository(written(tmp_path, files))
    assert repo.sqlite_in_code == linked
    if linked:
        assert "ln -sf /var/lib/app/shortener.db /srv/shortener.db" in dockerfile_text(repo, "/", repo.keeps_data)
        assert "DATABASE_URL: ${DATABASE_URL-sqlite+aiosqlite:////var/lib/app/shortener.db}" in compose_text(repo)


@pytest.mark.parametrize(
    ("ini", "database"),
    [
        # AnastasiyaKuzmenko/fastapi-library-api: `os.getenv("DATABASE_URL")` bare, SQLAlchemy and no server's driver,
        # alembic.ini's URL SQLite's; init ran no database, and the app stopped on "Expected string or URL object, got None".
        ("sqlalchemy.url = sqlite:///./library.db\n", "sqlite"),
        # alembic init's template says nothing; the URL the code hands SQLAlchemy, no server's driver beside it, is
        # SQLite's (Papkidon/fastapi-api's, below)
        ("sqlalchemy.url = driver://user:pass@localhost/dbname\n", "sqlite"),
        # hdungng/fastapi-clean-architecture: the settings' own default is MySQL's, its scheme naming pymysql, which
        # no dependency declares (the trial adds it); alembic.ini's SQLite is a leftover
        ("sqlalchemy.url = sqlite:///./app.db\n", "mysql-default"),
        # Shtierlitz/FastApi-Library-control-system: no driver, a required URL, and an engine passing SQLite's
        # connect_args when the URL is SQLite's; init ran no database and made the URL up as a secret.
        ("sqlalchemy.url = ${DATABASE_URL}\n", "sqlite-engine"),
        # Milon34/fastapi-newsapp: the same connect_args bound to a name first; init made the URL up as a secret.
        ("sqlalchemy.url = ${DATABASE_URL}\n", "sqlite-engine-named"),
    ],
)
def test_an_app_with_no_servers_driver_runs_on_the_sqlite_its_alembic_ini_or_its_engine_names(tmp_path: Path, ini, database):
    default = "'mysql+pymysql://u:p@db/app'" if database == "mysql-default" else "None"
    args = "{'check_same_thread': False} if 'sqlite' in URL else {}"
    handled = f", connect_args={args}" if database == "sqlite-engine" else ""
    handled = ", connect_args=args" if database == "sqlite-engine-named" else handled
    reads = f"import os\nfrom sqlalchemy import create_engine\n\nURL = os.getenv('DATABASE_URL', {default})\n"
    reads += f"args = {args}\n" if database == "sqlite-engine-named" else ""
    reads += f"engine = create_engine(URL{handled})\n"
    files = {"requirements.txt": "fastapi\nsqlalchemy\nalembic\n", "main.py": APP, "app/database.py": reads}
    files |= {"alembic.ini": "[alembic]\nscript_location = alembic\n" + ini}
    repo = read_repository(written(tmp_path, files))
    assert repo.database == {"mysql-default": "mysql", "sqlite-engine": "sqlite", "sqlite-engine-named": "sqlite"}.get(
        database, database
    )
    if repo.database == "sqlite":
        assert "DATABASE_URL: ${DATABASE_URL-sqlite:////var/lib/app/" in compose_text(repo)


@pytest.mark.parametrize(
    ("code", "tls"),
    [
        # AkashAkuthota/fastapi-jwt-redis-backend: a cloud database's TLS written in the code; the stack's PostgreSQL
        # had none ("server does not support SSL, but SSL was required"), and the app crash-looped.
        ('engine = create_engine(url, connect_args={"sslmode": "require"})\n', True),
        ('URL = "postgresql://u:p@db/x?sslmode=verify-full"\n', True),
        ('pool = await asyncpg.create_pool(dsn, **{"ssl": "require"})\n', True),
        ('engine = create_engine(url, connect_args={"sslmode": "prefer"})\n', False),
        ('# connect_args={"sslmode": "require"}\nengine = create_engine(url)\n', False),
    ],
)
def test_a_database_whose_code_requires_tls_gets_it_on(tmp_path: Path, code, tls):
    for name, text in {"requirements.txt": "fastapi\npsycopg2-binary\n", "main.py": APP, "db.py": code}.items():
        (tmp_path / name).write_text(text)
    compose = compose_text(read_repository(tmp_path))
    assert ("ssl=on" in compose and "ssl-cert-snakeoil.key" in compose) == tls


@pytest.mark.parametrize(
    ("requirements", "code", "refused"),
    [
        # dgucik/fastapi-auth-boilerplate: aiokafka, its events published to Kafka; the trial built, then failed on an
        # import, and Kafka would have failed it next.
        ("fastapi\naiokafka\n", "from aiokafka import AIOKafkaProducer\n", "the app speaks Kafka (the aiokafka dependency"),
        ("fastapi\nconfluent-kafka\n", "import confluent_kafka\n", "the app speaks Kafka (the confluent-kafka dependency"),
        ("fastapi\naiokafka\n", "import json\n", ""),  # declared and never imported: no broker it needs
        ("fastapi\nredis\n", "import kafka_helpers\n", ""),  # a module of its own that says kafka: no client
        # zilla998/fastapi-hotel-booking: FastStream's Kafka broker, read as RabbitMQ; the app crash-looped on
        # "Unable to bootstrap from localhost:9094".
        (
            "fastapi\nfaststream[kafka]\n",
            "from faststream.kafka import KafkaBroker\n",
            "the app speaks Kafka (the faststream (faststream.kafka)",
        ),
        # roustam/fastapi-movies: its films searched in Elasticsearch, which its startup connects to; it crash-looped
        # on 127.0.0.1:9200.
        (
            "fastapi\nelasticsearch[async]\n",
            "from elasticsearch import AsyncElasticsearch\n",
            "the app speaks Elasticsearch (the elasticsearch dependency",
        ),
        ("fastapi\nelasticsearch\n", "import json\n", ""),
        # axergy/fastapi-starter: its workflows run on Temporal, which its /health checks; the stack never became
        # healthy (503 until the timeout).
        ("fastapi\ntemporalio\n", "from temporalio.client import Client\n", "the app speaks Temporal (the temporalio dependency"),
    ],
)
def test_an_app_that_speaks_a_server_init_runs_no_image_of_is_refused_in_one_line_before_any_build(
    tmp_path: Path, requirements, code, refused
):
    from fastapi_stackops.adopt.findings import NotAFastAPIRepository

    written(tmp_path, {"requirements.txt": requirements, "main.py": APP, "events.py": code})
    if not refused:
        assert read_repository(tmp_path).app.reference == "main:app"
        return
    instead = r"\(Redis, RabbitMQ\)" if "Kafka" in refused else r": run its \w+ yourself beside the stack$"
    with pytest.raises(NotAFastAPIRepository, match=re.escape(refused) + r".*runs no image of ?" + instead):
        read_repository(tmp_path)


ENGINE = "from sqlalchemy import create_engine\nfrom config import settings\n\n{}\n"
MADE = "engine = create_engine(settings.DATABASE_URL, {})"


@pytest.mark.parametrize(
    ("engine", "database"),
    [
        # CelmarPA/fastapi-auth-api: psycopg2-binary among its pins, and its engine always made with SQLite's own
        # check_same_thread; init ran PostgreSQL, and psycopg2 refused the option at import ("invalid dsn").
        (MADE.format('connect_args={"check_same_thread": False}'), "sqlite"),
        # Given only when the URL is SQLite's: the server's driver stands.
        (
            MADE.format('connect_args={"check_same_thread": False} if settings.DATABASE_URL.startswith("sqlite") else {}'),
            "postgres",
        ),
        (MADE.format("pool_pre_ping=True"), "postgres"),
        # btso8/fastapi-todo: SQLite's engine in one branch, another database's in the other (psycopg pinned, and
        # pg_advisory_lock in its migrations); init ran SQLite, and the app crash-looped on the lock.
        (
            'if settings.DATABASE_URL.startswith("sqlite"):\n'
            '    engine = create_engine(settings.DATABASE_URL, connect_args={"check_same_thread": False})\n'
            "else:\n    engine = create_engine(settings.DATABASE_URL, pool_pre_ping=True)",
            "postgres",
        ),
        # evernext10/FastAPI-Inventory-python: psycopg2 pinned, its settings' parts of a PostgreSQL URL left unused
        # (the line assembling them commented out), and the engine made on a sqlite URL written in the code.
        ('URL = "sqlite:///./sql_app.db"\nengine = create_engine(URL, echo=True)', "sqlite"),
        ('engine = create_engine("sqlite:///./sql_app.db")', "sqlite"),
        ('URL = "sqlite:///./sql_app.db"\nengine = create_engine(URL)\nother = create_engine(settings.DATABASE_URL)', "postgres"),
    ],
)
def test_an_engine_always_made_for_sqlite_makes_the_database_sqlite(tmp_path: Path, engine, database):
    settings = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    DATABASE_URL: str\n\nsettings = Settings()\n"
    files = {"requirements.txt": "fastapi\nsqlalchemy\npsycopg2-binary\npydantic-settings\n", "main.py": APP}
    written(tmp_path, {**files, "config.py": settings, "db.py": ENGINE.format(engine)})
    assert read_repository(tmp_path).database == database


@pytest.mark.parametrize(
    ("code", "rabbitmq", "redis"),
    [
        ("from faststream.rabbit import RabbitBroker\n", True, False),
        ("from faststream.rabbit.fastapi import RabbitRouter\n", True, False),
        ("from faststream.redis import RedisBroker\n", False, True),  # FastStream over Redis: no RabbitMQ
        ("from faststream import FastStream\n", False, False),
    ],
)
def test_faststream_is_a_client_of_the_broker_its_code_imports(tmp_path: Path, code, rabbitmq, redis):
    written(tmp_path, {"requirements.txt": "fastapi\nfaststream\n", "main.py": APP, "events.py": code})
    repo = read_repository(tmp_path)
    assert (bool(repo.rabbitmq), bool(repo.redis)) == (rabbitmq, redis)


@pytest.mark.parametrize(
    ("default", "database"),
    [
        # Shubham100718/fastapi-event-management-app: asyncpg and asyncmy frozen together, its URL's default on MySQL;
        # init ran PostgreSQL, and the app crash-looped on the MySQL host of its default.
        ("mysql+asyncmy://admin:pw@mysql:3306/events", "mysql"),
        ("postgresql+asyncpg://admin:pw@db:5432/events", "postgres"),
        ("", "postgres"),  # no URL names one: the first driver's, as before
    ],
)
def test_drivers_of_two_databases_run_the_one_the_settings_url_names(tmp_path, default, database):
    config = f"import os\n\nDATABASE_URL = os.getenv('DATABASE_URL', '{default}')\n" if default else ""
    files = {"requirements.txt": "fastapi\nasyncpg\nasyncmy\nsqlalchemy\n", "main.py": APP, "config.py": config}
    assert read_repository(written(tmp_path, files)).database == database


@pytest.mark.parametrize(
    ("default", "database"),
    [
        # project-logx/fastapi-backend: SQLite at a file beside the code, its URL an f-string; init ran no database,
        # and the app crash-looped on "unable to open database file" under its read-only code.
        ("f\"sqlite:///{(ROOT_DIR / 'logx.db').as_posix()}\"", "sqlite"),
        ('f"postgresql://{HOST}/app"', "postgres"),  # not SQLite's: PostgreSQL's, SQLAlchemy's psycopg2 for its scheme
        ("str(ROOT_DIR)", ""),
    ],
)
def test_an_sqlite_url_written_as_an_f_string_is_the_database(tmp_path: Path, default, database):
    config = "import os\nfrom pathlib import Path\n\nROOT_DIR = Path(__file__).parent\nHOST = 'db'\n\n"
    config += f"class Settings:\n    database_url = os.getenv('DATABASE_URL', {default})\n"
    files = {"requirements.txt": "fastapi\nsqlalchemy\n", "main.py": APP, "app/config.py": config}
    assert read_repository(written(tmp_path, files)).database == database


@pytest.mark.parametrize(
    ("rewrite", "url"),
    [
        # zhangjw777/FastAPI-simple-template: its code makes `sqlite+aiosqlite` of a bare sqlite URL itself; given the
        # driver's already, it made `sqlite+aiosqlite+aiosqlite`, and init was refused after a build.
        ('url = settings.DATABASE_URL.replace("sqlite", "sqlite+aiosqlite", 1)\n', "sqlite:////var/lib/app/app.db"),
        ("url = settings.DATABASE_URL\n", "sqlite+aiosqlite:////var/lib/app/app.db"),
    ],
)
def test_a_bare_sqlite_url_the_code_gives_its_async_driver_itself_stays_bare(tmp_path: Path, rewrite, url):
    files = {"requirements.txt": "fastapi\nsqlalchemy\naiosqlite\npydantic-settings\n", "main.py": APP}
    engine = "from sqlalchemy.ext.asyncio import create_async_engine\nfrom config import settings\n"
    files |= {
        "config.py": SQLITE_SETTINGS.format(url="sqlite:///./app.db"),
        "db.py": engine + rewrite + "e = create_async_engine(url)\n",
    }
    assert f"DATABASE_URL: ${{DATABASE_URL-{url}}}" in compose_text(read_repository(written(tmp_path, files)))


def test_an_sqlite_url_read_with_no_default_is_the_file_alembic_ini_makes_linked_to_the_volume(tmp_path: Path):
    # mohamedmagdy841/fastapi-simple-crud: the app reads its URL with no default, alembic.ini names
    # sqlite:///fastapi-practice.db; the migrations wrote under the read-only code, and the web crash-looped at ci.
    files = {"requirements.txt": "fastapi\nsqlalchemy\nalembic\n", "main.py": APP, "alembic.ini": ALEMBIC_INI}
    files |= {"db.py": "import os\nfrom sqlalchemy import create_engine\nengine = create_engine(os.getenv('DB_URL'))\n"}
    files |= {"alembic/env.py": "config = context.config\n", "alembic/versions/0001_a.py": "revision = '0001'\n"}
    repo = read_repository(written(tmp_path, files))
    assert repo.sqlite_in_code == "shortener.db"
    assert "ln -sf /var/lib/app/shortener.db /srv/shortener.db" in dockerfile_text(repo, "/", repo.keeps_data)
    assert "DB_URL: ${DB_URL-sqlite:////var/lib/app/shortener.db}" in compose_text(repo)


def test_the_sql_a_repositorys_mariadb_ran_at_its_first_start_is_mounted_where_mariadb_runs_it(tmp_path: Path):
    # kimjy-par/fastapi-async-architecture's shape: MariaDB for an async MySQL client, and sql/ making its tables.
    files = {"requirements.txt": "fastapi\nsqlalchemy\naiomysql\n", "main.py": APP}
    repo = read_repository(written(tmp_path, files | {"sql/01_tables.sql": "CREATE TABLE users (id int);\n"}))
    assert (repo.database, repo.init_scripts) == ("mysql", "sql")
    assert any("sql, run by MariaDB at its first start" in f.line() for f in repo.findings)
    assert "      - ./sql:/docker-entrypoint-initdb.d:ro\n" in compose_text(repo)


@pytest.mark.parametrize(
    ("requirements", "database"),
    [
        # Papkidon/fastapi-api: `create_engine(os.getenv("DATABASE_URL"))`, SQLAlchemy and no server's driver (its
        # Dockerfile installed one); init ran no database, and create_engine(None) stopped the import
        ("fastapi\nsqlalchemy\n", "sqlite"),
        ("fastapi\nsqlalchemy\npsycopg2-binary\n", "postgres"),  # a server's driver: that server
    ],
)
def test_a_url_handed_to_sqlalchemy_with_no_servers_driver_is_sqlites(tmp_path: Path, requirements, database):
    code = "import os\nfrom sqlalchemy import create_engine\n\nengine = create_engine(os.getenv('DATABASE_URL'))\n"
    for name, text in {"requirements.txt": requirements, "main.py": APP, "db.py": code}.items():
        (tmp_path / name).write_text(text)
    repo = read_repository(tmp_path)
    assert repo.database == database


def test_a_file_the_standard_librarys_sqlite3_opens_is_sqlite_on_the_volume(tmp_path: Path):
    """The smallest apps open their file with sqlite3 itself (`sqlite3.connect("notes.db")`): under the read-only
    code, "unable to open database file"."""
    code = 'import sqlite3\n\nconn = sqlite3.connect("notes.db", check_same_thread=False)\n'
    for name, text in {"requirements.txt": "fastapi\n", "main.py": APP, "db.py": code}.items():
        (tmp_path / name).write_text(text)
    repo = read_repository(tmp_path)
    assert repo.database == "sqlite" and repo.sqlite_in_code == "notes.db"
    assert "ln -sf /var/lib/app/notes.db /srv/notes.db" in dockerfile_text(repo, "/", repo.keeps_data)


@pytest.mark.parametrize(
    ("ini_file", "alias"),
    [
        # jauyeunggithub/fastapi-api: alembic.ini's ./test.db beside the code's ./app.db; the migrations opened a file
        # under the read-only code ("unable to open database file") and would have made their tables in another file.
        ("./test.db", "test.db"),
        ("./app.db", ""),  # the app's own file: linked already
    ],
)
def test_alembics_other_sqlite_file_is_a_link_to_the_apps(tmp_path: Path, ini_file, alias):
    code = 'from sqlalchemy import create_engine\n\nengine = create_engine("sqlite:///./app.db")\n'
    ini = f"[alembic]\nscript_location = alembic\nsqlalchemy.url = sqlite:///{ini_file}\n"
    files = {"requirements.txt": "fastapi\nsqlalchemy\nalembic\n", "main.py": APP, "db.py": code, "alembic.ini": ini}
    files |= {"alembic/env.py": "from alembic import context\n", "alembic/versions/0001_x.py": "revision = '0001'\n"}
    repo = read_repository(written(tmp_path, files))
    assert repo.sqlite_in_code == "app.db" and repo.sqlite_alias == alias
    linked = "ln -sf /var/lib/app/app.db /srv/test.db" in dockerfile_text(repo, "/", repo.keeps_data)
    assert linked == bool(alias)


@pytest.mark.parametrize("committed", [True, False])
def test_a_committed_sqlite_file_is_what_a_new_data_volume_starts_from(tmp_path: Path, committed):
    """peterlharding/fastapi-sqlite: its tables made by SQL scripts into the database.sqlite it commits, never by the
    app; linked into an empty volume, every POST answered 500 (no such table)."""
    code = 'from sqlalchemy import create_engine\n\nengine = create_engine("sqlite:///./database.sqlite")\n'
    files = {"requirements.txt": "fastapi\nsqlalchemy\n", "main.py": APP, "db.py": code}
    repo = read_repository(written(tmp_path, files | ({"database.sqlite": "SQLite format 3\0"} if committed else {})))
    copied = "COPY --chown=10001:10001 database.sqlite /var/lib/app/database.sqlite" in dockerfile_text(repo, "/", True)
    assert copied == committed
    assert ("!database.sqlite" in dockerignore_text(repo, "deploy-env").splitlines()) == committed
    said = next(f.value for f in repo.findings if f.what == "database")
    assert said.endswith("seeded from the committed file") == committed


@pytest.mark.parametrize(
    ("script", "user"),
    [
        # alex-zaikman/fastapi-postgres-tmpl: db/init.sql gives its sequence to the role postgres; run by a server whose
        # user was app, it stopped on 'role "postgres" does not exist', and the database never became healthy.
        ("create sequence s;\nalter sequence s owner to postgres;\ncreate table t (id int);\n", "postgres"),
        ('GRANT ALL ON SCHEMA public TO "postgres";\ncreate table t (id int);\n', "postgres"),
        ("create table postgres_users (id int);\n", "app"),  # a table's name, no role
    ],
)
def test_init_scripts_that_name_the_role_postgres_get_a_server_whose_user_it_is(tmp_path: Path, script, user):
    code = "import os\nfrom sqlalchemy import create_engine\n\nengine = create_engine(os.environ['DATABASE_URL'])\n"
    files = {"requirements.txt": "fastapi\nsqlalchemy\npsycopg2-binary\n", "main.py": APP, "db.py": code}
    repo = read_repository(written(tmp_path, files | {"db/init.sql": script}))
    compose = compose_text(repo)
    assert f"POSTGRES_USER: {user}\n" in compose and f"postgresql://{user}:" in compose, compose


WRAPPER_SETTINGS = (
    "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n"
    '    DB_HOST: str = ""\n    DB_USER: str = ""\n    DB_PASSWORD: str = ""\n    DB_NAME: str = ""\n'
)
POETRY_WRAPPER = (
    '[tool.poetry]\nname = "svc"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\npython = "^3.11"\n'
    'fastapi = "*"\npydantic-settings = "*"\nasyncpgsa = "*"\n'
)
LOCKED = ("asyncpg", "fastapi", "pydantic-settings")
POETRY_WRAPPER_LOCK = (
    '[[package]]\nname = "asyncpgsa"\nversion = "0.27.1"\noptional = false\n\n[package.dependencies]\n'
    'asyncpg = ">=0.22.0"\nsqlalchemy = "*"\n'
    + "".join(f'\n[[package]]\nname = "{name}"\nversion = "1.0"\noptional = false\n' for name in LOCKED)
)
UV_WRAPPER = '[project]\nname = "svc"\nversion = "0.1.0"\ndependencies = ["fastapi", "pydantic-settings", "asyncpgsa"]\n'
UV_WRAPPER_LOCK = (
    'version = 1\nrequires-python = ">=3.11"\n\n[[package]]\nname = "svc"\nversion = "0.1.0"\nsource = { editable = "." }\n'
    'dependencies = [{ name = "fastapi" }, { name = "pydantic-settings" }, { name = "asyncpgsa" }]\n\n'
    '[[package]]\nname = "asyncpgsa"\nversion = "0.27.1"\nsource = { registry = "https://pypi.org/simple" }\n'
    'dependencies = [{ name = "asyncpg" }, { name = "sqlalchemy" }]\n'
    + "".join(f'\n[[package]]\nname = "{name}"\nversion = "1.0"\n' for name in LOCKED)
)


# ZhulikovN/fastapi-sqlalchemy-template: asyncpgsa alone among its dependencies, its asyncpg under it in poetry.lock;
# init ran no database, and the app crash-looped connecting to 127.0.0.1.
@pytest.mark.parametrize(
    ("files", "database"),
    [
        ({"pyproject.toml": POETRY_WRAPPER, "poetry.lock": POETRY_WRAPPER_LOCK}, "postgres"),
        ({"pyproject.toml": UV_WRAPPER, "uv.lock": UV_WRAPPER_LOCK}, "postgres"),
        ({"pyproject.toml": POETRY_WRAPPER}, ""),  # no lock: nothing says what the wrapper brings
    ],
)
def test_a_driver_a_dependency_requires_in_the_lock_is_the_apps(tmp_path: Path, files, database):
    written(tmp_path, {**files, "main.py": APP, "settings.py": WRAPPER_SETTINGS})
    assert read_repository(tmp_path).database == database


@pytest.mark.parametrize(
    ("code", "in_code"),
    [
        # Elian-Rodriguez/fastapi-cars: `os.path.join(base_dir, name)` of the module's folder and a literal name going up
        # one; init ran no database, and the app could not open its file under the read-only code.
        (
            "import os\nfrom sqlalchemy import create_engine\n\nname = '../cars.sqlite'\n"
            "here = os.path.dirname(os.path.realpath(__file__))\nengine = create_engine(f'sqlite:///{os.path.join(here, name)}')\n",
            "cars.sqlite",
        ),
        # utkarshun/fastapi-car-rental-backend: a file with no extension; SQLite was found by its engine, and its file
        # stayed under the read-only code ("unable to open database file").
        (
            "from sqlalchemy import create_engine\n\nURL = 'sqlite:///./rental_db'\n"
            "engine = create_engine(URL, connect_args={'check_same_thread': False})\n",
            "rental_db",
        ),
    ],
)
def test_an_sqlite_file_the_code_names_its_own_way_is_a_link_into_the_data_volume(tmp_path: Path, code, in_code):
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\nsqlalchemy\n", "main.py": APP, "config/db.py": code}))
    assert repo.database == "sqlite" and repo.sqlite_in_code == in_code
    assert f"ln -sf /var/lib/app/{in_code} /srv/{in_code}" in dockerfile_text(repo, "/", repo.keeps_data)


@pytest.mark.parametrize(
    ("code", "database"),
    [
        # danielPashht/fastapi-wallet: asyncpg never declared, named by its URL's scheme in a .format() template; no
        # server ran, and the app crash-looped on 127.0.0.1:5432 in ci.
        (
            "import os\nfrom sqlalchemy.ext.asyncio import create_async_engine\n\n"
            "URL = 'postgresql+asyncpg://{}:{}@{}/{}'.format(os.getenv('DB_USER'), os.getenv('DB_PASSWORD'), "
            "os.getenv('DB_HOST', 'localhost'), os.getenv('DB_NAME'))\nengine = create_async_engine(URL)\n",
            "postgres",
        ),
        ("from sqlalchemy import create_engine\n\nengine = create_engine('sqlite:///./app.db')\n", "sqlite"),
        # bilolbek1/fastapi-pizza-delivery: `create_engine('postgresql://postgres:4321@localhost/pizza_deliver_db')`,
        # psycopg2, SQLAlchemy's driver for a scheme naming none, never declared; refused as no server init would run.
        ("from sqlalchemy import create_engine\n\nengine = create_engine('postgresql://me:pw@localhost/shop')\n", "postgres"),
        ("from sqlalchemy import create_engine\n\nengine = create_engine('mysql://me:pw@localhost/shop')\n", ""),
    ],
)
def test_a_server_the_codes_url_scheme_names_is_the_database_when_no_driver_is_declared(tmp_path: Path, code, database):
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\nsqlalchemy\n", "main.py": APP, "db.py": code}))
    assert repo.database == database
