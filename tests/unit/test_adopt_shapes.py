"""What init reads from the repository shapes the corpus of real repositories showed (bench/corpus.toml): pure, no engine.

Each table row is one shape, written here; the two bare fixtures that carry most of them (poetry-legacy-lock,
uv-mariadb-nested) also pass init then `inv ci` in tests/integration/test_adopt.py.
"""

import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_stackops.adopt.app_environment import app_environment, secret_variables
from fastapi_stackops.adopt.app_settings import SettingField
from fastapi_stackops.adopt.apps import App, find_apps
from fastapi_stackops.adopt.backing import DATABASES
from fastapi_stackops.adopt.backing_reading import extension_use, init_scripts
from fastapi_stackops.adopt.brokers import broker_values, redis_value
from fastapi_stackops.adopt.build_context import code_paths, dockerignore_name, dockerignore_text
from fastapi_stackops.adopt.contract_table import written_layout
from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.fitting_values import typed_value
from fastapi_stackops.adopt.image import dockerfile_text, runtime_flavour
from fastapi_stackops.adopt.init import Options, overridden
from fastapi_stackops.adopt.persistence_scenario import scenario
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.runtime_libraries import runtime_libraries
from fastapi_stackops.adopt.settings_reading import find_settings
from fastapi_stackops.adopt.stackfiles import compose_text, env_texts
from fastapi_stackops.adopt.suite_environment import tests_environment as suites_environment
from fastapi_stackops.substitutes import official_name, plan_substitute
from tests.unit.shapes import AMQP, APP, BARE, lines, nested_environment
from tests.utils import committed, written


@pytest.mark.parametrize(
    ("shape", "cleaned"),
    [
        ("poetry-asyncpg-alembic", ["pyproject.toml"]),
        ("uv-src-factory", ["pyproject.toml"]),
        ("uv-workspace-member/api", ["pyproject.toml", "api/pyproject.toml"]),  # the member's holds the contract
        ("requirements-psycopg2-sync", []),  # a requirements file holds no contract: copied as it is
    ],
)
def test_the_builder_installs_from_manifests_without_the_contract(shape, cleaned):
    text = dockerfile_text(read_repository(BARE / shape), "/health", False)
    builder = text.split("AS builder")[1].split("\nFROM ")[0]
    assert ("COPY --from=manifests /build ./" in builder) is bool(cleaned)
    assert re.findall(r"!ours' (\S+) >", text) == cleaned


def test_a_merge_conflict_marker_in_the_code_is_refused_before_any_build_naming_the_file_and_line(tmp_path):
    conflicted = (
        "from fastapi import FastAPI\n<<<<<<< HEAD\napp = FastAPI()\n=======\napp = FastAPI(title='x')\n>>>>>>> 41ea131 (x)\n"
    )
    written(tmp_path, {"requirements.txt": "fastapi\n", "svc/main.py": APP, "svc/api/files.py": conflicted})
    with pytest.raises(NotAFastAPIRepository) as refused:
        read_repository(tmp_path)
    assert str(refused.value).endswith("svc/api/files.py line 2 holds a merge-conflict marker: resolve the conflict and commit")
    (tmp_path / "svc/api/files.py").write_text('x = """\n=======\n"""\n')  # a ruler in a string is no marker
    assert read_repository(tmp_path).app.reference == "svc.main:app"


@pytest.mark.parametrize(
    ("annotation", "value"),
    [
        ("bool", "false"),
        ("int", "1"),
        ("Optional[int]", "1"),
        ("float | None", "1.0"),
        ("EmailStr", "admin@example.com"),
        ("IPvAnyAddress", "0.0.0.0"),
        ("Optional[IPv4Address]", "0.0.0.0"),
        ("IPv6Address", "::"),
        ("AnyHttpUrl", "http://localhost"),
        ("RedisDsn", "redis://localhost:6379/0"),
        ("list[str]", "[]"),
        ("dict[str, int]", "{}"),
        ("Literal['local', 'production']", "local"),
        ("t.Literal['JSON', 'PLAIN']", "JSON"),  # ntphiep/fastapi-uv-servive-template's `import typing as t`
        ("str", None),
        ("SecretStr", None),
    ],
)
def test_a_required_setting_gets_a_value_of_its_type(annotation, value):
    assert typed_value(annotation) == value


def test_a_required_setting_typed_as_an_enum_of_the_repository_gets_a_member(tmp_path):
    """ntphiep/fastapi-uv-servive-template: `level: LoggingLevel` (a str Enum) in a nested group; a made-up string is
    none of its members, and the import stopped on the settings' validation."""
    settings = (
        "import enum\nfrom pydantic import BaseModel\nfrom pydantic_settings import BaseSettings, SettingsConfigDict\n\n"
        "class Level(str, enum.Enum):\n    DEBUG = 'DEBUG'\n    INFO = 'INFO'\n\n"
        "class Logs(BaseModel):\n    level: Level\n\nclass Settings(BaseSettings):\n    logs: Logs\n    secret: str\n"
        "    model_config = SettingsConfigDict(env_nested_delimiter='__')\n"
    )
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\n", "settings.py": settings, "main.py": APP}))
    assert {f.variable: f.typed_value for f in repo.settings.required} == {"LOGS__LEVEL": "DEBUG", "SECRET": None}


def test_settings_split_over_classes_are_all_read_and_typed_values_are_no_secrets():
    repo = read_repository(BARE / "poetry-legacy-lock")
    assert [f.variable for f in repo.settings.required] == ["DATABASE_URL", "SECRET_KEY", "DEBUG_SQL", "PAGE_SIZE"]
    environment = app_environment(repo)
    assert environment["DEBUG_SQL"] == "${DEBUG_SQL-false}" and environment["PAGE_SIZE"] == "${PAGE_SIZE-1}"
    assert secret_variables(repo) == ["SECRET_KEY", "POSTGRES_PASSWORD"]


def test_a_set_value_is_never_overridden_by_a_generated_one(tmp_path):
    written(tmp_path, {"requirements.txt": "fastapi\npydantic-settings\n", "main.py": APP})
    written(tmp_path, {"settings.py": "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    token: str\n"})
    repo = overridden(read_repository(tmp_path), Options(values={"TOKEN": "abc"}))
    assert app_environment(repo)["TOKEN"] == '"${TOKEN-abc}"' and "TOKEN" not in secret_variables(repo)


def test_a_broker_named_field_that_holds_a_choice_keeps_its_default(tmp_path):
    config = "from typing import Literal\nfrom pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n"
    config += "    CELERY_BROKER: Literal['rabbitmq', 'redis'] = 'redis'\n    REDIS_HOST: str = 'localhost'\n"
    files = {"requirements.txt": "fastapi\ncelery\nredis\n", "main.py": APP, "conf.py": config}
    environment = app_environment(read_repository(written(tmp_path, files)))
    assert "CELERY_BROKER" not in environment and environment["REDIS_HOST"] == "redis"


def test_nested_settings_groups_and_redis_in_parts_are_wired_to_the_stack():
    repo = read_repository(BARE / "uv-mariadb-nested")
    environment = app_environment(repo)
    assert environment["DATABASE__HOST"] == "${DATABASE__HOST-mariadb}"
    assert environment["DATABASE__PASSWORD"] == "${DATABASE__PASSWORD-${MARIADB_PASSWORD}}"
    assert environment["REDIS_PORT"] == "6379" and environment["REDIS_HOST"] == "redis"
    assert secret_variables(repo) == ["SIGNING_KEY", "MARIADB_PASSWORD"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REDIS_HOST", "redis"),
        ("REDIS_IP", "redis"),  # acikabubo/fastapi-http-websocket: its startup check refused localhost
        ("redis_port", "6379"),
        ("REDIS_DB", "0"),
        ("REDIS_PASSWORD", '""'),  # set, and empty: a bare empty value would leave it unset
        # 1nsidell/FastAPI-users-management: its default user (guest) was refused, and readiness answered 503
        ("REDIS_USERNAME", '""'),
        ("REDIS_USER", '""'),
        ("REDIS_URL", "redis://redis:6379/0"),
        ("CELERY_BROKER_URL", "redis://redis:6379/0"),
        ("QUEUE_REDIS_BROKER_URL", "redis://redis:6379/0"),  # Forgot-0/fastapi_template: taskiq's broker and backend
        ("QUEUE_REDIS_RESULT_BACKEND", "redis://redis:6379/0"),
        # Farlavendi/FastAPI_School_Journal: a nested group's (env_nested_delimiter "__") were given secrets
        ("APP_CONFIG__REDIS__HOST", "redis"),
        ("APP_CONFIG__REDIS__PORT", "6379"),
        ("APP__TASKIQ__URL", "redis://redis:6379/0"),  # taskiq-redis's broker
        ("SECRET_KEY", None),
    ],
)
def test_redis_given_in_parts(name, value):
    assert redis_value(name) == value


def test_mysql_clients_get_mariadb_with_the_official_images_contract():
    repo = read_repository(BARE / "uv-mariadb-nested")
    assert "  database     MariaDB, for the app's MySQL client (from the aiomysql dependency)" in lines(repo)
    compose = compose_text(repo)
    assert "image: ${MARIADB_BASE_IMAGE-mariadb:10.11}" in compose and "db-data:/var/lib/mysql" in compose
    assert "mariadb:\n        condition: service_healthy" in compose


@pytest.mark.parametrize(
    ("files", "dependencies", "extension", "said"),
    [
        ({"main.py": APP}, ("pgvector",), "pgvector", "the pgvector dependency"),
        (
            {"migrations/versions/0015_embeddings.py": 'op.execute("CREATE EXTENSION IF NOT EXISTS vector")\n'},
            (),
            "pgvector",
            "CREATE EXTENSION vector in migrations/versions/0015_embeddings.py",
        ),
        ({"db/init.sql": 'create extension "vector";\n'}, (), "pgvector", "CREATE EXTENSION vector in db/init.sql"),
        ({"main.py": 'SQL = "CREATE EXTENSION IF NOT EXISTS vectors"\n'}, (), "", ""),  # another extension
        ({"tests/test_search.py": 'CREATE = "CREATE EXTENSION vector"\n'}, (), "", ""),  # a test's own, not the app's
        ({"main.py": APP}, (), "", ""),
        # saptadi73/fastapi-mbg: geoalchemy2's geometry columns, and a migration creating postgis, on plain postgres.
        ({"main.py": APP}, ("geoalchemy2",), "postgis", "the geoalchemy2 dependency"),
        (
            {"alembic/versions/0001_init.py": 'op.execute("CREATE EXTENSION IF NOT EXISTS postgis")\n'},
            (),
            "postgis",
            "CREATE EXTENSION postgis in alembic/versions/0001_init.py",
        ),
        ({"db/init.sql": "CREATE EXTENSION postgis_topology;\n"}, (), "", ""),  # another extension, not PostGIS itself
        # eugeneliukindev/fastapi-clean-arch-template: ids made by PostgreSQL 18's uuidv7(); on 15 its migrations failed
        # ("function uuidv7() does not exist"), and the server crash-looped.
        (
            {"src/models/mixins.py": "id = mapped_column(server_default=func.uuidv7())\n"},
            (),
            "uuidv7",
            "uuidv7() in src/models/mixins.py",
        ),
        ({"src/models/mixins.py": "from uuid_extensions import uuid7\nid = uuid7()\n"}, (), "", ""),  # made in Python
    ],
)
def test_a_postgresql_extension_is_found_in_the_dependencies_the_code_or_its_sql(tmp_path, files, dependencies, extension, said):
    assert extension_use(written(tmp_path, files), dependencies) == (extension, said)


@pytest.mark.parametrize(
    ("files", "found"),
    [
        ({"init-db.sql": "CREATE TABLE t (id int);"}, "init-db.sql"),
        ({"db/init.sql": "", "db/seed_later.sql": ""}, "db/init.sql"),
        ({"sql/schema.sql": ""}, "sql/schema.sql"),
        ({"docker/initdb/01.sql": "", "init.sql": ""}, "docker/initdb"),  # a folder of scripts wins
        ({"queries/report.sql": ""}, ""),  # SQL of another purpose
        # kimjy-par/fastapi-async-architecture: sql/ holds dated scripts that make its tables, which its own compose
        # mounted for MariaDB; init ran none, and the first write failed at ci ("Table 'app.users' doesn't exist").
        ({"sql/202408270001_create_tables.sql": "CREATE TABLE users (id int);"}, "sql"),
        ({"sql/report.sql": "SELECT 1;"}, ""),  # a folder of queries makes no table
        ({"init.sql": "", "main.py": 'SCHEMA = open("init.sql").read()\n'}, ""),  # the app runs it itself
        ({"init.sql": "", "alembic.ini": "[alembic]\n"}, ""),  # migrations make the schema
        ({"a/b/init.sql": ""}, ""),  # too deep to be the database's
        # jzomorodian/fastapi-iot-app: init-data.sql makes its tables, which its own compose mounted; init ran none,
        # and the first write answered 500 at ci
        ({"init-data.sql": "-- tables\nCREATE TABLE IF NOT EXISTS units (id UUID);"}, "init-data.sql"),
        ({"init-data.sql": "INSERT INTO units VALUES (1);"}, ""),  # rows for tables something else makes
    ],
)
def test_the_sql_a_repositorys_postgresql_ran_at_its_first_start_is_found(tmp_path, files, found):
    assert init_scripts(written(tmp_path, files)) == found


def test_the_init_sql_is_mounted_where_postgresql_runs_it_once():
    repo = read_repository(BARE / "requirements-psycopg2-sync")
    assert repo.init_scripts == "db/init.sql"
    assert "  database     db/init.sql, run by PostgreSQL at its first start (from db/init.sql)" in lines(repo)
    compose = compose_text(repo)
    assert "      - db-data:/var/lib/postgresql/data\n      - ./db/init.sql:/docker-entrypoint-initdb.d/init.sql:ro\n" in compose


def test_pgvector_gets_postgresql_with_the_vector_extension_and_plain_postgres_does_not():
    repo = read_repository(BARE / "requirements-psycopg2-sync")
    said = "  database     PostgreSQL with the vector extension (from the psycopg2 dependency; the pgvector dependency)"
    assert said in lines(repo)
    compose = compose_text(repo)
    assert "image: ${POSTGRES_BASE_IMAGE-pgvector/pgvector:pg17-trixie}" in compose
    assert ("POSTGRES_BASE_IMAGE", "pgvector/pgvector:pg17-trixie", "pgvector") in written_layout(repo).bases
    plain = read_repository(BARE / "poetry-asyncpg-alembic")
    assert "image: ${POSTGRES_BASE_IMAGE-postgres:15-bookworm}" in compose_text(plain)


def test_uuidv7_gets_postgresql_18_with_its_data_where_its_official_image_keeps_it(tmp_path):
    files = {"requirements.txt": "fastapi\nsqlalchemy\nasyncpg\n", "main.py": APP, "models.py": "ID = text('uuidv7()')\n"}
    repo = read_repository(written(tmp_path, files))
    assert "  database     PostgreSQL 18, for its uuidv7() (from the asyncpg dependency; uuidv7() in models.py)" in lines(repo)
    compose = compose_text(repo)
    assert "image: ${POSTGRES_BASE_IMAGE-postgres:18}" in compose and "- db-data:/var/lib/postgresql\n" in compose
    assert plan_substitute("postgres", "postgres:18").tag == "local/postgres:18-forky"


def test_geoalchemy2_gets_postgresql_with_postgis_from_its_official_image_or_a_debian_substitute(tmp_path):
    files = {"requirements.txt": "fastapi\nuvicorn\npsycopg2-binary\ngeoalchemy2\n", "main.py": APP}
    repo = read_repository(written(tmp_path, files))
    assert "  database     PostgreSQL with PostGIS (from the psycopg2-binary dependency; the geoalchemy2 dependency)" in lines(
        repo
    )
    assert "image: ${POSTGRES_BASE_IMAGE-postgis/postgis:15-3.5}" in compose_text(repo)
    assert ("POSTGRES_BASE_IMAGE", "postgis/postgis:15-3.5", "postgis") in written_layout(repo).bases
    substitute = plan_substitute("postgis", "postgis/postgis:15-3.5")
    assert (substitute.tag, substitute.suite) == ("local/postgis:15-bookworm", "bookworm")
    assert official_name("postgis", "15", "bookworm") == "postgis/postgis:15-3.5"


@pytest.mark.parametrize(
    ("kind", "dependencies", "async_engine", "scheme"),
    [
        ("postgres", ("asyncpg",), True, "postgresql+asyncpg"),
        ("postgres", ("asyncpg",), False, "postgresql+asyncpg"),  # the only driver there is
        ("postgres", ("asyncpg", "psycopg2-binary"), False, "postgresql"),  # an asyncpg pool and a sync alembic
        ("postgres", ("psycopg",), True, "postgresql+psycopg"),
        # sherlockieee/fastapi-backend: psycopg 3 and psycopg2 beside SQLAlchemy 1.4, which has no psycopg 3 dialect;
        # init named psycopg, and the import failed. psycopg2's plain scheme works under every SQLAlchemy.
        ("postgres", ("asyncpg", "psycopg-binary", "psycopg2-binary"), False, "postgresql"),
        ("postgres", ("psycopg", "psycopg2"), True, "postgresql+psycopg"),  # async: psycopg 3 alone of the two
        ("mysql", ("aiomysql", "pymysql"), True, "mysql+aiomysql"),
        ("mysql", ("aiomysql", "pymysql"), False, "mysql+pymysql"),
    ],
)
def test_the_database_url_names_a_driver_the_code_can_use(kind, dependencies, async_engine, scheme):
    assert DATABASES[kind].scheme(dependencies, "", async_engine) == scheme


def test_an_app_built_at_module_level_by_a_factory_wins_over_the_factory(tmp_path):
    written(tmp_path, {"requirements.txt": "fastapi\n", "svc/__init__.py": ""})
    factory = "from fastapi import FastAPI\n\ndef create_application(settings):\n    return FastAPI(title=settings)\n"
    written(tmp_path, {"svc/factory.py": factory, "svc/main.py": "from svc.factory import create_application\n\n"})
    (tmp_path / "svc/main.py").write_text("from svc.factory import create_application\n\napp = create_application('x')\n")
    assert find_apps(tmp_path)[0] == App("svc.main", "app", False, "svc/main.py:3", "")


def test_a_module_calling_its_own_function_of_a_factorys_name_is_not_taken_for_the_app(tmp_path):
    factory = "from fastapi import FastAPI\n\ndef init_app() -> FastAPI:\n    app = FastAPI()\n    return app\n"
    consumer = (
        "from faststream.asgi import AsgiFastStream\n\ndef init_app():\n    return AsgiFastStream(None)\n\napp = init_app()\n"
    )
    written(
        tmp_path, {"requirements.txt": "fastapi\n", "app/__init__.py": "", "app/main.py": factory, "app/consumers.py": consumer}
    )
    assert find_apps(tmp_path) == [App("app.main", "init_app", True, "app/main.py:3", "")]


@pytest.mark.parametrize(
    "subclass",
    [
        "class Api(FastAPI):\n    pass\n",  # the repository's own FastAPI
        "import fastapi\n\nclass Base(fastapi.FastAPI):\n    pass\n\nclass Api(Base):\n    pass\n",  # two levels down
    ],
)
def test_an_app_built_from_a_subclass_of_fastapi_in_a_factory_is_found(tmp_path, subclass):
    factory = f"from fastapi import FastAPI\n\n{subclass}\ndef create_app():\n    api = Api(title='x')\n    return api\n"
    written(tmp_path, {"requirements.txt": "fastapi\n", "svc/__init__.py": "", "svc/setup/factory.py": factory})
    written(tmp_path, {"svc/main.py": "from svc.setup.factory import create_app\n\napp = create_app()\n"})
    assert find_apps(tmp_path)[0] == App("svc.main", "app", False, "svc/main.py:3", "")


def test_tests_that_keep_their_own_requirements_file_get_a_test_image_from_it(tmp_path):
    written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": APP, "tests/test_a.py": "def test_a():\n    pass\n"})
    written(tmp_path, {"tests/requirements.txt": "-r ../requirements.txt\npytest==8.0\n"})
    repo = read_repository(tmp_path)
    assert (repo.service_tests.kind, repo.service_tests.name) == ("requirements", "tests/requirements.txt")
    assert "COPY tests ./tests\n" in dockerfile_text(repo, "/health", False)  # beside the app's, which it includes


def test_a_test_dependency_that_compiles_gets_a_compiler_on_a_second_try(tmp_path):
    """fastapi-mvc/example: a dev pin with no wheel for this Python (iteration-utilities); init's trial builds the app's
    image alone, and ci's test image stopped on "command 'x86_64-linux-gnu-gcc' failed"."""
    written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": APP, "tests/test_a.py": "def test_a():\n    pass\n"})
    written(tmp_path, {"requirements-dev.txt": "pytest==8.0\n"})
    stage = dockerfile_text(read_repository(tmp_path), "/health", False).split("AS test-deps\n")[1].split("\nFROM ")[0]
    install, fallback = stage.split("deps() { ")[1].split("; } \\\n    && ")
    assert "pip install" in install and "requirements-dev.txt" in install
    assert fallback == "{ deps || { apt-get update && apt-get install -y --no-install-recommends gcc g++ libc6-dev make" + (
        " && rm -rf /var/lib/apt/lists/* && deps; }; }\n"
    )


def test_tests_whose_pytest_is_in_a_subfolders_dev_requirements_get_a_test_image_with_that_folder(tmp_path):
    written(tmp_path, {"infra/requirements.txt": "-r requirements/dev.txt\n", "infra/requirements/prod.txt": "fastapi\n"})
    written(
        tmp_path,
        {"infra/requirements/dev.txt": "fastapi\npytest==8.0\n", "main.py": APP, "tests/test_a.py": "def test_a():\n    pass\n"},
    )
    repo = read_repository(tmp_path)
    assert (repo.service_tests.kind, repo.service_tests.name) == ("requirements", "infra/requirements/dev.txt")
    assert "COPY infra/requirements ./infra/requirements\n" in dockerfile_text(repo, "/health", False)


def test_an_app_importing_packages_its_pytest_settings_put_on_the_path_runs_with_them_there(tmp_path):
    project = '[project]\nname = "svc"\ndependencies = ["fastapi"]\n[tool.pytest.ini_options]\npythonpath = ["src"]\n'
    main = "from core.app import create_app\n\napp = create_app()\n"
    factory = "from fastapi import FastAPI\n\ndef create_app():\n    return FastAPI()\n"
    written(tmp_path, {"pyproject.toml": project, "server/__init__.py": "", "server/main.py": main})
    written(tmp_path, {"src/core/__init__.py": "", "src/core/app.py": factory})
    repo = read_repository(tmp_path)
    assert repo.app.reference == "server.main:app" and {"src", "server"} <= set(code_paths(repo))
    assert "PYTHONPATH=/srv/src:/srv " in dockerfile_text(repo, "/", False)


@pytest.mark.parametrize(
    ("imported", "path", "where"),
    [
        # Vertiy-Pavel/fastapi-voting: `from src.voting...` in most modules, `from voting...` in one, as its editable
        # install lets both; the probe could not import `voting`
        ("from voting.models import Vote\n", "PYTHONPATH=/srv/src:/srv ", "src/voting/routes.py"),
        ("from src.voting.models import Vote\n", "PYTHONPATH=/srv ", "src/voting/routes.py"),  # by src's name alone
        # AlirezaGhgh021/fastapi-jobboard: its migrations' env.py alone; the web crash-looped as they ran
        ("from voting.models import Vote\n", "PYTHONPATH=/srv/src:/srv ", "migrations/env.py"),
    ],
)
def test_a_src_run_as_a_package_whose_packages_are_imported_by_their_own_names_too_is_on_the_path(
    tmp_path, imported, path, where
):
    main = "from fastapi import FastAPI\nfrom src.voting.models import Vote\n\napp = FastAPI()\n"
    files = {"requirements.txt": "fastapi\n", "src/voting/__init__.py": "", "src/voting/main.py": main}
    files |= {"src/voting/models.py": "Vote = 1\n", where: imported}
    repo = read_repository(written(tmp_path, files))
    assert repo.app.reference == "src.voting.main:app" and path in dockerfile_text(repo, "/", False)


@pytest.mark.parametrize(
    ("files", "folder", "kind"),
    [
        ({"svc/tests/test_a.py": "def test_a():\n    pass\n"}, "svc", "uv-extra"),  # tests inside the package, pytest in an extra
        ({"tests/test_a.py": "def test_a():\n    pass\n"}, "tests", "uv-extra"),
    ],
)
def test_tests_are_found_inside_the_package_and_through_an_extra(tmp_path, files, folder, kind):
    project = '[project]\nname = "svc"\ndependencies = ["fastapi", "uvicorn"]\n[project.optional-dependencies]\nt = ["pytest"]\n'
    written(tmp_path, {"pyproject.toml": project, "uv.lock": "version = 1\n", "svc/__init__.py": "", "svc/main.py": APP, **files})
    tests = read_repository(tmp_path).service_tests
    assert (tests.folder, tests.kind, tests.name) == (folder, kind, "t")


def test_pytest_among_the_main_dependencies_needs_nothing_more(tmp_path):
    project = '[project]\nname = "svc"\ndependencies = ["fastapi", "uvicorn", "pytest"]\n'
    written(
        tmp_path,
        {
            "pyproject.toml": project,
            "uv.lock": "version = 1\n",
            "svc/main.py": APP,
            "tests/test_a.py": "def test_a():\n    pass\n",
        },
    )
    assert read_repository(tmp_path).service_tests.kind == "main"


def test_a_server_kept_among_the_dev_dependencies_is_added_to_the_image_at_the_locked_version():
    repo = read_repository(BARE / "uv-mariadb-nested")
    assert repo.added[0].startswith("uvicorn==")
    assert f"uv pip install -q --python /opt/venv/bin/python {repo.added[0]}" in dockerfile_text(repo, "/", False)


def test_the_persistence_scenario_never_needs_a_login():
    schema = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
    body = {"content": {"application/json": {"schema": schema}}}
    answer = {"201": {"content": {"application/json": {"schema": {"properties": {"id": {"type": "integer"}}}}}}}
    openapi = {
        "paths": {
            "/users": {"post": {"requestBody": body, "responses": answer, "security": [{"OAuth2": []}]}},
            "/users/{id}": {"get": {}},
        }
    }
    assert scenario(openapi)[0] is None
    del openapi["paths"]["/users"]["post"]["security"]
    assert scenario(openapi)[0]["write"]["path"] == "/users"


def test_an_id_the_client_chooses_is_one_per_record():
    properties = {"id": {"type": "integer"}, "name": {"type": "string"}, "quantity": {"type": "integer"}}
    schema = {"type": "object", "required": ["id", "name", "quantity"], "properties": properties}
    answer = {"200": {"content": {"application/json": {"schema": {"properties": properties}}}}}
    post = {"requestBody": {"content": {"application/json": {"schema": schema}}}, "responses": answer}
    openapi = {"paths": {"/products": {"post": post}, "/products/{product_id}": {"get": {}}}}
    assert scenario(openapi)[0]["write"]["json"] == {"id": "{number}", "name": "p{marker}", "quantity": 1}


def test_settings_of_a_subclass_of_the_apps_own_base_settings_are_read(tmp_path):
    base = "from pydantic_settings import BaseSettings\n\nclass Base(BaseSettings):\n    debug: bool = False\n"
    written(tmp_path, {"s.py": base + "\nclass AppSettings(Base):\n    database_url: str\n    api_key: str\n"})
    settings = find_settings(tmp_path)
    assert settings.class_name == "AppSettings" and [f.name for f in settings.required] == ["database_url", "api_key"]


def test_settings_composed_of_classes_with_aliases_wire_the_database_in_parts(tmp_path):
    database = "class DatabaseSettings(BaseSettings):\n    db_host: str = Field(alias='POSTGRES_HOST')\n"
    database += "    db_port: int = Field(alias='POSTGRES_PORT')\n"
    auth = "class AuthSettings(BaseSettings):\n    jwt_key: str\n"
    composed = "class Settings(AuthSettings, DatabaseSettings):\n    pass\n"
    head = "from pydantic import Field\nfrom pydantic_settings import BaseSettings\n\n"
    written(tmp_path, {"requirements.txt": "fastapi\nasyncpg\n", "main.py": APP, "config.py": head + auth + database + composed})
    repo = read_repository(tmp_path)
    assert repo.settings.class_name == "Settings"
    environment = app_environment(repo)
    assert environment["POSTGRES_HOST"] == "${POSTGRES_HOST-postgres}" and environment["POSTGRES_PORT"] == "${POSTGRES_PORT-5432}"
    assert secret_variables(repo) == ["JWT_KEY", "POSTGRES_PASSWORD"]


def test_settings_read_with_decouple_in_several_files_and_the_migrations_are_all_wired(tmp_path):
    settings = "from decouple import config\nfrom pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n"
    settings += "".join(f"    {name}: {kind} = config('{name}')\n" for name, kind in DECOUPLED)
    oauth = "from decouple import config\nCLIENT = dict(secret=config('OAUTH_CLIENT_SECRET'))\n"
    migrations = "from decouple import config as read\nurl = read('DB_URL')\n"
    files = {"requirements.txt": "fastapi\npsycopg2-binary\npython-decouple\n", "main.py": APP, "core/settings.py": settings}
    written(tmp_path, {**files, "core/oauth.py": oauth, "alembic/env.py": migrations})
    repo = read_repository(tmp_path)
    environment = app_environment(repo)
    assert environment["DB_HOST"] == "${DB_HOST-postgres}" and environment["DB_TYPE"] == "${DB_TYPE-postgresql}"
    assert environment["DB_URL"].startswith("${DB_URL-postgresql") and environment["MAIL_PORT"] == "${MAIL_PORT-1}"
    assert secret_variables(repo) == ["SECRET_KEY", "OAUTH_CLIENT_SECRET", "POSTGRES_PASSWORD"]


#: A poetry.lock with nothing but its metadata: enough for init to know it as one.
LOCK_VERSION = '[metadata]\nlock-version = "2.0"\n'


#: A settings class whose every default is a decouple read with no default: the database in parts, typed fields.
DECOUPLED = [("SECRET_KEY", "str"), ("DB_HOST", "str"), ("DB_PORT", "int"), ("DB_TYPE", "str"), ("MAIL_PORT", "int")]


@pytest.mark.parametrize(
    ("default", "value"),
    [
        ("", "postgresql"),  # DB_TYPE=postgresql: the kind, as the code compares it
        (" = 'sqlite+aiosqlite'", "postgresql+asyncpg"),  # a default naming a driver: the URL's whole scheme
    ],
)
def test_a_database_type_in_parts_is_its_kind_or_its_scheme(tmp_path, default, value):
    config = (
        f"from pydantic_settings import BaseSettings\n\nclass Db(BaseSettings):\n    DB_TYPE: str{default}\n    DB_HOST: str\n"
    )
    written(tmp_path, {"requirements.txt": "fastapi\nasyncpg\nsqlalchemy[asyncio]\n", "main.py": APP, "config.py": config})
    assert app_environment(read_repository(tmp_path))["DB_TYPE"] == f"${{DB_TYPE-{value}}}"


@pytest.mark.parametrize(
    ("client", "prefix", "fields", "wired", "kept"),
    [
        # cuiruochu/fastapi-service-skeleton: SQL_HOST (env_prefix SQL_) was no database part, so the app reached
        # 127.0.0.1:5432 and crash-looped; its URL is f"{dialect}+{driver}://...", so a dialect is the kind alone and
        # the driver keeps its own asyncpg.
        (
            "asyncpg\nsqlalchemy[asyncio]",
            "SQL_",
            "dialect: str = 'postgresql'\n    driver: str | None = 'asyncpg'\n    host: str = '127.0.0.1'\n",
            {"SQL_HOST": "${SQL_HOST-postgres}", "SQL_DIALECT": "${SQL_DIALECT-postgresql}"},
            "SQL_DRIVER",
        ),
        # hafid-Qa/FastApi-social-media-API: f"{database_type}+{database_driver}://...", both required; the driver got
        # the whole scheme, and SQLAlchemy refused "postgresql+postgresql".
        (
            "psycopg2-binary\nsqlalchemy",
            "DATABASE_",
            "type: str\n    driver: str\n    hostname: str\n",
            {"DATABASE_TYPE": "${DATABASE_TYPE-postgresql}", "DATABASE_DRIVER": "${DATABASE_DRIVER-psycopg2}"},
            "",
        ),
        (
            "asyncpg\nsqlalchemy[asyncio]",
            "DATABASE_",
            "type: str\n    driver: str\n    hostname: str\n",
            {"DATABASE_TYPE": "${DATABASE_TYPE-postgresql}", "DATABASE_DRIVER": "${DATABASE_DRIVER-asyncpg}"},
            "",
        ),
        # Diqxy1/fastapi-quiz-bolierplate: f'{engine}+{driver}' from DB_ENGINE and DB_DRIVER, both read as a scheme
        (
            "asyncpg\nsqlalchemy[asyncio]",
            "DB_",
            "engine: str\n    driver: str\n    host: str\n",
            {"DB_ENGINE": "${DB_ENGINE-postgresql}", "DB_DRIVER": "${DB_DRIVER-asyncpg}"},
            "",
        ),
        # coroo/fastapi-starter: DB_CONNECTION = "mysql", which its code joins with "+pymysql://" and the parts, was
        # given the whole URL; the app crash-looped on "Access denied ... to database 'app://app:...@mariadb/app'".
        (
            "pymysql\nsqlalchemy",
            "DB_",
            "connection: str = 'mysql'\n    host: str = 'localhost'\n    database: str = 'db-name'\n",
            {"DB_CONNECTION": "${DB_CONNECTION-mysql}", "DB_HOST": "${DB_HOST-mariadb}"},
            "",
        ),
        # hoyirul/fastapi-starter-api: f"{DB_CONNECTION}+{DB_DRIVER}://...": the kind, and the driver its own
        (
            "asyncpg\nsqlalchemy[asyncio]",
            "DB_",
            "connection: str = 'postgresql'\n    driver: str = 'asyncpg'\n    host: str = 'localhost'\n",
            {"DB_CONNECTION": "${DB_CONNECTION-postgresql}", "DB_HOST": "${DB_HOST-postgres}"},
            "DB_DRIVER",
        ),
        (
            "asyncpg\nsqlalchemy[asyncio]",
            "DB_",
            "connection: str = 'postgresql+asyncpg'\n    host: str = 'localhost'\n",
            {"DB_CONNECTION": "${DB_CONNECTION-postgresql+asyncpg}", "DB_HOST": "${DB_HOST-postgres}"},
            "",
        ),
        # dessyd/fastapi-iot-cmdb: f"{database_driver}://{...}" whose default is a typo ("postgress"); init left it as
        # a module joined to a kind that is not there, and SQLAlchemy could not load the dialect "postgress".
        (
            "psycopg2-binary\nsqlalchemy",
            "DATABASE_",
            "driver: str = 'postgress'\n    hostname: str = 'localhost'\n    name: str = 'fastapi'\n",
            {"DATABASE_DRIVER": "${DATABASE_DRIVER-postgresql}", "DATABASE_HOSTNAME": "${DATABASE_HOSTNAME-postgres}"},
            "",
        ),
        # The same repository: MQ_URL = "amqp://guest:guest@127.0.0.1:5672/" kept its localhost.
        (
            "aio-pika",
            "MQ_",
            "url: str = 'amqp://guest:guest@127.0.0.1:5672/'\n    exchange: str = ''\n",
            {"MQ_URL": AMQP},
            "MQ_EXCHANGE",
        ),
    ],
)
def test_backing_services_named_by_a_prefix_or_a_default_alone_are_the_stacks(tmp_path, client, prefix, fields, wired, kept):
    config = "from pydantic_settings import BaseSettings, SettingsConfigDict\n\nclass Part(BaseSettings):\n"
    config += f"    model_config = SettingsConfigDict(env_prefix='{prefix}')\n    {fields}"
    written(tmp_path, {"requirements.txt": f"fastapi\n{client}\n", "main.py": APP, "config.py": config})
    environment = app_environment(read_repository(tmp_path))
    assert {name: environment.get(name) for name in wired} == wired and kept not in environment


@pytest.mark.parametrize(
    ("member", "up", "pinned_beside_it"),
    [("services/api", "../..", False), ("api", "..", False), ("services/api", "../..", True)],
)
def test_a_uv_workspace_member_builds_from_the_workspace_root_with_only_its_own_package(tmp_path, member, up, pinned_beside_it):
    """The lock lies at the workspace's root: the build context is that root, the member's Dockerfile and ignore file
    stay beside it, and uv installs the member's package alone. Pins committed beside the member win."""
    project = '[project]\nname = "orders-api"\nversion = "1"\ndependencies = ["fastapi"]\n'
    project += '[dependency-groups]\ndev = ["pytest"]\n'
    files = {"pyproject.toml": '[tool.uv.workspace]\nmembers = ["services/*", "api"]\n', "uv.lock": "version = 1\n"}
    files |= {f"{member}/pyproject.toml": project, f"{member}/orders/__init__.py": "", f"{member}/orders/main.py": APP}
    files |= {f"{member}/tests/test_orders.py": "def test_x():\n    pass\n", "frontend/package.json": "{}"}
    written(tmp_path, files | ({f"{member}/requirements.txt": "fastapi==0.115.6\n"} if pinned_beside_it else {}))
    repo = read_repository(tmp_path / member)
    if pinned_beside_it:
        assert (repo.installer, repo.workspace) == ("requirements", None)
        return
    assert (repo.installer, repo.workspace.member, repo.workspace.up) == ("uv", member, up)
    dockerfile, compose = dockerfile_text(repo, "/health", False), compose_text(repo)
    assert f"COPY pyproject.toml uv.lock ./\nCOPY {member}/pyproject.toml ./{member}/\n" in dockerfile
    assert dockerfile.count("--no-install-workspace --package orders-api") == 2  # the app's venv, and the tests'
    assert f"COPY {member}/orders /srv/orders\n" in dockerfile and f"COPY {member} /srv/\n" in dockerfile
    assert compose.count(f"      context: {up}\n      dockerfile: {member}/Dockerfile\n") == 2
    ignored = dockerignore_text(repo, "env").splitlines()
    assert ignored[2:6] == ["*", "!pyproject.toml", "!uv.lock", f"!{member}"] and "**/.env" in ignored
    assert dockerignore_name(repo, "Dockerfile") == "Dockerfile.dockerignore"


def test_the_tests_get_what_a_committed_env_file_sets_for_the_settings_and_the_stack_keeps_its_own(tmp_path):
    config = "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    database_url: str\n"
    config += "    smtp_host: str = ''\n    fastapi_env: str | None = None\n    secret_key: str\n"
    files = {"requirements.txt": "fastapi\nasyncpg\npytest\n", "main.py": APP, "config.py": config}
    files |= {"tests/test_app.py": "def test_x():\n    pass\n"}
    example = "SMTP_HOST=mail.test\nFASTAPI_ENV=development\nSECRET_KEY=changethis\nDATABASE_URL=postgresql://localhost/x\n"
    written(tmp_path, files | {".env": example + "VITE_API=http://web.test\n"})
    committed(tmp_path)
    repo = read_repository(tmp_path)
    served, tested = (block.split("    environment:\n")[1] for block in compose_text(repo).split("  web-test:\n"))
    # CI's secret is the committed .env's (a suite may assert it), the served app's and the tests' alike; dev's is its own.
    files = env_texts(repo, "env", False, {})
    assert "\nSECRET_KEY=changethis\n" in files["env/ci.env.docker"]
    assert "changethis" not in files["env/dev.local.env.docker"]
    # The suite runs as in any checkout, with the committed .env over the app's defaults.
    assert 'SMTP_HOST: "mail.test"' in tested and 'FASTAPI_ENV: "development"' in tested
    assert "VITE_API" not in tested  # what no setting declares stays out
    # What the served app is given, it shares with the tests: the stack's database, the ci env file's secret.
    assert "DATABASE_URL: ${DATABASE_URL-postgresql" in tested
    assert "mail.test" not in served and "development" not in served  # the served app keeps its defaults
    assert "SECRET_KEY: ${SECRET_KEY" in served and "SECRET_KEY: ${SECRET_KEY" in tested


def test_a_committed_env_value_the_app_refuses_at_import_is_made_up_for_ci_instead(tmp_path):
    """A placeholder the app allows only in a mode of its own ("changethis" outside FASTAPI_ENV=development): the
    first start quotes it, and ci makes up its own for each secret the .env gave that value."""
    from fastapi_stackops.adopt.first_start import learned
    from fastapi_stackops.adopt.init import setup_for
    from fastapi_stackops.adopt.routes import ImportFailed

    config = "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    secret_key: str\n"
    config += "    first_superuser_password: str\n    api_token: str\n"
    files = {"requirements.txt": "fastapi\npytest\n", "main.py": APP, "config.py": config}
    example = "SECRET_KEY=changethis\nFIRST_SUPERUSER_PASSWORD=changethis\nAPI_TOKEN=token-of-the-suite\n"
    written(tmp_path, files | {"tests/test_app.py": "def test_x():\n    pass\n", ".env": example})
    committed(tmp_path)
    setup = setup_for(read_repository(tmp_path), system_ca=False)
    first = env_texts(setup.repo, "env", False, {})["env/ci.env.docker"]
    assert "\nSECRET_KEY=changethis\n" in first and "\nFIRST_SUPERUSER_PASSWORD=changethis\n" in first
    refused = 'ValidationError: Value error, The value of SECRET_KEY is "changethis", for security, please change it'
    setup, _ = learned(setup, ImportFailed(setup.repo, refused), False)
    assert setup.repo.refused_committed == ("SECRET_KEY", "FIRST_SUPERUSER_PASSWORD")
    # The next try's ci file is made anew, though the first try's is there to keep.
    ci = env_texts(setup.repo, "env", False, {"env/ci.env.docker": {"SECRET_KEY": "changethis"}})["env/ci.env.docker"]
    assert "changethis" not in ci and "\nSECRET_KEY=ci-" in ci and "\nAPI_TOKEN=token-of-the-suite\n" in ci
    with pytest.raises(ImportFailed):  # refused again: the app's own
        learned(setup, ImportFailed(setup.repo, refused), False)


def test_the_tests_keep_their_own_committed_values_for_what_init_made_up(tmp_path):
    config = "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    database_url: str\n"
    config += "    public_base_url: str\n    secret_key: str\n    api_token: str\n"
    files = {"requirements.txt": "fastapi\nasyncpg\n", "requirements-dev.txt": "pytest\n", "main.py": APP}
    reads = "from decouple import config\nDRIVER = config('MYSQL_DRIVER')\nLEVEL = config('LOG_LEVEL')\n"
    files |= {"config.py": config, "tests/test_app.py": "def test_x():\n    pass\n", "tests/database.py": reads}
    # The repository's own pipeline sets a guard the suite checks, and its own database's password (not the stack's).
    # Its suite's own database URL, at the job's service container on the runner, is the stack's database.
    pipeline = "jobs:\n  test:\n    env:\n      ALLOW_CLEANUP: 1\n      POSTGRES_PASSWORD: test\n"
    pipeline += "      TEST_DATABASE_URL: postgresql+psycopg://postgres:postgres@localhost:5432/shop_test\n    steps: []\n"
    guard = "import os\nFLAG = 'ALLOW_CLEANUP'\nassert os.getenv(FLAG) == '1'\nURL = os.environ.get('TEST_DATABASE_URL')\n"
    files |= {".github/workflows/ci.yml": pipeline, "tests/conftest.py": guard + "PASSWORD = 'POSTGRES_PASSWORD'\n"}
    own = "PUBLIC_BASE_URL=http://frontend.test\nSECRET_KEY=k\nDATABASE_URL=postgresql://localhost/test\n"
    repo = read_repository(written(tmp_path, files | {".env.test": own}))
    served, tested = (block.split("    environment:\n")[1] for block in compose_text(repo).split("  web-test:\n"))
    assert "PUBLIC_BASE_URL" in served and "SECRET_KEY" in served
    # What init made up yields to the suite's own file, given to it (hazadus/fastapi-todos: a suite that never loads
    # .env.test had none of its AUTH_SECRET_KEY); the stack's database and what the file lacks stay.
    assert 'PUBLIC_BASE_URL: "http://frontend.test"' in tested and 'SECRET_KEY: "k"' in tested
    assert "DATABASE_URL: ${DATABASE_URL-postgresql" in tested and "API_TOKEN" in tested
    # A variable only the suite reads, with no default: empty, or what its name says.
    assert 'MYSQL_DRIVER: ""' in tested and 'LOG_LEVEL: "INFO"' in tested and "MYSQL_DRIVER" not in served
    # What the suite names and its pipeline sets: as the pipeline sets it, for the tests only; the pipeline's database not.
    assert 'ALLOW_CLEANUP: "1"' in tested and "ALLOW_CLEANUP" not in served and "POSTGRES_PASSWORD: test" not in tested
    assert 'TEST_DATABASE_URL: "postgresql+psycopg://app:${POSTGRES_PASSWORD}@postgres:5432/app"' in tested


def test_the_tests_get_what_the_repositorys_make_recipe_sets_over_what_init_made_up(tmp_path):
    # ducminh-phan/fastapi-service-template: `ENVIRONMENT: str` has no default; the conftest exits unless it is "test",
    # as `make test` runs it (`ENVIRONMENT=test pytest`); init gave the suite its made-up value.
    config = "from pydantic_settings import BaseSettings\n\nclass Config(BaseSettings):\n    ENVIRONMENT: str\n"
    files = {"requirements.txt": "fastapi\n", "requirements-dev.txt": "pytest\n", "main.py": APP, "config.py": config}
    files |= {"tests/test_app.py": "def test_x():\n    pass\n", "Makefile": "test:\n\tENVIRONMENT=test pytest\n"}
    served, tested = (
        block.split("    environment:\n")[1]
        for block in compose_text(read_repository(written(tmp_path, files))).split("  web-test:\n")
    )
    assert 'ENVIRONMENT: "test"' in tested and "ENVIRONMENT: ${ENVIRONMENT?" in served


@pytest.mark.parametrize(
    ("fields", "wired", "tests_get_it"),
    [
        ("    redis_url: str | None = None\n", "REDIS_URL: redis://redis:6379/0", False),  # an optional broker, unset
        ("    redis_url: str = 'redis://localhost:6379/0'\n", "REDIS_URL: redis://redis:6379/0", True),  # this machine's
        # A database on SQLite by default, given in parts: the suite runs on it, as its own CI does.
        ("    DB_TYPE: str = 'sqlite+aiosqlite'\n    DB_HOST: str | None = None\n", "DB_HOST: ${DB_HOST-postgres}", False),
        ("    database_url: str\n", "DATABASE_URL: ${DATABASE_URL-postgresql", True),  # no default: the stack's
    ],
)
def test_the_tests_get_what_reaches_the_stack_and_the_apps_defaults_for_the_rest(tmp_path, fields, wired, tests_get_it):
    config = f"from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n{fields}"
    files = {"requirements.txt": "fastapi\nredis\nasyncpg\n", "requirements-dev.txt": "pytest\n", "main.py": APP}
    repo = read_repository(written(tmp_path, files | {"config.py": config, "tests/test_app.py": "def test_x():\n    pass\n"}))
    served, tested = compose_text(repo).split("  web-test:\n")
    assert wired in served
    assert (wired in tested.split("    depends_on:")[0]) is tests_get_it


def test_an_app_whose_framework_comes_in_an_extra_installs_that_extra(tmp_path):
    project = (
        '[project]\nname = "svc"\ndependencies = ["sqlalchemy"]\n[project.optional-dependencies]\napi = ["fastapi[standard]"]\n'
    )
    written(tmp_path, {"pyproject.toml": project, "uv.lock": "version = 1\n", "svc/main.py": APP})
    repo = read_repository(tmp_path)
    assert repo.extras == ("api",) and "--no-install-project --extra api" in dockerfile_text(repo, "/", False)


@pytest.mark.parametrize("extras", ['[project.optional-dependencies]\nbroker_side = ["fastapi>=0.104", "uvicorn"]\n', ""])
def test_a_pip_project_whose_framework_comes_in_an_extra_installs_that_extra(tmp_path, extras):
    """bmcandr/fastapi-rabbitmq: fastapi in an extra of a project with no lock; the image installed [project]'s list
    alone and its build stopped on 'installed without fastapi'. The builder's own command, run here, lists it."""
    project = f'[project]\nname = "svc"\ndependencies = ["celery"]\n{extras}'
    repo = read_repository(written(tmp_path, {"pyproject.toml": project, "svc/main.py": APP}))
    command = re.search(r'python -c "(.*?)" > /tmp/requirements.txt', dockerfile_text(repo, "/", False))[1]
    listed = subprocess.run([sys.executable, "-c", command.replace("\\\\", "\\")], cwd=tmp_path, capture_output=True, text=True)
    assert listed.stdout.split("\n")[:1] == ["celery"] and ("fastapi>=0.104" in listed.stdout) is bool(extras), listed


@pytest.mark.parametrize(
    ("groups", "synced"),
    [
        # yifan/fastapi-uv: fastapi in a `prod` group, and dev's with the uvicorn it serves with; the image synced
        # neither and its build stopped
        ('dev = ["fastapi[cli,standard]", "pytest"]\nprod = ["fastapi>=0.115"]\n', ["dev", "prod"]),
        ('dev = ["fastapi[standard]", "pytest"]\n', ["dev"]),  # only there: what runs the app
        ('dev = ["fastapi-cli", "pytest"]\n', []),  # no group brings fastapi itself
    ],
)
def test_an_app_whose_framework_comes_in_a_uv_group_installs_that_group(tmp_path, groups, synced):
    project = f'[project]\nname = "svc"\ndependencies = ["pydantic-settings"]\n[dependency-groups]\n{groups}'
    repo = read_repository(written(tmp_path, {"pyproject.toml": project, "uv.lock": "version = 1\n", "svc/main.py": APP}))
    install = "--no-install-project" + "".join(f" --group {g}" for g in synced) + " --no-cache"
    text = dockerfile_text(repo, "/", False)
    assert repo.groups == tuple(synced) and install in text
    assert ("--no-dev" in text) is ("dev" not in synced)  # uv's --no-dev would win over --group dev


@pytest.mark.parametrize(
    ("main", "groups", "installed"),
    [
        # brunolnetto/fastapi-email: fastapi and uvicorn in the dev group alone, which `poetry install` brings; the
        # image exported main alone and its build stopped on "installed without fastapi"
        ('asyncpg = "*"\n', '[tool.poetry.group.dev.dependencies]\nfastapi = "*"\nuvicorn = "*"\n', ["dev"]),
        ('fastapi = "*"\n', '[tool.poetry.group.dev.dependencies]\nFastAPI = "*"\n', []),  # the main list's own
        (
            'asyncpg = "*"\n',
            '[tool.poetry.group.dev]\noptional = true\n[tool.poetry.group.dev.dependencies]\nfastapi = "*"\n',
            [],
        ),
        ('asyncpg = "*"\n', '[tool.poetry.group.db.dependencies]\npsycopg = "*"\n', ["db"]),  # the app's own group
    ],
)
def test_an_app_whose_framework_comes_in_a_poetry_group_installs_that_group(tmp_path, main, groups, installed):
    project = f'[tool.poetry]\nname = "svc"\n[tool.poetry.dependencies]\npython = "^3.11"\n{main}{groups}'
    repo = read_repository(written(tmp_path, {"pyproject.toml": project, "poetry.lock": LOCK_VERSION, "svc/main.py": APP}))
    assert repo.groups == tuple(installed)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EMAIL_USERNAME", "admin@example.com"),
        ("MAIL_FROM", "admin@example.com"),
        # katharsis23/fastapi_todo_app: SMTP_FROM handed to fastapi-mail as MAIL_FROM at import; a made-up secret is
        # "not a valid email address", and init stopped
        ("SMTP_FROM", "admin@example.com"),
        ("SMTP_SENDER_EMAIL", "admin@example.com"),
        ("SMTP_HOST", None),
        ("EMAIL_PASSWORD", None),
        ("API_KEY", None),
        ("logging_level", "INFO"),
        ("LOG_LEVEL", "INFO"),
        # Maks-Siglov/FastAPI-Auth: LOGGER_LEVEL and LOGGER_FILE, read with no default, got made-up secrets; logging
        # refused the level at import ("Unknown level").
        ("LOGGER_LEVEL", "INFO"),
        ("LOGGER_FILE", "/tmp/app.log"),
        ("log_path", "/tmp/app.log"),
        # eojedapilchik/fastapi-celery-blueprint: RotatingFileHandler(os.getenv("LOG_FILE_LOCATION")) at import got a
        # made-up name beside the read-only code
        ("LOG_FILE_LOCATION", "/tmp/app.log"),
        ("CATALOG_LEVEL", None),
        ("CATALOG_FILE", None),
        ("JWT_ALGORITHM", "HS256"),
        ("algorithm", "HS256"),
        # MoigeMatino/fastapi-htmx-todo-spa: jwt.encode(..., algorithm=settings.encryption_algo) refused a made-up one
        ("encryption_algo", "HS256"),
        ("JWT_ALGO", "HS256"),
        ("JWT_SECRET_KEY", None),  # the key stays a generated secret
        ("TIMEZONE", "UTC"),
        # ichetiva/fastapi-crm: fastapi-mail's ConnectionConfig(MAIL_PORT=os.getenv('MAIL_PORT')) at import refused a
        # made-up one ("value is not a valid integer"), and init stopped.
        ("MAIL_PORT", "587"),
        ("SMTP_PORT", "587"),
        ("REDIS_PORT", None),
        ("ALGORITHMS_ALLOWED", None),
        ("PUBLIC_BASE_URL", "http://localhost:8000"),
        ("FRONTEND_URL", "http://localhost:8000"),
        ("DATABASE_URL", None),  # the stack's own is wired first
        # orvilledev/FastAPI-Keepa: supabase's client refused the made-up SUPABASE_URL at startup ("Invalid URL")
        ("SUPABASE_URL", "http://localhost:8000"),
        ("search_endpoint", "http://localhost:8000"),
        ("MONGO_URL", None),
        ("CELERY_BROKER_URL", None),
        ("URL_PREFIX", "/api"),  # what routes are mounted under: one value everywhere
        # KappaRoss2/fastapi-todo-list: CryptContext(schemes=[settings.crypt_context_schema]) refused a made-up one
        ("crypt_context_schema", "bcrypt"),
        ("PWD_CONTEXT_SCHEMES", "bcrypt"),
        # jahoroshi/FastAPI-REST-Pytest: CryptContext(schemes=[os.getenv('PWD_ALGORITHMS')]): "no crypt handler found"
        ("PWD_ALGORITHMS", "bcrypt"),
        ("JWT_ALGORITHM", "HS256"),  # a token's, not a password's
        ("crypt_context_deprecated", "auto"),
        ("PASSWORD_SALT", None),
        ("POSTGRES_TEST_DB", "app_test"),  # KappaRoss2/fastapi-todo-list's suite creates it by name
        ("TEST_DATABASE_NAME", "app_test"),
        # waruingugi/fastapi-ecommerce: its first superuser's SUPERUSER_PHONE, validated by phonenumbers as a mobile or
        # fixed line; the made-up one stopped its seeding script, and the web crash-looped.
        ("SUPERUSER_PHONE", "+14155552671"),
        ("phone_number", "+14155552671"),
        ("PHONE_VERIFICATION", None),
        # kongnakornna/fastapicleanarchitectureddd: its startup writes its key pairs there; a made-up secret was a
        # file beside the read-only code. Each its own file: two keys in one would be neither.
        ("JWT_SIGNING_PRIVATE_KEY_PATH", "/tmp/jwt_signing_private_key_path"),
        ("tls_cert_file", "/tmp/tls_cert_file"),
        ("API_KEY", None),
    ],
)
def test_a_string_named_for_what_libraries_validate_gets_a_value_of_that_kind(name, value):
    assert SettingField(name, None, "str").typed_value == value


def test_an_aliased_string_is_named_by_its_variable():
    # katharsis23/fastapi_todo_app: `from_: str = Field(alias="SMTP_FROM")`, handed to fastapi-mail as its sender
    assert SettingField("from_", None, "str", alias="SMTP_FROM").typed_value == "admin@example.com"


@pytest.mark.parametrize(
    ("name", "annotation", "value"),
    [
        # Jeihunn/fastapi-blog-best-practices: `ALLOWED_HOSTS: List[str]` got [], and TrustedHostMiddleware answered
        # the healthcheck 400 until ci gave up.
        ("ALLOWED_HOSTS", "List[str]", '["*"]'),
        ("trusted_hosts", "list[str]", '["*"]'),
        ("ALLOWED_HOSTS", "str", "*"),  # split by the code: any host
        ("CORS_ORIGINS", "List[str]", "[]"),  # no cross-origin caller: none allowed, as before
    ],
)
def test_the_hosts_an_app_answers_are_any_host(name, annotation, value):
    assert SettingField(name, None, annotation).typed_value == value


@pytest.mark.parametrize(
    ("compose", "files", "missing"),
    [
        ("services:\n  web:\n    env_file: src/.env\n", {"src/.env.example": "A=1\n"}, {"src/.env": "A=1\n"}),
        (
            "services:\n  web:\n    env_file:\n      - .env\n      - path: extra.env\n        required: false\n",
            {},
            {".env": "", "extra.env": ""},
        ),
        ("services:\n  web:\n    env_file: .env\n", {".env": "B=2\n"}, {}),  # there already
    ],
)
def test_env_files_a_fresh_clone_lacks_come_from_their_examples(tmp_path, compose, files, missing):
    from fastapi_stackops.adopt.override import missing_env_files

    written(tmp_path, {"docker-compose.yml": compose, **files})
    assert missing_env_files(tmp_path, "docker-compose.yml") == missing


def test_a_database_given_in_parts_gets_its_driver_too(tmp_path):
    settings = "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    db_engine: str\n    db_host: str\n"
    written(tmp_path, {"requirements.txt": "fastapi\nasyncpg\n", "main.py": APP, "config.py": settings})
    environment = app_environment(read_repository(tmp_path))
    assert environment["DB_ENGINE"] == "${DB_ENGINE-postgresql+asyncpg}" and environment["DB_HOST"] == "${DB_HOST-postgres}"


@pytest.mark.parametrize(
    "engine",
    [
        "engine = create_async_engine(settings.DATABASE_URL)\n",
        # pavelekshin/fastapi-restapi: an async engine from a config mapping; the URL got psycopg2, "not async"
        "engine = async_engine_from_config({'sqlalchemy.url': settings.DATABASE_URL})\n",
    ],
)
def test_an_async_engine_however_made_gets_the_async_driver(tmp_path, engine):
    settings = "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    DATABASE_URL: str\n"
    files = {"requirements.txt": "fastapi\nasyncpg\npsycopg2-binary\n", "main.py": APP, "config.py": settings, "db.py": engine}
    environment = app_environment(read_repository(written(tmp_path, files)))
    assert environment["DATABASE_URL"].startswith("${DATABASE_URL-postgresql+asyncpg://"), environment


def test_a_sync_driver_named_alone_beside_the_parts_gets_a_sync_scheme(tmp_path):
    fields = "    POSTGRES_HOST: str\n    DRIVER: str\n    SYNC_DRIVER: str\n"
    settings = f"from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n{fields}"
    engine = "from sqlalchemy.ext.asyncio import create_async_engine\nengine = create_async_engine('x')\n"
    files = {"requirements.txt": "fastapi\nasyncpg\npsycopg\n", "main.py": APP, "config.py": settings, "db.py": engine}
    environment = app_environment(read_repository(written(tmp_path, files)))
    assert (environment["DRIVER"], environment["SYNC_DRIVER"]) == (
        "${DRIVER-postgresql+asyncpg}",
        "${SYNC_DRIVER-postgresql+psycopg}",
    )


def test_settings_split_by_env_prefix_wire_the_database_redis_and_the_broker_of_every_class(tmp_path):
    classes = "".join(
        f"class {name}(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix='{prefix}')\n{body}\n"
        for name, prefix, body in [
            ("AppSettings", "APP_", "    NAME: str = 'x'\n"),
            ("DatabaseSettings", "DB_", "    HOST: str = 'localhost'\n    PORT: int = 5432\n    NAME: str = 'db'\n"),
            ("RedisSettings", "REDIS_", "    HOST: str = 'localhost'\n"),
            ("CelerySettings", "CELERY_", "    BROKER_URL: str = 'redis://localhost:6379/1'\n"),
        ]
    )
    config = f"from pydantic_settings import BaseSettings, SettingsConfigDict\n\n{classes}"
    files = {"requirements.txt": "fastapi\npsycopg\nredis\ncelery\n", "main.py": APP, "core/config.py": config}
    environment = app_environment(read_repository(written(tmp_path, files)))
    assert (environment["DB_HOST"], environment["DB_NAME"]) == ("${DB_HOST-postgres}", "${DB_NAME-app}")
    assert environment["REDIS_HOST"] == "redis", environment
    assert environment["CELERY_BROKER_URL"] == "redis://redis:6379/0", environment


def test_a_writer_and_a_reader_database_url_both_point_at_the_stacks_database(tmp_path):
    body = "".join(f"    {n}_DB_URL: str = 'mysql+aiomysql://u:p@localhost:3306/app'\n" for n in ("WRITER", "READER"))
    config = f"from pydantic_settings import BaseSettings\n\nclass Config(BaseSettings):\n{body}"
    files = {"requirements.txt": "fastapi\naiomysql\n", "main.py": APP, "core/config.py": config}
    environment = app_environment(read_repository(written(tmp_path, files)))
    for name in ("WRITER_DB_URL", "READER_DB_URL"):
        assert environment[name].startswith(f"${{{name}-mysql+aiomysql://app:${{MARIADB_PASSWORD}}@mariadb:3306/"), environment


@pytest.mark.parametrize(
    ("constants", "field", "mode"),
    [
        (
            "from enum import Enum\n\nclass Environment(str, Enum):\n    LOCAL = 'LOCAL'\n    PRODUCTION = 'PRODUCTION'\n",
            "    ENVIRONMENT: Environment = Environment.PRODUCTION\n",
            ("ENVIRONMENT", "LOCAL", "PRODUCTION"),
        ),
        ("", "    APP_ENV: Literal['development', 'production'] = 'production'\n", ("APP_ENV", "development", "production")),
        ("", "    APP_ENV: Literal['development', 'production'] = 'development'\n", None),  # local already
        ("", "    ENVIRONMENT: str = 'production'\n", None),  # no local value to choose
        # sayonetech/fastapi-boilerplate: DEPLOY_ENV = "PRODUCTION", the code testing for production alone; its import
        # tested the database connection and raised, as only production does.
        (
            "from config import settings\n\nSTRICT = settings.DEPLOY_ENV == 'PRODUCTION'\n",
            "    DEPLOY_ENV: str = 'PRODUCTION'\n",
            ("DEPLOY_ENV", "DEVELOPMENT", "PRODUCTION"),
        ),
        (
            "from config import settings\n\nDEV = settings.ENVIRONMENT == 'dev'\n",
            "    ENVIRONMENT: str = 'production'\n",
            ("ENVIRONMENT", "dev", "production"),
        ),
        # Diqxy1/fastapi-quiz-bolierplate: ENVIRONMENT required, its URL built only when it is 'development'; made up as
        # a secret, the import failed ("cannot access local variable 'database_url'")
        (
            "import os\n\nDEV = os.getenv('ENVIRONMENT') == 'development'\n",
            "    ENVIRONMENT: str\n",
            ("ENVIRONMENT", "development", "development"),
        ),
        (
            "import os\n\nDEV = os.getenv('ENVIRONMENT') == 'dev'\nLIVE = os.getenv('ENVIRONMENT') == 'production'\n",
            "    ENVIRONMENT: str\n",
            ("ENVIRONMENT", "dev", "production"),
        ),
        ("import os\n\nX = os.getenv('ENVIRONMENT') == 'staging'\n", "    ENVIRONMENT: str\n", None),  # no local value
    ],
)
def test_an_app_whose_mode_defaults_to_production_runs_its_local_mode_in_dev_and_ci(tmp_path, constants, field, mode):
    from fastapi_stackops.adopt.app_mode import local_mode
    from fastapi_stackops.adopt.stackfiles import env_texts

    header = "from typing import Literal\nfrom pydantic_settings import BaseSettings\nfrom constants import *\n\n"
    config = f"{header}class Config(BaseSettings):\n{field}"
    files = {"requirements.txt": "fastapi\n", "main.py": APP, "config.py": config, "constants.py": constants}
    repo = read_repository(written(tmp_path, files))
    found = local_mode(repo.settings, repo.root)
    assert (found and (found.variable, found.local, found.default)) == mode or (found is None and mode is None)
    if mode:
        variable, local, default = mode
        texts = env_texts(repo, "env", False, {})
        assert f"{variable}={local}\n" in texts["env/ci.env.docker"] and f"{variable}={local}\n" in texts["env/dev.env.docker"]
        assert variable not in texts["env/prod.env.docker"]
        assert app_environment(repo)[variable] == f"${{{variable}-{default}}}"


ASYNC_ENGINE = "from sqlalchemy.ext.asyncio import create_async_engine\nfrom config import Config\n\n"


@pytest.mark.parametrize(
    ("body", "code", "async_url"),
    [
        ("    DATABASE_URL: PostgresDsn\n    DATABASE_ASYNC_URL: PostgresDsn\n", "", "DATABASE_ASYNC_URL"),
        # balorette/python-fastapi-boilerplate: both defaulting to SQLite, the app's async engine made on the async one;
        # the other got asyncpg's scheme too, and its sync engine's QueuePool refused it at import.
        (
            '    DATABASE_URL: str = "sqlite:///./app.db"\n    DATABASE_URL_ASYNC: str = "sqlite+aiosqlite:///./app.db"\n',
            ASYNC_ENGINE + "engine = create_async_engine(Config().DATABASE_URL_ASYNC)\n",
            "DATABASE_URL_ASYNC",
        ),
    ],
)
def test_a_sync_and_an_async_database_url_each_get_a_driver_of_their_kind(tmp_path, body, code, async_url):
    config = (
        f"from pydantic import PostgresDsn\nfrom pydantic_settings import BaseSettings\n\nclass Config(BaseSettings):\n{body}"
    )
    files = {"requirements.txt": "fastapi\nasyncpg\npsycopg2-binary\nsqlalchemy\n", "main.py": APP, "config.py": config}
    environment = app_environment(read_repository(written(tmp_path, files | {"db.py": code})))
    assert environment[async_url].startswith(f"${{{async_url}-postgresql+asyncpg://app:"), environment
    assert environment["DATABASE_URL"].startswith("${DATABASE_URL-postgresql://app:"), environment


def test_database_parts_read_again_in_another_module_under_other_names_are_wired_too(tmp_path):
    # rgelikoshvili-stack/fastapi-run: app/storage/database.py reads DB_PASS, app/api/db.py DB_PASSWORD (defaulting to
    # a password of its own), and the import failed on "password authentication failed for user app".
    storage = "".join(
        f'{n} = os.getenv("{n}", "{d}")\n' for n, d in (("DB_HOST", "10.0.0.1"), ("DB_PASS", "x"), ("DB_USER", "u"))
    )
    api = "import psycopg2\n\ndef get_db():\n    return psycopg2.connect(\n"
    api += "".join(f'        {k}=os.environ.get("{n}", "v"),\n' for k, n in (("host", "DB_HOST"), ("password", "DB_PASSWORD")))
    files = {"requirements.txt": "fastapi\npsycopg2-binary\n", "main.py": APP}
    files |= {"app/storage/database.py": "import os\n" + storage, "app/api/db.py": "import os\n" + api + "    )\n"}
    environment = app_environment(read_repository(written(tmp_path, files)))
    assert environment["DB_PASSWORD"] == environment["DB_PASS"].replace("DB_PASS-", "DB_PASSWORD-"), environment
    assert environment["DB_HOST"] == "${DB_HOST-postgres}", environment


def test_a_database_url_named_sync_at_its_end_is_the_stacks_database_with_a_sync_driver(tmp_path):
    # yyong008/fastapi-antd-admin: DATABASE_URL_SYNC, which its alembic env.py uses, got a generated secret, and the
    # migration failed: "Could not parse SQLAlchemy URL".
    body = "    DATABASE_URL: str\n    DATABASE_URL_SYNC: str\n    DB_URI_ASYNC: str\n"
    config = f"from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n{body}"
    engine = "from sqlalchemy.ext.asyncio import create_async_engine\n"
    files = {"requirements.txt": "fastapi\nasyncpg\npsycopg2\n", "main.py": engine + APP, "config.py": config}
    environment = app_environment(read_repository(written(tmp_path, files)))
    assert environment["DATABASE_URL_SYNC"].startswith("${DATABASE_URL_SYNC-postgresql://app:"), environment
    assert environment["DB_URI_ASYNC"].startswith("${DB_URI_ASYNC-postgresql+asyncpg://app:"), environment


@pytest.mark.parametrize(
    ("requirements", "loaded"),
    [
        ("fastapi\npsycopg>=3.1\n", True),  # the pure-Python build loads libpq
        ("fastapi\npsycopg[binary]>=3.1\n", False),
        ("fastapi\npsycopg[c,pool]>=3.1\n", False),
        ("fastapi\npsycopg\npsycopg-binary\n", False),
        ("fastapi\npsycopg2-binary\n", False),
    ],
)
def test_psycopg_3_without_its_own_build_gets_libpq_in_the_runtime(tmp_path, requirements, loaded):
    repo = read_repository(written(tmp_path, {"requirements.txt": requirements, "main.py": APP}))
    text = dockerfile_text(repo, "/", False)
    runtime = text[text.index("AS runtime-base") :]
    assert ("apt-get install -y --no-install-recommends libpq5" in runtime) == loaded


def test_psycopg_3_under_a_dependency_gets_libpq_in_the_runtime(tmp_path):
    """leiyuanshuai/fastapi-redis-project: psycopg under langgraph-checkpoint-postgres, in poetry.lock alone; the
    image's import failed on "no pq wrapper available"."""
    pyproject = '[tool.poetry]\nname = "svc"\nversion = "1"\n\n[tool.poetry.dependencies]\npython = "^3.11"\n'
    pyproject += 'fastapi = "*"\nlanggraph-checkpoint-postgres = "*"\n'
    lock = "".join(f'[[package]]\nname = "{n}"\nversion = "1"\ncategory = "main"\n\n' for n in LANGGRAPH_LOCKED)
    repo = read_repository(written(tmp_path, {"pyproject.toml": pyproject, "poetry.lock": lock, "main.py": APP}))
    assert repo.libraries == ("libpq5",)


LANGGRAPH_LOCKED = ("fastapi", "langgraph-checkpoint-postgres", "psycopg", "psycopg-pool")


@pytest.mark.parametrize(
    ("requirements", "libraries"),
    [
        # stanmart1/readnwin-fastapi: python-magic's import failed in the image, "failed to find libmagic"
        ("fastapi\npython-magic==0.4.27\n", "libmagic1"),
        ("fastapi\nCairoSVG\npsycopg\n", "libpq5 libcairo2"),
        ("fastapi\npython-magic-bin\n", ""),  # bundles its own
        # sajanv88/full_stack_fastapi_react_template: GitPython's import failed in the image, "Bad git executable"
        ("fastapi\nGitPython==3.1.45\n", "git"),
        # bysodev/authentication-fastapi-restapi: cv2's import failed in the image, "libGL.so.1: cannot open shared object"
        ("fastapi\nopencv-python==4.9.0.80\n", "libgl1 libglib2.0-0"),
        ("fastapi\nopencv-python-headless\n", ""),
        # Shin-otz/fastapi-quiz-video: `subprocess.check_output(["ffmpeg", "-version"])` at import, "No such file: 'ffmpeg'"
        ("fastapi\nffmpeg-python\npydub\n", "ffmpeg"),
        # mo-hossam-stack/fastapi-ocr-microservice: its /ready answered 503, "tesseract is not installed"
        ("fastapi\npytesseract\npdf2image\n", "tesseract-ocr poppler-utils"),
    ],
)
def test_a_binding_that_loads_a_system_library_gets_it_in_the_runtime(tmp_path, requirements, libraries):
    repo = read_repository(written(tmp_path, {"requirements.txt": requirements, "main.py": APP}))
    text = dockerfile_text(repo, "/", False)
    runtime = text[text.index("AS runtime-base") :]
    assert " ".join(repo.libraries) == libraries
    assert (f"apt-get install -y --no-install-recommends {libraries}" in runtime) == bool(libraries)


def test_a_program_a_locked_dependencys_dependency_runs_is_in_the_runtime(tmp_path):
    # sajanv88/full_stack_fastapi_react_template: GitPython came in under another package, unnamed in pyproject.toml
    lock = 'version = 1\n[[package]]\nname = "app"\nversion = "0"\nsource = { virtual = "." }\n'
    lock += 'dependencies = [{ name = "fastapi" }, { name = "tools" }]\n'
    lock += '[[package]]\nname = "tools"\nversion = "1"\ndependencies = [{ name = "GitPython" }]\n'
    lock += '[[package]]\nname = "gitpython"\nversion = "3"\n[[package]]\nname = "fastapi"\nversion = "0.1"\n'
    written(tmp_path, {"uv.lock": lock})
    assert runtime_libraries(tmp_path, ("fastapi", "tools")) == ("git",)


@pytest.mark.parametrize("with_ini", [True, False])
def test_alembic_configured_in_pyproject_gets_pyproject_and_its_migrations_in_the_image(tmp_path, with_ini):
    project = '[project]\nname = "x"\ndependencies = ["fastapi", "alembic"]\n\n[tool.alembic]\nscript_location = "%(here)s/migrations"\n'
    files = {"pyproject.toml": project, "svc/main.py": APP, "migrations/env.py": ""}
    if with_ini:  # kept for logging only, with no script_location
        files["alembic.ini"] = "[loggers]\nkeys = root\n"
    repo = read_repository(written(tmp_path, files))
    assert repo.migrations == "alembic upgrade heads"
    assert {"pyproject.toml", "migrations"} <= set(code_paths(repo))


@pytest.mark.parametrize("shape", sorted(p.name for p in BARE.iterdir() if p.is_dir()))
def test_the_dockerfile_init_writes_passes_hadolint_as_inv_lint_runs_it(tmp_path, shape):
    repo = read_repository(BARE / shape)
    (tmp_path / "Dockerfile").write_text(dockerfile_text(repo, "/", repo.database == "sqlite"))
    linted = subprocess.run(
        [str(Path(sys.executable).parent / "hadolint"), "--failure-threshold", "warning", str(tmp_path / "Dockerfile")],
        capture_output=True,
        text=True,
    )
    assert linted.returncode == 0, linted.stdout


def test_redis_named_for_one_of_its_uses_is_the_stacks_redis(tmp_path):
    fields = "    REDIS_QUEUE_HOST: str = 'localhost'\n    REDIS_CACHE_PORT: int = 6379\n    REDISTRIBUTE_HOST: str = 'x'\n"
    config = f"from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n{fields}"
    files = {"requirements.txt": "fastapi\nredis\n", "main.py": APP, "config.py": config}
    environment = app_environment(read_repository(written(tmp_path, files)))
    assert (environment["REDIS_QUEUE_HOST"], environment["REDIS_CACHE_PORT"]) == ("redis", "6379")
    assert "REDISTRIBUTE_HOST" not in environment


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ('REDIS_BROKER: str = Field("localhost:6379", description="host:port")', "redis:6379"),  # split by a validator
        ("REDIS_ADDRESS: str = '127.0.0.1:6379'", "redis:6379"),
        ("REDIS_CONNECTION: str = 'redis://localhost:6379/1'", "redis://redis:6379/0"),
        # testdrivenio/fastapi-celery-project: a socket.io message queue, WS_MESSAGE_QUEUE = "redis://127.0.0.1:6379/0"
        ("WS_MESSAGE_QUEUE: str = 'redis://127.0.0.1:6379/0'", "redis://redis:6379/0"),
        ("WS_QUEUE: str = 'queue-name'", None),  # a name, not an address
        ("REDIS_TTL: int = 300", None),  # a number is no address
        ("REDIS_PREFIX: str = 'app:cache'", None),  # nor is a key prefix with a colon
        # Bulstray/029.fastapi-booking-manager: taskiq's broker typed RedisDsn, required; init gave it the made-up
        # redis://localhost:6379/0 a RedisDsn validates, and the app's startup crash-looped on Connection refused.
        ("QUEUE: RedisDsn", "redis://redis:6379/0"),
        ("QUEUE: RedisDsn | None = None", "redis://redis:6379/0"),
        # KappaRoss2/fastapi-todo-list: Celery(broker=settings.redis_broker), required, got a made-up host, and its
        # worker never found a broker
        ("REDIS_BROKER: str", "redis://redis:6379/0"),
    ],
)
def test_a_redis_setting_no_name_places_is_wired_by_its_defaults_shape_or_type(tmp_path, field, value):
    config = f"from pydantic import Field, RedisDsn\nfrom pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    {field}\n"
    files = {"requirements.txt": "fastapi\narq\n", "main.py": APP, "config.py": config}
    environment = app_environment(read_repository(written(tmp_path, files)))
    assert environment.get(field.split(":")[0]) == value


def test_a_setting_whose_default_is_a_database_url_is_the_stacks_database_whatever_its_name(tmp_path):
    fields = (
        "    POSTGRES_SYNC_URL: str = 'postgresql://me:pw@localhost:5438/db'\n"
        "    POSTGRES_ASYNC_URL: str = 'postgresql+asyncpg://me:pw@localhost:5438/db'\n"
        "    HOME_PAGE: str = 'https://example.com'\n"
    )
    config = f"from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n{fields}"
    files = {"requirements.txt": "fastapi\nasyncpg\npsycopg2-binary\n", "main.py": APP, "config.py": config}
    environment = app_environment(read_repository(written(tmp_path, files)))
    assert environment["POSTGRES_SYNC_URL"].startswith("${POSTGRES_SYNC_URL-postgresql://app:")  # its own scheme, environment
    assert environment["POSTGRES_ASYNC_URL"].startswith("${POSTGRES_ASYNC_URL-postgresql+asyncpg://app:"), environment
    assert "@postgres:5432/app}" in environment["POSTGRES_SYNC_URL"] and "HOME_PAGE" not in environment


@pytest.mark.parametrize("name", ["POSTGRES_URL", "PG_DSN", "MYSQL_URL", "APP__POSTGRES__URL"])
def test_a_database_url_named_for_its_server_with_no_default_is_the_stacks_database(tmp_path, name):
    # kent0505/fastapi_vizor: `url: str = os.getenv("POSTGRES_URL")`, left unset: create_async_engine got None at import
    config = f"import os\nfrom pydantic import BaseModel\n\nclass DB(BaseModel):\n    url: str = os.getenv({name!r})\n"
    files = {"requirements.txt": "fastapi\nasyncpg\n", "main.py": "from config import DB\n" + APP, "config.py": config}
    environment = app_environment(read_repository(written(tmp_path, files)))
    assert environment.get(name, "").startswith(f"${{{name}-postgresql+asyncpg://app:"), environment


@pytest.mark.parametrize(
    ("files", "as_of"),
    [
        ({"requirements.txt": "fastapi\nsqlalchemy\n"}, "2025-06-01T10:00:00Z"),  # no lock: held to its last commit
        ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["fastapi"]\n'}, "2025-06-01T10:00:00Z"),
        ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["fastapi"]\n', "uv.lock": "version = 1\n"}, ""),
    ],
)
def test_an_unlocked_install_resolves_as_at_the_last_commit(tmp_path, files, as_of):
    tests = {"requirements-dev.txt": "pytest\nflake8-docstrings\n", "tests/test_app.py": "def test_x():\n    pass\n"}
    repo = written(tmp_path, {**files, **tests, "main.py": APP})
    committed(repo, date="2025-06-01T12:00:00+02:00")
    read = read_repository(repo)
    assert read.resolved_as_of == as_of
    dockerfile = dockerfile_text(read, "/", False)
    assert (f"ARG DEPENDENCIES_AS_OF={as_of}\nENV PIP_UPLOADED_PRIOR_TO=${{DEPENDENCIES_AS_OF}}" in dockerfile) == bool(as_of)
    assert ("'pip>=26'" in dockerfile) == bool(as_of)
    # acidjunk/fastapi-postgres-boilerplate: the tests' ranges, installed by ensurepip's older pip, ignored the date;
    # pip backtracked through years of flake8 plugins for minutes.
    tests_pip = "ensurepip >/dev/null && /opt/venv/bin/python -m pip install -q --no-cache-dir 'pip>=26'"
    assert bool(read.service_tests) == ("requirements.txt" in files)  # pyproject rows name no test group
    assert (tests_pip in dockerfile) == bool(as_of and read.service_tests)


@pytest.mark.parametrize(
    ("requirements", "database", "value"),
    [
        ("fastapi\nsqlmodel\n", "sqlite", "${JOBS_DB-/var/lib/app/jobs.db}"),  # the code puts the path in a URL
        ("fastapi\nasyncpg\n", "postgres", None),  # beside a server's driver, a .db path is some other file
    ],
)
def test_a_bare_sqlite_path_in_the_settings_is_a_file_on_the_data_volume(tmp_path, requirements, database, value):
    config = "from pydantic import Field\nfrom pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n"
    config += '    JOBS_DB: str = Field("database/jobs.db", description="its path")\n'
    repo = read_repository(written(tmp_path, {"requirements.txt": requirements, "main.py": APP, "config.py": config}))
    assert repo.database == database and app_environment(repo).get("JOBS_DB") == value


def test_a_required_setting_the_code_makes_an_sqlite_path_of_is_a_file_on_the_data_volume(tmp_path):
    """davidmuraya/fastapi-queues: `DATABASE_PATH = Path(settings.CELERY_DB)` in `f"sqlite:///{DATABASE_PATH}"`, the
    setting required; it got a made-up secret, a file under the read-only code, and ci failed."""
    config = "from pydantic import Field\nfrom pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n"
    config += '    JOBS_DB: str = Field(..., description="its path")\n\nsettings = S()\n'
    code = "from pathlib import Path\nfrom sqlalchemy import create_engine\nfrom config import settings\n\n"
    code += (
        "PATH = Path(settings.JOBS_DB)\nengine = create_engine(f'sqlite:///{PATH}', connect_args={'check_same_thread': False})\n"
    )
    files = {"requirements.txt": "fastapi\nsqlalchemy\n", "main.py": APP, "config.py": config, "db.py": code}
    repo = read_repository(written(tmp_path, files))
    assert repo.database == "sqlite" and app_environment(repo).get("JOBS_DB") == "${JOBS_DB-/var/lib/app/app.db}"


def test_a_lock_says_whether_psycopg_brings_its_own_build(tmp_path):
    project = '[project]\nname = "x"\ndependencies = ["fastapi", "psycopg"]\n'
    lock = (
        'version = 1\n[[package]]\nname = "x"\nversion = "0"\nsource = { virtual = "." }\n'
        'dependencies = [{ name = "psycopg" }]\n[[package]]\nname = "psycopg"\nversion = "3.2"\n'
        '[package.optional-dependencies]\nbinary = [{ name = "psycopg-binary" }]\n'
        '[[package]]\nname = "fastapi"\nversion = "0.115"\n'
    )
    repo = read_repository(written(tmp_path, {"pyproject.toml": project, "uv.lock": lock, "svc/main.py": APP}))
    assert repo.libraries == ("libpq5",)  # psycopg-binary is named by an extra, not installed


@pytest.mark.parametrize(
    ("models", "group_base"),
    [
        ("", "BaseModel"),
        # The app's own model base, of pydantic's BaseModel imported under another name.
        ("from pydantic import BaseModel as PydanticBaseModel\n\nclass Schema(PydanticBaseModel):\n    pass\n", "Schema"),
    ],
)
def test_a_nested_groups_database_url_is_the_stacks_database(tmp_path, models, group_base):
    config = (
        "from pydantic import BaseModel, Field\nfrom pydantic_settings import BaseSettings, SettingsConfigDict\n"
        f"from base import {group_base}\n\n"
        f"class DatabaseSettings({group_base}):\n    url: str | None = None\n\n"
        "class Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_nested_delimiter='__')\n"
        "    database: DatabaseSettings = Field(default_factory=DatabaseSettings)\n"
    )
    files = {"requirements.txt": "fastapi\nasyncpg\n", "main.py": APP, "config.py": config, "base.py": models}
    environment = app_environment(read_repository(written(tmp_path, files)))
    assert environment["DATABASE__URL"].startswith("${DATABASE__URL-postgresql"), environment


@pytest.mark.parametrize(
    ("client", "config", "rabbitmq", "redis"),
    [
        ("aio-pika", "", True, False),
        ("taskiq-aio-pika", "", True, False),
        ("celery[redis]", "", False, True),  # Celery's broker URL is re-pointed at the stack's Redis
        ("taskiq-redis", "", False, True),  # a library's Redis flavour: the stack runs Redis
        # altaf7740/fastapi-microservice: Redis came with fastapi-cache2's redis extra; the stack ran none, and the app
        # crash-looped on a made-up REDIS_URL ("Redis URL must specify one of the following schemes").
        ("fastapi-cache2[redis]", "", False, True),
        ("fastapi-cache2[memcache]", "", False, False),
        ("celery", "", False, False),  # alone it keeps its own broker (kombu's SQLAlchemy transport, say)
        ("celery", "    celery_broker_url: str = 'amqp://guest:guest@localhost:5672//'\n", True, False),
        # kamranabdicse/fastapi-postgres-boilerplate: Celery's broker is f"amqp://...@{settings.RABBITMQ_HOST}:..."; the
        # stack ran no RabbitMQ and the settings got made-up secrets (a port "could not be cast to integer").
        ("celery", "    RABBITMQ_HOST: str\n    RABBITMQ_PORT: str\n", True, False),
        ("celery", "    REDIS_HOST: str = 'localhost'\n", False, False),  # no RabbitMQ setting: no RabbitMQ
    ],
)
def test_rabbitmq_runs_beside_an_app_that_speaks_amqp(tmp_path, client, config, rabbitmq, redis):
    settings = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n" + (config or "    x: int = 1\n")
    repo = read_repository(written(tmp_path, {"requirements.txt": f"fastapi\n{client}\n", "main.py": APP, "config.py": settings}))
    assert (repo.rabbitmq, repo.redis) == (rabbitmq, redis)
    compose = compose_text(repo)
    assert ("  rabbitmq:\n    image: ${RABBITMQ_BASE_IMAGE-rabbitmq:3}" in compose) == rabbitmq
    assert ("rabbitmq-data:/var/lib/rabbitmq" in compose) == rabbitmq
    assert ("RABBITMQ_PASSWORD" in secret_variables(repo)) == rabbitmq


@pytest.mark.parametrize(
    ("name", "redis", "value"),
    [
        ("RABBITMQ_HOST", False, "rabbitmq"),
        ("RABBITMQ_PORT", False, "5672"),
        ("RABBITMQ_USER", False, "app"),
        ("RABBITMQ_PASSWORD", False, "${RABBITMQ_PASSWORD}"),
        ("RABBITMQ_VHOST", False, "/"),
        ("DEPENDENCIES__RABBITMQ_URL", False, AMQP),  # a nested group's
        # Farlavendi/FastAPI_School_Journal: taskiq-aio-pika's broker got http://localhost:8000; its startup hung
        ("APP_CONFIG__TASKIQ__URL", False, AMQP),
        ("APP_CONFIG__RABBITMQ__HOST", False, "rabbitmq"),
        ("AMQP_URL", False, AMQP),
        ("RABBITMQ_BROKER_URL", False, AMQP),
        ("CELERY_BROKER_URL", False, AMQP),
        ("CELERY_RESULT_BACKEND", False, "rpc://"),
        ("CELERY_BROKER_URL", True, "redis://redis:6379/0"),  # with Redis too, Redis stays Celery's broker
        # daxitpatel/fastapi-microservice-template: RABBIT_MQ_HOST was made up, and aio-pika's connection failed at startup
        ("RABBIT_MQ_HOST", False, "rabbitmq"),
        ("RABBIT_MQ_PORT", False, "5672"),
        ("RABBIT_MQ_V_HOST", False, "/"),
        ("RABBIT_MQ_HOST_URL", False, AMQP),
        # IlyaTroshchynskyi/fastapi_example: faststream's RabbitRouter(settings.MQ_URL) got http://localhost:8000, and the
        # web crash-looped at ci on "Connection refused"
        ("MQ_URL", False, AMQP),
        ("MQ_HOST", False, "rabbitmq"),
        ("MQTT_HOST", False, None),
        ("ZEROMQ_URL", False, None),
        ("RABBITMQ_PLUGIN_PORT", False, None),
        ("DATABASE_URL", False, None),
    ],
)
def test_a_setting_naming_rabbitmq_gets_the_stacks_rabbitmq(name, redis, value):
    assert broker_values([name], redis, True).get(name) == value


CELERY_APP = "from celery import Celery\n\n"


@pytest.mark.parametrize(
    ("worker", "outcome"),
    [
        # A broker no stack here runs, at localhost: refused before any build.
        (CELERY_APP + 'celery = Celery("jobs", broker="mongodb://localhost:27017/jobs")\n', "line 3: the Celery app"),
        # Redis and RabbitMQ at localhost: the image forwards that port to the stack's server (local_forward).
        (CELERY_APP + 'celery = Celery("jobs")\ncelery.conf.update(result_backend="redis://127.0.0.1:6379/1")\n', "redis"),
        (CELERY_APP + 'celery = Celery("jobs")\ncelery.conf.broker_url = "redis://localhost"\n', "redis"),
        # ravilkamans111-jpg/FastAPI-Celery-project, Kederly84/fastapi_poetry: refused in one line until it was forwarded.
        (CELERY_APP + 'celery = Celery("jobs", broker="amqp://guest:guest@localhost:5672//")\n', "rabbitmq"),
        (CELERY_APP + 'import os\ncelery = Celery("jobs", broker=os.environ.get("BROKER", "redis://localhost"))\n', ""),
        (CELERY_APP + 'celery = Celery("jobs", broker="redis://redis:6379/0")\n', ""),  # a host name the stack can give
    ],
)
def test_a_celery_broker_written_in_code_at_localhost_is_forwarded_or_refused_before_any_build(tmp_path, worker, outcome):
    written(tmp_path, {"requirements.txt": "fastapi\ncelery[redis]\n", "main.py": APP, "worker.py": worker})
    if outcome in ("", "redis", "rabbitmq"):  # read from the environment (init sets it), a name, or forwarded
        repo = read_repository(tmp_path)
        assert repo.worker == "celery -A worker worker --loglevel INFO"
        assert (repo.redis_forward, repo.rabbitmq_forward) == (6379 * (outcome == "redis"), 5672 * (outcome == "rabbitmq"))
        assert repo.rabbitmq == (outcome == "rabbitmq")
        return
    with pytest.raises(NotAFastAPIRepository) as said:
        read_repository(tmp_path)
    assert str(said.value).startswith("worker.py line ") and outcome in str(said.value), said.value
    assert "read it from a setting" in str(said.value)


@pytest.mark.parametrize(
    ("config", "forwarded"),
    [
        # musecollaboration/Fastapi-Celery-Demo: config_from_object('celeryconfig'), its broker_url at localhost; the
        # worker retried 127.0.0.1:5672 until the stack's wait gave up, then init refused it; now both are forwarded.
        ("broker_url = 'pyamqp://guest@localhost//'\nresult_backend = 'redis://localhost:6379/1'\n", (6379, 5672)),
        ("import os\nbroker_url = os.environ['BROKER_URL']\n", (0, 0)),
        ("broker_url = 'mongodb://127.0.0.1/jobs'\n", None),  # no stack here runs it
    ],
)
def test_a_celery_config_module_naming_a_broker_at_localhost_is_forwarded_before_any_build(tmp_path, config, forwarded):
    worker = CELERY_APP + 'celery = Celery("jobs")\ncelery.config_from_object("celeryconfig")\n'
    written(
        tmp_path, {"requirements.txt": "fastapi\ncelery[redis]\n", "main.py": APP, "worker.py": worker, "celeryconfig.py": config}
    )
    if forwarded is None:
        with pytest.raises(
            NotAFastAPIRepository, match=r"^celeryconfig.py line 1: the Celery app's broker or backend is mongodb://"
        ):
            read_repository(tmp_path)
        return
    repo = read_repository(tmp_path)
    assert repo.worker == "celery -A worker worker --loglevel INFO"
    assert (repo.redis_forward, repo.rabbitmq_forward) == forwarded
    # The stack's RabbitMQ serves the login as written: guest, with the clients' default password, let in from anywhere.
    assert not forwarded[1] or (repo.rabbitmq_login.user, repo.rabbitmq_login.password) == ("guest", "guest")


def test_the_test_image_runs_pytest_from_where_the_repositorys_own_addopts_name_its_tests(tmp_path):
    pyproject = '[project]\nname = "svc"\nversion = "1"\ndependencies = ["fastapi"]\n\n[dependency-groups]\n'
    pyproject += 'dev = ["pytest"]\n\n[tool.pytest.ini_options]\naddopts = "--maxfail 1 --cov svc tests/"\n'
    files = {"pyproject.toml": pyproject, "svc/__init__.py": "", "svc/main.py": APP, "svc/tests/__init__.py": ""}
    written(tmp_path, files | {"svc/tests/test_app.py": "def test_x():\n    pass\n"})
    repo = read_repository(tmp_path)
    test_stage = dockerfile_text(repo, "/", False).split("AS test\n")[1].split("\nFROM ")[0]
    assert "WORKDIR /srv/svc\n" in test_stage and test_stage.endswith('"no:cacheprovider", "."]\n')
    # Its own testpaths say what to collect (features' tests inside src/ and more): pytest gets no folder, as bare
    # `pytest` in the repository would run.
    written(tmp_path, {"pyproject.toml": pyproject.replace("addopts", 'testpaths = ["svc"]\naddopts')})
    test_stage = dockerfile_text(read_repository(tmp_path), "/", False).split("AS test\n")[1].split("\nFROM ")[0]
    assert test_stage.endswith('CMD ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]\n')


@pytest.mark.parametrize(
    ("test_module", "sqlite", "engine"),
    [
        ("from testcontainers.postgres import PostgresContainer\n", False, True),
        ("import testcontainers.core.container as tc\n", True, True),  # the data volume and the socket, one list
        ("import docker_helpers  # testcontainers-like, not it\n", False, False),
    ],
)
def test_a_suite_that_starts_containers_gets_the_engines_socket_and_only_such_a_suite(tmp_path, test_module, sqlite, engine):
    files = {"requirements.txt": "fastapi\n" + ("aiosqlite\n" if sqlite else ""), "requirements-dev.txt": "pytest\n"}
    repo = read_repository(
        written(tmp_path, files | {"main.py": APP, "tests/test_it.py": test_module + "\n\ndef test_it():\n    pass\n"})
    )
    tested = compose_text(repo).split("  web-test:\n")[1]
    mounted = "      - ${STACKOPS_ENGINE_SOCKET-/var/run/docker.sock}:/var/run/docker.sock\n" in tested
    assert repo.service_tests.starts_containers is engine and mounted is engine and ('user: "0"' in tested) is engine
    assert tested.count("    volumes:\n") == (1 if sqlite or engine else 0), tested  # never a second volumes key
    assert ("it starts containers (testcontainers)" in repo.service_tests.summary) is engine


@pytest.mark.parametrize(
    ("script", "installed"),
    [
        # lephuhung/FastAPI-v1: a wait loop on nc, which the slim image lacks; it looped for ever and ci timed out.
        ('#!/bin/sh\nwhile ! nc -z db 5432; do\n    sleep 0.1\ndone\nexec "$@"\n', "netcat-openbsd"),
        ("until pg_isready -h db; do sleep 1; done\nalembic upgrade head\n", "postgresql-client"),
        ("# nc -z db 5432 was here\npython -m app.pre_start\nalembic upgrade head\n", ""),  # a comment runs nothing
        ("echo 'curl the docs'\nalembic upgrade head\n", ""),  # a word in a string is no command
    ],
)
def test_the_programs_a_prestart_script_runs_are_in_the_image(tmp_path, script, installed):
    files = {"requirements.txt": "fastapi\npsycopg2-binary\n", "main.py": APP, "prestart.sh": script}
    repo = read_repository(written(tmp_path, files))
    dockerfile = dockerfile_text(repo, "/", False)
    if installed:
        assert f"install -y --no-install-recommends {installed}" in dockerfile and not runtime_flavour(repo), dockerfile
        assert any(line.startswith(f"  programs     {installed}, for ") for line in lines(repo)), lines(repo)
    else:
        assert repo.programs == () and "programs" not in "\n".join(lines(repo))


@pytest.mark.parametrize("committed", [True, False])
def test_alembic_runs_only_when_the_folder_its_ini_names_is_there(tmp_path, committed):
    """Pysuper/FastAPI-Template commits an alembic.ini naming migrations/, which it never committed: the build failed
    copying it."""
    files = {"requirements.txt": "fastapi\npsycopg2-binary\nalembic\n", "main.py": APP}
    files |= {"alembic.ini": "[alembic]\nscript_location = migrations\n"}
    files |= {"migrations/env.py": "", "migrations/versions/0001_tables.py": ""} if committed else {}
    repo = read_repository(written(tmp_path, files))
    assert (repo.migrations == "alembic upgrade heads") is committed
    assert ("COPY migrations /srv/migrations" in dockerfile_text(repo, "/", False)) is committed


def test_the_database_answers_to_the_name_the_prestart_script_waits_on(tmp_path):
    """lephuhung/FastAPI-v1 waits on `nc -z db 5432`, its own Compose service's name; the stack's is postgres."""
    script = '#!/bin/sh\nwhile ! nc -z db 5432; do sleep 0.1; done\nexec "$@"\n'
    files = {"requirements.txt": "fastapi\npsycopg2-binary\nredis\n", "main.py": APP, "prestart.sh": script}
    repo = read_repository(written(tmp_path, files))
    assert repo.waited_on == (("db", 5432),)
    services = re.split(r"\n(?=  \S)", compose_text(repo))
    postgres = next(block for block in services if block.strip().startswith("postgres:"))
    redis = next(block for block in services if block.strip().startswith("redis:"))
    assert "networks:\n      default:\n        aliases: [db]\n" in postgres and "aliases" not in redis


@pytest.mark.parametrize(
    ("registry", "away", "index"),
    [
        ("https://pypi.org/simple", "", ""),  # PyPI itself: not asked
        ("https://mirror.invalid/simple", "mirror.invalid", ""),  # a regional mirror that does not answer from here
        # Sckx666/Fastapi-news: its lock's pins from PyPI, its [[tool.uv.index]] a mirror, where uv asked for an
        # sdist's setuptools; the build failed on a DNS error.
        (
            "https://pypi.org/simple",
            "mirror.invalid",
            '[[tool.uv.index]]\nurl = "https://mirror.invalid/simple"\ndefault = true\n',
        ),
    ],
)
def test_a_lock_made_against_a_mirror_that_does_not_answer_installs_its_pins_from_this_machines_index(
    tmp_path, registry, away, index
):
    project = '[project]\nname = "svc"\nversion = "1"\nrequires-python = ">=3.11"\ndependencies = ["fastapi"]\n' + index
    lock = f'version = 1\n\n[[package]]\nname = "fastapi"\nversion = "0.115.6"\nsource = {{ registry = "{registry}" }}\n'
    repo = read_repository(written(tmp_path, {"pyproject.toml": project, "uv.lock": lock, "main.py": APP}))
    dockerfile = dockerfile_text(repo, "/", False)
    assert repo.unreached_index == away
    assert ("uv export --frozen" in dockerfile and "uv pip install -q --no-config" in dockerfile) == bool(away)
    # CodarZ/FastAPI-Service: the server added beside the lock (uvicorn) was asked of the mirror, and the build failed.
    server = next(line for line in dockerfile.splitlines() if "uv pip install" in line and line.endswith(" uvicorn"))
    assert ("--no-config" in server) == bool(away)
    said = next(line for line in lines(repo) if line.lstrip().startswith("installs"))
    assert ("mirror.invalid, where it was made, does not answer here" in said) == bool(away)


@pytest.mark.parametrize("registry", ["https://pypi.org/simple", "https://mirror.invalid/simple"])
def test_the_suites_extra_of_a_lock_made_against_a_mirror_that_does_not_answer_is_exported_too(tmp_path, registry):
    # par4d15e/fastapi_backend: the app's pins came from this machine's index, and its test image's `uv sync --extra
    # dev` fetched pytest from the URL the lock recorded, a mirror that does not resolve here.
    project = '[project]\nname = "svc"\nversion = "1"\nrequires-python = ">=3.11"\ndependencies = ["fastapi"]\n'
    project += '[project.optional-dependencies]\ndev = ["pytest"]\n'
    lock = f'version = 1\n\n[[package]]\nname = "fastapi"\nversion = "0.115.6"\nsource = {{ registry = "{registry}" }}\n'
    files = {"pyproject.toml": project, "uv.lock": lock, "main.py": APP, "tests/test_app.py": "def test_x():\n    pass\n"}
    repo = read_repository(written(tmp_path, files))
    dockerfile = dockerfile_text(repo, "/", False)
    away = "mirror" in registry
    assert ("uv sync --frozen --inexact --no-install-project --no-cache --extra dev" in dockerfile) != away
    assert ("uv export --frozen --no-emit-project --no-hashes -q --extra dev -o /tmp/test-requirements.txt" in dockerfile) == away


@pytest.mark.parametrize("registry", ["https://pypi.org/simple", "https://mirror.invalid/simple"])
def test_a_poetry_lock_made_against_a_mirror_that_does_not_answer_is_exported_without_its_urls(tmp_path, registry):
    # sekil9529/fastapi-demo: its poetry source a regional mirror, which the export named as --index-url; pip asked
    # it and found "aiomysql==0.2.0 (from versions: none)".
    project = '[tool.poetry]\nname = "svc"\nversion = "1"\n\n[tool.poetry.dependencies]\npython = "^3.11"\nfastapi = "*"\n'
    lock = '[[package]]\nname = "fastapi"\nversion = "0.115.6"\noptional = false\n\n[package.source]\ntype = "legacy"\n'
    lock += f'url = "{registry}"\nreference = "mirror"\n\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\n'
    repo = read_repository(written(tmp_path, {"pyproject.toml": project, "poetry.lock": lock, "main.py": APP}))
    away = "mirror" in registry
    assert repo.unreached_index == ("mirror.invalid" if away else "")
    assert ("poetry export --only main --without-hashes --without-urls" in dockerfile_text(repo, "/", False)) == away


@pytest.mark.parametrize(
    ("driver", "wired"),
    [
        ("asyncmy", "DATABASE_SCHEMA: ${DATABASE_SCHEMA-app}"),  # MySQL's schema is its database
        # the-peach-drone/fastapi-flight-record-server: MariaDB's own connector, a URL built of parts; no server ran
        ("mariadb", "DATABASE_SCHEMA: ${DATABASE_SCHEMA-app}"),
        ("asyncpg", None),  # PostgreSQL's is a namespace inside one: the app's own default stays
        # AbelClapton/fastapi-forum: PostgreSQL's DB_SCHEMA in a URL's place of the database's name; it got a made-up
        # value, and the app's import failed on 'database "ci-Secret0..." does not exist'.
        ("asyncpg-placed", "DATABASE_SCHEMA: ${DATABASE_SCHEMA-app}"),
    ],
)
def test_a_mysql_schema_given_in_parts_is_the_stacks_database(tmp_path, driver, wired):
    config = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n"
    config += "    DATABASE_HOST: str\n    DATABASE_PORT: int\n    DATABASE_USER: str\n    DATABASE_PASSWORD: str\n"
    config += "    DATABASE_SCHEMA: str = 'shop'\n"
    if driver.endswith("-placed"):
        driver = driver.removesuffix("-placed")
        config += "\ns = Settings()\nURL = f'postgresql://{s.DATABASE_USER}:{s.DATABASE_PASSWORD}@{s.DATABASE_HOST}/{s.DATABASE_SCHEMA}'\n"
    files = {"requirements.txt": f"fastapi\n{driver}\n", "main.py": APP, "conf.py": config}
    repo = read_repository(written(tmp_path, files))
    compose = compose_text(repo)
    assert "DATABASE_HOST: ${DATABASE_HOST-" in compose and repo.database == ("postgres" if driver == "asyncpg" else "mysql")
    assert (wired in compose) if wired else ("DATABASE_SCHEMA" not in compose)


@pytest.mark.parametrize(
    ("default", "learned_as_secret"),
    [
        ('os.getenv("SECRET_KEY", "")', True),  # the app's own check that it is set, in its own words
        ('""', True),
        ('os.getenv("SECRET_KEY", "not-for-production")', False),  # a default it has: the check is about something else
    ],
)
def test_a_setting_defaulting_to_empty_that_the_failure_names_is_learned_as_a_secret(tmp_path, default, learned_as_secret):
    from fastapi_stackops.adopt.first_start import learned
    from fastapi_stackops.adopt.init import setup_for
    from fastapi_stackops.adopt.routes import ImportFailed

    config = f"import os\nfrom pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    SECRET_KEY: str = {default}\n"
    written(tmp_path, {"requirements.txt": "fastapi\npydantic-settings\n", "main.py": APP, "config.py": config})
    setup = setup_for(read_repository(tmp_path), system_ca=False)
    refused = "ValueError: SECRET_KEY no está configurada en las variables de entorno"
    if not learned_as_secret:
        with pytest.raises(ImportFailed):
            learned(setup, ImportFailed(setup.repo, refused), False)
        return
    setup, _ = learned(setup, ImportFailed(setup.repo, refused), False)
    assert "SECRET_KEY" in secret_variables(setup.repo)
    assert "\nSECRET_KEY=ci-" in env_texts(setup.repo, "env", False, {})["env/ci.env.docker"]


def test_an_empty_read_a_library_names_in_lower_case_is_learned_as_a_secret_with_a_value_of_its_kind(tmp_path):
    # ramanflorfresca/antar-fastapi: create_client(os.getenv("SUPABASE_URL"), ...) at import: "supabase_url is required".
    from fastapi_stackops.adopt.first_start import learned
    from fastapi_stackops.adopt.init import setup_for
    from fastapi_stackops.adopt.routes import ImportFailed

    main = 'import os\nfrom supabase import create_client\n\nclient = create_client(os.getenv("SUPABASE_URL"))\n' + APP
    written(tmp_path, {"requirements.txt": "fastapi\nsupabase\n", "main.py": main})
    setup = setup_for(read_repository(tmp_path), system_ca=False)
    setup, _ = learned(setup, ImportFailed(setup.repo, "SupabaseException: supabase_url is required"), False)
    assert app_environment(setup.repo)["SUPABASE_URL"] == "${SUPABASE_URL-http://localhost:8000}"


def test_a_setting_compose_reads_itself_is_never_made_up_for_the_app(tmp_path):
    # Found running init on this repository: its code reads DOCKER_HOST, init made up "ci-<hex>" for it, and the env
    # files handed that to Compose as the engine's address ("error during connect: ... ci-...:2375").
    # humilissw/fastapi-sample: DOCKER_IMAGE_BACKEND, required and read by no docker tool, was given nothing too; the
    # import failed on "Field required".
    fields = "    DOCKER_HOST: str\n    COMPOSE_PROFILES: str\n    DOCKER_IMAGE_BACKEND: str\n    TOKEN: str\n"
    config = f"from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n{fields}"
    written(tmp_path, {"requirements.txt": "fastapi\npydantic-settings\n", "main.py": APP, "config.py": config})
    repo = read_repository(tmp_path)
    assert "DOCKER_HOST" not in app_environment(repo) and "TOKEN" in app_environment(repo)
    assert "COMPOSE_PROFILES" not in app_environment(repo)
    assert secret_variables(repo) == ["DOCKER_IMAGE_BACKEND", "TOKEN"]
    assert "DOCKER_HOST" not in "".join(env_texts(repo, "env", False, {}).values())


@pytest.mark.parametrize(
    ("folder", "main", "package"),
    [
        # k-gitest/nextjs-fastapi-app: apps/api/main.py imports api.routers, as run from apps/
        ("api", "from api.routers import search\nfrom api import config\n", "api"),
        ("api", "from api import config\n", "api"),
        # and a module of its top importing a sibling relatively, as a package's own (k-gitest's error_decorators.py)
        ("api", "from api.routers import search\nfrom api import errors\n", "api"),
        ("redis", "from redis.asyncio import Redis\n", ""),  # a folder named like the library it imports
        ("svc", "from routers import search\n", ""),
    ],
)
def test_code_that_imports_its_own_folder_as_a_package_gets_that_package_in_the_image(tmp_path, folder, main, package):
    root = tmp_path / folder
    files = {"requirements.txt": "fastapi\n", "main.py": main + APP, "routers/__init__.py": "", "routers/search.py": ""}
    relative = {"errors.py": "from .config import x\n", "config.py": "x = 1\n"} if "errors" in main else {"config.py": ""}
    repo = read_repository(written(root, files | relative))
    assert repo.package == package
    linked = f"RUN ln -s /srv /srv/{folder}\n"
    assert (linked in dockerfile_text(repo, "/", False)) == bool(package)
    if package:  # the image's layout, here: what the image copies, in a folder of another name, and the link
        srv = tmp_path / "srv"
        srv.mkdir()
        for path in code_paths(repo):
            (shutil.copytree if (root / path).is_dir() else shutil.copy)(root / path, srv / path)
        (srv / package).symlink_to(srv)
        imported = subprocess.run([sys.executable, "-c", "import main"], cwd=srv, capture_output=True, text=True)
        assert imported.returncode == 0 or "No module named 'fastapi'" in imported.stderr, imported.stderr


@pytest.mark.parametrize(
    ("files", "reference", "package"),
    [
        # surajk998/fastapi-fitness-studio: fitness_studio/ is a package whose app.py imports its neighbours relatively;
        # init served app:app, and the import stopped on "attempted relative import with no known parent package".
        ({"__init__.py": "", "app.py": "from .database import db\n" + APP}, "fitness_studio.app:app", "fitness_studio"),
        ({"app.py": "from .database import db\n" + APP}, "app:app", ""),  # no package: no parent to be imported from
        ({"__init__.py": "", "app.py": "from database import db\n" + APP}, "app:app", ""),  # its neighbours, as a script's
    ],
)
def test_a_package_whose_top_imports_its_neighbours_relatively_is_served_as_that_package(tmp_path, files, reference, package):
    root = tmp_path / "fitness_studio"
    repo = read_repository(written(root, files | {"requirements.txt": "fastapi\n", "database.py": "db = None\n"}))
    assert (repo.app.reference, repo.package) == (reference, package)
    assert repo.app.top_level == "app.py"  # the folder is the package: its module's file is what the image copies


@pytest.mark.parametrize(
    ("read", "empty"),
    [
        ('os.getenv("X_KEY", "")', True),
        ('os.getenv("X_KEY")', True),  # None when unset
        ('os.environ.get("X_KEY", "x")', False),
        # iagentshub/backend_fastapi: a data folder's path made by an expression is no empty default
        ('os.getenv("X_KEY", str(Path(__file__).parent / "data"))', False),
    ],
)
def test_an_environment_read_defaults_to_empty_only_when_written_so(tmp_path, read, empty):
    main = f"import os\nfrom pathlib import Path\nX = {read}\n" + APP
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": main}))
    (field,) = [f for f in repo.settings.fields if f.variable == "X_KEY"]
    assert field.defaults_to_empty is empty


@pytest.mark.parametrize(
    "chosen",
    [
        'config = Config(".env")\n',
        # danicc097/FastAPI-React-Postgres-Docker-Traefik-template: the reader chosen by mode, under an `if`
        'if os.getenv("CICD"):\n    config = Config(".env.ci")\nelse:\n    config = Config(".env.dev")\n',
        'try:\n    config = Config(".env")\nexcept OSError:\n    config = Config()\n',
        # maRT-sk/fastapi-starterpack: the reader made in a settings class's __init__, its reads beside it; a script's
        # reads were taken for the settings instead, and the app's DEBUG, which guards its HTTPS redirect, never seen.
        'class AppConfig:\n    def __init__(self):\n        config = Config(".env")\n'
        '        self.DATABASE_URL = config("DATABASE_URL", default="x")\n\n\nsettings = AppConfig()\n',
    ],
)
def test_a_settings_reader_is_read_wherever_it_is_made(tmp_path, chosen):
    read = "" if "DATABASE_URL" in chosen else "DATABASE_URL = config('DATABASE_URL', default='x')\n"
    main = f"import os\nfrom starlette.config import Config\n{chosen}{read}"
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\nasyncpg\n", "main.py": main + APP}))
    assert app_environment(repo)["DATABASE_URL"].startswith("${DATABASE_URL-postgresql+asyncpg://app:")


LOCAL_URL = 'engine = create_engine("postgresql://u:pw@localhost:5432/db")\n'
ENGINE = "from session import engine\n"  # session.py makes it: `engine = create_engine(URL)`, URL imported from db.py
RUN = 'if __name__ == "__main__":\n    seed()\n'


TORTOISE = (
    "import os\n\nTORTOISE_ORM = {{'connections': {{'default': {{'engine': 'tortoise.backends.asyncpg', "
    "'credentials': {{'host': {host}, 'port': '5432', 'user': os.getenv('U'), 'database': 'shop'}}}}}}}}\n"
)


@pytest.mark.parametrize(
    ("code", "refused"),
    [
        # FEMADOX/Fastapi-Ecosystem-Lab: a name bound to the URL, opened at startup; ci crash-looped on Connection refused
        ('URL = "postgresql+asyncpg://postgres:pw@localhost:5432/db"\nengine = create_async_engine(URL)\n', "forwarded"),
        ('engine = sqlalchemy.create_engine("mysql+pymysql://shop@127.0.0.1/shop")\n', "line 1"),  # no password: no such user
        ('pool = await asyncpg.create_pool(dsn="postgres://localhost/app")\n', "line 1"),
        # read from the environment or a setting, even with such a default: init sets the variable
        ('engine = create_engine(os.getenv("DATABASE_URL", "postgresql://localhost/app"))\n', ""),
        ('URL = "postgresql://localhost/app"\nURL = settings.database_url\nengine = create_engine(URL)\n', ""),
        ('engine = create_engine("postgresql://db:5432/app")\n', ""),  # not localhost: the line is not this check's
        # eoGimenez/fastAPI-MySql: an f-string of the login's parts, at localhost, given to the engine itself
        ("engine = create_engine(f'mysql+pymysql://{user}:{pw}@localhost:3306/shop')\n", "line 1"),
        ("engine = create_engine(f'mysql+pymysql://{user}:{pw}@{host}:3306/shop')\n", ""),
        # NEONKID/fastapi-ddd-example: a container's Singleton given `db_uri='{engine}://...'.format(host='127.0.0.1')`;
        # ci crash-looped on Connection refused. Its login written out with no password: PostgreSQL trusts the stack's
        # network (minhnq0702/fastapi-wallet-assets' shape), and the port is forwarded.
        ("db = Singleton(Db, db_uri='postgresql://{u}@{host}:5432/d'.format(u='app', host='127.0.0.1'))\n", "forwarded"),
        ("db = Singleton(Db, db_uri='postgresql://{u}@{host}:5432/d'.format(u='app', host='db'))\n", ""),
        ('engine = create_engine("sqlite:///./app.db")\n', ""),
        # marcyo71/fastapi-backend: seed.py, a script run by hand that the app never imports; init refused the app.
        (f"{LOCAL_URL}{RUN}", "script"),
        (f"{LOCAL_URL}app = FastAPI()\n{RUN}", "forwarded"),  # the app itself, run as a script too
        (f"{LOCAL_URL}{RUN}", "forwarded"),  # a script the app imports as well
        # ThanhXT2002/fastapi-music: migrate_to_mysql.py, at the top, doing its work as it loads, with no __main__
        # block; nothing imports it, and init refused the app.
        (LOCAL_URL, "script"),
        (f"{LOCAL_URL}app = create_app()\n", "script-forwarded"),  # the app's own module, which nothing imports
        # carlosaaguirrez82-lang/fastapi-store: `DB_HOST = "localhost"` in the URL it assembles from the environment's
        # parts, imported by the module that makes the engine; ci crash-looped on Connection refused.
        (f"import os\n\nHOST = 'localhost'\nURL = f'postgresql://{{os.getenv(\"U\")}}@{{HOST}}:5432/db'\n{ENGINE}", "line 4"),
        (f"import os\n\nHOST = os.getenv('H', 'localhost')\nURL = f'postgresql://u@{{HOST}}:5432/db'\n{ENGINE}", ""),
        # simarsudo/backend-fastapi-tortoise-V2: a Tortoise config's credentials at localhost; the web crash-looped on
        # "Connect call failed ('127.0.0.1', 5432)".
        (TORTOISE.format(host="'localhost'"), "line 3"),
        # jonatrios/fastapi-tortoise-template-app: a connection's URL assembled at localhost, by name
        (
            "import os\n\nURL = f\"postgres://u:{os.getenv('P')}@localhost:5432/app\"\nC = {'connections': {'default': URL}}\n",
            "line 4",
        ),
        ("C = {'connections': {'default': 'sqlite://db.sqlite3'}}\n", ""),
        # YaroslavYaryk/fastapi-tortoiseORM-blog: Tortoise's own scheme, asyncpg://, at localhost in register_tortoise
        (
            "from tortoise.contrib.fastapi import register_tortoise\n\nregister_tortoise(None, db_url='asyncpg://u:pw@localhost/b')\n",
            "forwarded",
        ),
        (TORTOISE.format(host="os.getenv('DB_HOST', 'localhost')"), ""),
    ],
)
def test_a_database_opened_at_localhost_as_the_code_writes_it_is_refused_before_any_build(tmp_path, code, refused):
    """Unless its login is written out whole: the stack serves that login, and the image forwards the port (forwarded)."""
    main = APP if refused.startswith("script") else f"import db\n{APP}"  # a script is what the app never imports
    refused = {"imported": "line 1", "script": ""}.get(refused, refused.removeprefix("script-"))
    written(tmp_path, {"requirements.txt": "fastapi\nasyncpg\n", "main.py": main, "db.py": code})
    if ENGINE in code:
        written(
            tmp_path, {"session.py": "from sqlalchemy import create_engine\nfrom db import URL\n\nengine = create_engine(URL)\n"}
        )
    if refused == "forwarded":
        assert read_repository(tmp_path).database_server.login.local_port == 5432
        return
    if not refused:  # an engine made on a sqlite URL written in the code runs on SQLite, whatever the drivers
        assert read_repository(tmp_path).database == ("sqlite" if "sqlite" in code else "postgres")
        return
    with pytest.raises(NotAFastAPIRepository) as error:
        read_repository(tmp_path)
    assert str(error.value).startswith(f"db.py {refused}: the app opens its database at ")
    assert ":pw@" not in str(error.value) and "read the URL from a setting" in str(error.value)


POETRY_WITH = '[tool.poetry.dependencies]\npython = "^3.11"\nfastapi = "*"\nshared = {{path = "{path}", develop = true}}\n'


@pytest.mark.parametrize(
    ("files", "refused"),
    [
        # matthannigan/fastapi-streamlit-llm-starter (backend): its build failed on pip's "not a Python project"
        (
            {"pyproject.toml": POETRY_WITH.format(path="../shared"), "poetry.lock": LOCK_VERSION},
            "pyproject.toml: the dependency shared is installed from the folder ../shared,",
        ),
        ({"requirements.txt": "fastapi\n-e ../shared\n"}, "requirements.txt: the dependency ../shared"),
        ({"requirements.txt": "fastapi\n-e file:///Users/someone/shared ; python_version >= '3.12'\n"}, "/Users/someone/shared"),
        ({"pyproject.toml": '[project]\nname = "a"\ndependencies = ["fastapi", "lib @ file:///home/x/lib"]\n'}, "dependency lib"),
        # inside the folder: in the image like the rest of it
        ({"pyproject.toml": POETRY_WITH.format(path="libs/shared"), "poetry.lock": LOCK_VERSION}, ""),
        ({"requirements.txt": "fastapi\n-e ./libs/shared\n"}, ""),
    ],
)
def test_a_dependency_installed_from_a_folder_outside_the_services_is_refused_before_any_build(tmp_path, files, refused):
    service = tmp_path / "backend"
    written(service, {"main.py": APP, **files})
    if not refused:
        assert read_repository(service).app.reference == "main:app"
        return
    with pytest.raises(NotAFastAPIRepository) as error:
        read_repository(service)
    assert refused in str(error.value) and "outside the service's folder" in str(error.value)


@pytest.mark.parametrize(
    ("requirements", "migrations"),
    [
        ("fastapi\npsycopg[binary]\nalembic\n", "alembic upgrade heads"),
        ("fastapi\npsycopg[binary]\nalembic-postgresql-enum\n", "alembic upgrade heads"),  # brings alembic
        # thongkhoav/fastapi-starter: an alembic.ini and its folder, and no alembic among the dependencies: every start
        # of the image ran `alembic upgrade head`, "alembic: not found", in a crash loop.
        ("fastapi\npsycopg[binary]\n", ""),
    ],
)
def test_alembic_runs_only_where_a_dependency_installs_it(tmp_path, requirements, migrations):
    files = {"requirements.txt": requirements, "main.py": APP, "alembic.ini": "[alembic]\nscript_location = migrations\n"}
    repo = read_repository(written(tmp_path, files | {"migrations/env.py": "", "migrations/versions/0001_tables.py": ""}))
    assert repo.migrations == migrations


@pytest.mark.parametrize(
    ("engine", "scheme"),
    [
        # mrshabel/fastapi-starter: SQLModel's AsyncEngine(create_engine(url)) with no default URL got sqlite://, which
        # names pysqlite: "The asyncio extension requires an async driver".
        ("AsyncEngine(create_engine(settings.DATABASE_URL))", "sqlite+aiosqlite"),
        ("create_async_engine(settings.DATABASE_URL)", "sqlite+aiosqlite"),
        ("create_engine(settings.DATABASE_URL)", "sqlite"),
    ],
)
def test_an_sqlite_url_names_aiosqlite_where_the_code_makes_an_async_engine(tmp_path, engine, scheme):
    config = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    DATABASE_URL: str\n\n"
    files = {
        "requirements.txt": "fastapi\nsqlmodel\naiosqlite\n",
        "main.py": APP,
        "db.py": config + f"engine = {engine}\n",
    }
    url = app_environment(read_repository(written(tmp_path, files)))["DATABASE_URL"]
    assert url.split("-", 1)[1].startswith(f"{scheme}:///"), url


def test_a_required_setting_read_from_a_variable_no_env_file_can_hold_is_refused_before_any_build(tmp_path):
    # LTaooo/fastapi-starter: Field(alias='mysql.host'), for its config server; init wrote MYSQL.HOST into its own env
    # files and then refused them, naming its own line.
    config = "from pydantic import Field\nfrom pydantic_settings import BaseSettings\n\nclass MysqlConfig(BaseSettings):\n"
    config += "    host: str = Field(alias='mysql.host')\n    echo: bool = Field(default=False, alias='mysql.echo')\n"
    files = {"requirements.txt": "fastapi\npydantic-settings\n", "main.py": APP, "config.py": config}
    with pytest.raises(NotAFastAPIRepository, match=r"^config.py:5: required .*: host \(from mysql\.host\); give them"):
        read_repository(written(tmp_path, files))


def test_a_nested_groups_fields_inherited_from_a_model_of_the_repositorys_are_wired(tmp_path):
    # eugeneliukindev/FastAPI-Starter-Kit: `db: DatabaseConfig`, whose host, name, user and password are its base
    # model's: only pool_size and max_overflow were read, and the app refused to start ("db Field required").
    models = (
        "class BaseDatabaseConfig(BaseModel):\n    host: str = 'localhost'\n    port: int = 5432\n"
        "    name: str\n    user: str\n    password: str\n\n"
        "class DatabaseConfig(BaseDatabaseConfig):\n    pool_size: int = 50\n\n"
    )
    environment = nested_environment(tmp_path, models, "    db: DatabaseConfig\n", "fastapi\nasyncpg", "CONFIG__")
    assert environment["CONFIG__DB__HOST"] == "${CONFIG__DB__HOST-postgres}"
    assert environment["CONFIG__DB__PASSWORD"] == "${CONFIG__DB__PASSWORD-${POSTGRES_PASSWORD}}"
    assert "CONFIG__DB__NAME" in environment and "CONFIG__DB__USER" in environment


def test_a_required_nested_group_whose_model_has_only_defaults_gets_one_variable_at_its_default(tmp_path):
    # 5ou1e/CryptoStorage-FastApi-backend: `api: ApiConfig` with no default, every field of ApiConfig with one: init
    # gave none of its variables, and pydantic refused ("api Field required").
    models = "class ApiConfig(BaseModel):\n    prefix: str = '/api'\n    debug: bool = False\n\n"
    fields = "    api: ApiConfig\n    docs: ApiConfig = ApiConfig()\n"
    environment = nested_environment(tmp_path, models, fields, "fastapi", "APP__")
    assert environment["APP__API__PREFIX"] == "${APP__API__PREFIX-/api}"
    assert not {"APP__API__DEBUG", "APP__DOCS__PREFIX", "APP__DOCS__DEBUG"} & set(environment)


def test_a_group_within_a_nested_group_is_read_to_its_own_fields(tmp_path):
    # Modif93/fastapi-sqlmodel-template: `security: SecurityConfig` holds `access_token: TokenConfig`; init gave
    # SECURITY__ACCESS_TOKEN a secret, which pydantic-settings could not parse as the model.
    models = (
        "class TokenConfig(BaseModel):\n    algorithm: str\n    secret_key: str\n    expire_min: int\n\n"
        "class SecurityConfig(BaseModel):\n    access_token: TokenConfig\n    refresh_token: TokenConfig\n\n"
    )
    environment = nested_environment(tmp_path, models, "    security: SecurityConfig\n", "fastapi")
    assert "SECURITY__ACCESS_TOKEN" not in environment and "SECURITY__REFRESH_TOKEN" not in environment
    assert environment["SECURITY__ACCESS_TOKEN__EXPIRE_MIN"] == "${SECURITY__ACCESS_TOKEN__EXPIRE_MIN-1}"
    assert environment["SECURITY__REFRESH_TOKEN__SECRET_KEY"].startswith("${SECURITY__REFRESH_TOKEN__SECRET_KEY?")


# The same repository's shape: the database's dialect and file in a DATASOURCE__ group, the driver left optional; with
# SQLAlchemy and no server's driver, SQLite is the only database it can reach.
@pytest.mark.parametrize("requirements", ["fastapi\naiosqlite\nsqlmodel", "fastapi\nsqlmodel"])
def test_sqlite_given_in_parts_is_its_kind_and_a_file_on_the_data_volume(tmp_path, requirements):
    models = "class DataSourceConfig(BaseModel):\n    dialect: str\n    driver: str | None = None\n    database: str\n\n"
    environment = nested_environment(tmp_path, models, "    datasource: DataSourceConfig\n", requirements.strip())
    assert environment["DATASOURCE__DIALECT"] == "${DATASOURCE__DIALECT-sqlite}"
    assert environment["DATASOURCE__DATABASE"].startswith("${DATASOURCE__DATABASE-/var/lib/app/")
    assert "DATASOURCE__DRIVER" not in environment


def test_a_field_typed_as_another_settings_class_is_made_by_the_code_not_read_from_a_variable(tmp_path):
    # ZUS666/fastapi-app: `MainSettings(db=DBSettings(), ...)`, each part a settings class reading its own variables:
    # init gave DB a secret, which pydantic-settings parsed as JSON ('error parsing value for field "db"').
    config = (
        "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    pass\n\n"
        "class DBSettings(Settings):\n    db_url: str\n\nclass TokenSettings(Settings):\n    secret_key: str\n\n"
        "class MainSettings(BaseSettings):\n    db: DBSettings\n    token: TokenSettings\n\n"
        "settings = MainSettings(db=DBSettings(), token=TokenSettings())\n"
    )
    files = {"requirements.txt": "fastapi\nasyncpg\npydantic-settings\n", "main.py": APP, "config.py": config}
    repo = read_repository(written(tmp_path, files))
    environment = app_environment(repo)
    assert not {"DB", "TOKEN"} & set(environment)
    assert environment["DB_URL"].startswith("${DB_URL-postgresql") and "SECRET_KEY" in secret_variables(repo)


@pytest.mark.parametrize(
    ("config", "turned_off"),
    [
        # nationalarchives/fastapi-application-template: HTTPSRedirectMiddleware unless FORCE_HTTPS says otherwise, on by
        # default; every healthcheck got a 307 to an https:// address, and the app never became healthy in ci.
        ("import os\nFORCE_HTTPS = os.getenv('FORCE_HTTPS', 'True') == 'True'\n", ["FORCE_HTTPS"]),
        (
            "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    https_redirect: bool = True\n",
            ["HTTPS_REDIRECT"],
        ),
        ("import os\nSECURE_SSL_REDIRECT = os.getenv('SECURE_SSL_REDIRECT', '1')\n", ["SECURE_SSL_REDIRECT"]),
        ("import os\nFORCE_HTTPS = os.getenv('FORCE_HTTPS', 'false')\n", []),  # off already: the app's own default
        ("import os\nHTTPS_PORT = os.getenv('HTTPS_PORT', '1')\n", []),
    ],
)
def test_a_setting_that_redirects_to_https_by_default_is_off_in_the_stack(tmp_path, config, turned_off):
    files = {"requirements.txt": "fastapi\npydantic-settings\n", "main.py": APP, "config.py": config}
    environment = app_environment(read_repository(written(tmp_path, files)))
    assert [name for name, value in environment.items() if value == f"${{{name}-false}}"] == turned_off


@pytest.mark.parametrize(
    ("project", "path", "code", "distribution"),
    [
        # bartosz121/fastapi-app-template: hatch-vcs's version, read as `version(__package__)`; the image installs the
        # dependencies only, and the app failed at import (PackageNotFoundError: todo_api).
        ('name = "todo-api"\ndynamic = ["version"]', "todo_api/version.py", "version(__package__)", "todo_api 0.0.0"),
        ('name = "todo-api"\nversion = "1.4.0"', "src/todo_api/meta.py", "version('todo-api')", "todo-api 1.4.0"),
        ('name = "todo-api"\nversion = "1.4.0"', "todo_api/meta.py", "version('fastapi')", ""),  # a dependency's
        ('name = "todo-api"\nversion = "1.4.0"', "meta.py", "version(__package__)", ""),  # at the top: no package
        # Craverman/fastapi-tickets-template (s3rius's template): `from importlib import metadata`, then
        # `metadata.version("ticket")`; not read, and the import failed after a build (PackageNotFoundError: ticket).
        (
            'name = "ticket"\nversion = "0.1.0"',
            "ticket/app.py",
            "from importlib import metadata\n\nv = metadata.version('ticket')\n",
            "ticket 0.1.0",
        ),
    ],
)
def test_the_metadata_the_code_reads_of_its_own_distribution_is_written_in_the_image(tmp_path, project, path, code, distribution):
    from fastapi_stackops.adopt.image import dockerfile_text

    module = code if code.startswith("from ") else f"from importlib.metadata import version\n\n__version__ = {code}\n"
    files = {"pyproject.toml": f'[project]\n{project}\ndependencies = ["fastapi"]\n', "main.py": APP, path: module}
    repo = read_repository(written(tmp_path, files))
    assert repo.own_distribution == distribution
    if distribution:
        name, version = distribution.split()
        assert f'/{name}-{version}.dist-info" && mkdir -p' in dockerfile_text(repo, "/health", False)


@pytest.mark.parametrize(
    ("field", "mounted"),
    [
        # bartosz121/fastapi-app-template: prometheus_client's multiprocess collector over a folder under /tmp, which
        # a tmpfs /tmp starts without; its metrics route answered 500 in ci.
        ('PROMETHEUS_MULTIPROC_DIR: str | None = "/tmp/prometheus"', ["/tmp/prometheus"]),
        ('prometheus_multiproc_dir: str = "/var/run/metrics/"', ["/var/run/metrics"]),
        ('PROMETHEUS_MULTIPROC_DIR: str = "/tmp"', []),  # /tmp is one already
        ("PROMETHEUS_MULTIPROC_DIR: str | None = None", []),  # off
    ],
)
def test_a_scratch_folder_setting_gets_a_tmpfs_at_its_default(tmp_path, field, mounted):
    config = f"from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    {field}\n"
    files = {"requirements.txt": "fastapi\npydantic-settings\n", "main.py": APP, "config.py": config}
    repo = read_repository(written(tmp_path, files))
    assert list(repo.writable) == mounted
    for path in mounted:  # and its variable set, which prometheus_client reads itself (the settings' default is not)
        assert f'"{path}:uid=10001,gid=10001"' in compose_text(repo, "Dockerfile")
        assert f"-{path}}}" in app_environment(repo)[field.split(":")[0].upper()]


def test_a_route_prefix_setting_gets_one_value_everywhere_and_a_cloud_brokers_worker_is_left_out(tmp_path):
    # MahmudulHassan5809/fastapi-starter: routes under f"/api/{settings.VERSION}", VERSION required: the trial's
    # generated value made the health path, and the ci env's other one answered 404; its Celery worker's broker is SQS.
    config = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    VERSION: str\n"
    config += "    API_V1_STR: str\n    JWT_SECRET: str\n"
    celery = "from celery import Celery\n\ncelery = Celery(__name__)\nCONFIG = {'broker_url': 'sqs://'}\n"
    files = {"requirements.txt": "fastapi\ncelery\nredis\n", "main.py": APP, "config.py": config, "worker.py": celery}
    repo = read_repository(written(tmp_path, files))
    environment = app_environment(repo)
    assert environment["VERSION"] == "${VERSION-v1}" and environment["API_V1_STR"] == "${API_V1_STR-/api}"
    assert secret_variables(repo) == ["JWT_SECRET"]
    assert repo.worker == "" and any(line.startswith("  worker       none: its Celery broker is a cloud") for line in lines(repo))


@pytest.mark.parametrize("name", ["LOCAL_STORAGE_PATH", "UPLOAD_DIR", "MEDIA_FOLDER"])
def test_a_required_folder_setting_gets_one_path_on_the_data_volume_in_the_trial_and_every_env(tmp_path, name):
    # mrshabel/fastapi-starter: StaticFiles(directory=settings.LOCAL_STORAGE_PATH), the setting required: the trial's
    # generated value was made in the image, and the ci env's other one did not exist ("Directory ... does not exist").
    config = f"from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    {name}: str\n"
    files = {"requirements.txt": "fastapi\npydantic-settings\n", "main.py": APP, "config.py": config}
    repo = read_repository(written(tmp_path, files))
    assert app_environment(repo)[name] == f"${{{name}-/var/lib/app}}" and name not in secret_variables(repo)


@pytest.mark.parametrize(
    ("committed_value", "given"), [("SENTRY_DSN=\n", "${SENTRY_DSN-}"), ("SENTRY_DSN=https://x@y/1\n", None), ("", None)]
)
def test_a_setting_defaulting_to_none_that_the_committed_env_leaves_empty_is_given_empty(tmp_path, committed_value, given):
    # ahmadhori/fastapi-celery-blueprint (tiangolo's template): pydantic 1 validates the default None, and the
    # validator's `len(v)` fails on it; its committed .env says SENTRY_DSN= and every checkout reads that.
    validator = "    @validator('SENTRY_DSN', pre=True)\n    def blank(cls, v):\n        return None if len(v) == 0 else v\n"
    config = "from typing import Optional\nfrom pydantic import BaseSettings, validator\n\nclass S(BaseSettings):\n"
    config += f"    SENTRY_DSN: Optional[str] = None\n    PROJECT: str = 'x'\n{validator}"
    root = tmp_path / "repo"
    written(root, {"requirements.txt": "fastapi\npydantic<2\n", "main.py": APP, "config.py": config})
    written(root, {".env": committed_value + "PROJECT=\n"})
    committed(root)
    repo = read_repository(root)
    # Read where the repository is, and kept: init's trial writes the stack into a copy with no .git.
    copy = shutil.copytree(root, tmp_path / "copy", ignore=shutil.ignore_patterns(".git"))
    assert app_environment(dataclasses.replace(repo, root=copy)).get("SENTRY_DSN") == given
    assert "PROJECT" not in app_environment(repo)  # a default of its own stands


SESSION_END = "def pytest_sessionfinish(session, exitstatus):\n    Base.metadata.drop_all(bind=engine)\n"
#: A suite's own database names, when it makes that database itself.
MADE = ("app", "app_test", "app_test")


@pytest.mark.parametrize(
    ("drivers", "suite", "tests"),
    [
        # JustGevorg/fastapi-crud: its suite's database in parts (TEST_DB_NAME) was the app's, and the suite's
        # drop_all at its end left the persistence check no tables (POST answered 500).
        ("asyncpg", SESSION_END, ("postgres", "postgres", "postgres")),
        ("asyncpg", "@pytest.fixture\ndef db():\n    yield 1\n    Base.metadata.drop_all(bind=engine)\n", ("postgres",) * 3),
        # vavlxxx/FastAPI-JWT: a suite that drops and creates its tables again as it sets up leaves a schema, and
        # asserts the app's name equal to its own: both stay the app's.
        ("asyncpg", "def recreate():\n    Base.metadata.drop_all(e)\n    Base.metadata.create_all(e)\n", ("app",) * 3),
        ("asyncpg", "", ("app", "app", "app")),
        ("pymysql", SESSION_END, ("app", "app", "app")),  # MySQL's user may use its own database alone
        # zagorboda/fastapi-kanban: its suite makes its own database by the name it reads, which was the app's: the
        # session stopped on 'DuplicateDatabase: database "app" already exists'
        ("asyncpg", f"def pytest_sessionstart(session):\n    c.execute(f'CREATE DATABASE {{T}};')\n{SESSION_END}", MADE),
    ],
)
def test_a_suite_that_drops_its_tables_as_it_ends_gets_the_servers_maintenance_database(tmp_path, drivers, suite, tests):
    fields = "".join(f"{name} = os.environ.get('{name}')\n" for name in ("DB_HOST", "DB_NAME", "TEST_DB_NAME", "DB_NAME_TEST"))
    files = {"requirements.txt": f"fastapi\npytest\n{drivers}\n", "main.py": APP, "config.py": "import os\n\n" + fields}
    repo = read_repository(
        written(tmp_path, files | {"tests/conftest.py": suite, "tests/test_app.py": "def test_x():\n    pass\n"})
    )
    for environment, values in ((suites_environment(repo), tests), (app_environment(repo), ("app", "app", "app"))):
        named = tuple(environment[name].split("-", 1)[1].rstrip("}") for name in ("DB_NAME", "TEST_DB_NAME", "DB_NAME_TEST"))
        assert named == values


def test_a_database_at_localhost_is_refused_whatever_driver_init_reads_or_not(tmp_path):
    """NEONKID/fastapi-ddd-example: asyncpg only under asyncpgsa, which init knows no database by; its URL at 127.0.0.1
    went unread, and ci crash-looped on Connection refused."""
    code = "db = Singleton(Db, db_uri='postgresql+asyncpg://{h}:5432/d'.format(h='127.0.0.1'))\n"
    written(tmp_path, {"requirements.txt": "fastapi\nasyncpgsa\n", "main.py": f"import db\n{APP}", "db.py": code})
    with pytest.raises(NotAFastAPIRepository, match=r"^db.py line 1: the app opens its database at "):
        read_repository(tmp_path)


def test_a_cloud_broker_named_in_the_module_its_celery_configuration_comes_from_leaves_the_worker_out(tmp_path):
    """Rojas-Andres/fastapi-ddd: `config_from_object("messaging.config")`, whose broker_url is a constants module's
    default of "sqs://"; its worker ran, and crash-looped at ci on kombu's predefined queues."""
    files = {
        "requirements.txt": "fastapi\ncelery\n",
        "main.py": APP,
        "messaging/app.py": "from celery import Celery\n\ntasks = Celery('w')\ntasks.config_from_object('messaging.config')\n",
        "messaging/config.py": "from messaging.constants import BROKER\n\nbroker_url = BROKER\n",
        "messaging/constants.py": "import os\n\nBROKER = os.environ.get('BROKER_URL', 'sqs://')\n",
    }
    repo = read_repository(written(tmp_path, files))
    assert repo.worker == "" and any(line.startswith("  worker       none: its Celery broker is a cloud") for line in lines(repo))


@pytest.mark.parametrize(
    ("compared", "mode"),
    [
        # Rojas-Andres/fastapi-ddd: ENVIRONMENT defaults to "test", in which its settings take SQLite's test.db; the
        # stack ran it so, beside the PostgreSQL it served, and the app crash-looped (unable to open database file).
        (
            '    if ENVIRONMENT == "test":\n        URL = "sqlite:///test.db"\n',
            ("ENVIRONMENT", "development", "development", "test"),
        ),
        (
            '    if ENVIRONMENT in ("prod",):\n        X = 1\n    if ENVIRONMENT == "local":\n        Y = 1\n',
            ("ENVIRONMENT", "local", "local", "test"),
        ),
        ("", None),  # compared with nothing: no mode to change
    ],
)
def test_an_app_whose_mode_defaults_to_tests_runs_out_of_it_in_the_stacks(tmp_path, compared, mode):
    from fastapi_stackops.adopt.app_mode import local_mode

    config = f'import os\n\nclass Settings:\n    ENVIRONMENT: str = os.getenv("ENVIRONMENT", "test")\n{compared}'
    files = {"requirements.txt": "fastapi\n", "main.py": f"from config import Settings\n{APP}", "config.py": config}
    repo = read_repository(written(tmp_path, files))
    found = local_mode(repo.settings, repo.root)
    assert (found and (found.variable, found.local, found.default, found.test)) == mode


@pytest.mark.parametrize(
    ("code", "port"),
    [
        # raya-mansouri/BookStore-FastAPI-DDD: `BlockingConnection(ConnectionParameters("localhost"))` at import; init
        # refused only after a build, on an AMQPConnectionError with no words, then refused in one line; now forwarded.
        ("import pika\n\nconn = pika.BlockingConnection(pika.ConnectionParameters('localhost'))\n", 5672),
        ("from pika import ConnectionParameters\n\np = ConnectionParameters(host='127.0.0.1')\n", 5672),
        (
            "import aio_pika\n\nasync def go():\n    return await aio_pika.connect_robust('amqp://me:s%40lt@localhost:5673/')\n",
            5673,
        ),
        ("import os, pika\n\np = pika.ConnectionParameters(os.getenv('RABBIT_HOST', 'localhost'))\n", 0),  # a read
        ("import pika\n\np = pika.ConnectionParameters('rabbitmq')\n", 0),  # a host by name
        # hbeemster/fastapi-rabbitmq: a constant of another module handed on by keyword to a class that connects with
        # it; the web crash-looped on "Connection refused" after a build.
        ("from consts import URL\n\nconsumer = Consumer(rabbitmq_url=URL)\n", 5672),
        ("from consts import HOSTED\n\nconsumer = Consumer(rabbitmq_url=HOSTED)\n", 0),
    ],
)
def test_rabbitmq_opened_at_localhost_as_the_code_writes_it_is_forwarded_with_its_login(tmp_path, code, port):
    written(tmp_path, {"requirements.txt": "fastapi\npika\naio-pika\n", "main.py": f"import mq\n{APP}", "mq.py": code})
    written(tmp_path, {"consts.py": "URL = 'amqp://guest:guest@127.0.0.1/'\nHOSTED = 'amqp://guest:guest@rabbitmq/'\n"})
    repo = read_repository(tmp_path)
    assert repo.rabbitmq and repo.rabbitmq_forward == port
    said = [f for f in repo.findings if f.what == "rabbitmq" and "forwarded to the stack's RabbitMQ" in f.value]
    assert bool(said) == bool(port) and all(f.source.startswith(("mq.py line ", "consts.py line ")) for f in said), said
    login = repo.rabbitmq_login
    if port:  # the login the URL gives, its password unquoted and never said; the clients' default, guest's, else
        assert (login.user, login.password, login.host) == (("me", "s@lt", "") if port == 5673 else ("guest", "guest", ""))
        assert login.password not in said[0].value or login.password == "guest"


@pytest.mark.parametrize(
    ("code", "noted"),
    [
        # shivam23rawat/learn-fastapi-redis: a client class of its own, made with host="localhost" at import; the web
        # answered 500 at every request (its rate limiter's Redis), and init had said nothing of it.
        (
            "from redis.asyncio import Redis\n\nclass AsyncRedisClient:\n    pass\n\nc = AsyncRedisClient(host='localhost')\n",
            True,
        ),
        ("import redis\n\nr = redis.Redis('127.0.0.1', 6379)\n", True),
        ("import redis\n\nr = redis.from_url('redis://localhost:6379/0')\n", True),
        ("import redis\n\nr = redis.Redis()\n", True),  # its default: localhost
        ("from redis import asyncio as aioredis\n\nr = aioredis.StrictRedis(decode_responses=True)\n", True),
        ("import os, redis\n\nr = redis.Redis(host=os.getenv('REDIS_HOST', 'localhost'))\n", False),  # a read
        ("import redis\n\nr = redis.Redis(host='redis')\ncache = r.get('localhost')\n", False),  # a host by name; a key
        ("from pydantic import RedisDsn\n\nURL = RedisDsn('redis://localhost:6379/0')\n", False),  # a setting's default
        ("from fakeredis import FakeRedis\n\nr = FakeRedis()\n", False),  # in memory
    ],
)
def test_redis_opened_at_localhost_as_the_code_writes_it_is_forwarded_to_the_stacks_redis(tmp_path, code, noted):
    """The image forwards localhost's port to the stack's Redis, and init says so (it only said so before, and the
    app failed where it used Redis)."""
    written(tmp_path, {"requirements.txt": "fastapi\nredis\n", "main.py": f"import cache\n{APP}", "cache.py": code})
    repo = read_repository(tmp_path)
    said = [f for f in repo.findings if f.what == "redis" and "forwarded to the stack's Redis" in f.value]
    assert bool(said) == noted and all(n.source.startswith("cache.py line ") for n in said), said
    assert repo.redis_forward == (6379 if noted else 0)


@pytest.mark.parametrize(
    ("include", "worker"),
    [
        # krishnasism/fastapi-celery-playground: celery_app/app.py includes "tasks", a module beside it; run from the
        # top, the worker crash-looped on "No module named 'tasks'".
        ('["tasks"]', "celery --workdir celery_app -A app worker --loglevel INFO"),
        ('["celery_app.tasks"]', "celery -A celery_app.app worker --loglevel INFO"),  # named from the top
    ],
)
def test_a_celery_app_whose_task_modules_are_named_from_its_own_folder_runs_from_there(tmp_path, include, worker):
    app = f"import os\nfrom celery import Celery\n\napp = Celery('w', broker=os.getenv('BROKER'), include={include})\n"
    files = {"requirements.txt": "fastapi\ncelery[redis]\n", "main.py": APP, "celery_app/__init__.py": ""}
    written(tmp_path, files | {"celery_app/app.py": app, "celery_app/tasks.py": "X = 1\n"})
    repo = read_repository(tmp_path)
    assert repo.worker == worker
    assert f"{worker.split(' worker')[0]} inspect ping" in compose_text(repo)  # its health asked as it runs
