"""fastapi_stackops/adopt/app_settings.py: which setting holds the database's URL, by its name or its default."""

from __future__ import annotations

import pytest

from fastapi_stackops.adopt.app_settings import SettingField, holds_database_url


@pytest.mark.parametrize(
    ("name", "default", "holds"),
    [
        ("database_url", None, True),
        ("SQLALCHEMY_DATABASE_URI", "", True),
        ("db_async_dsn", None, True),
        ("db_connection", "", True),  # the URL under a connection's name (DB_CONNECTION=postgresql+psycopg://...)
        # noman13bd/fastapi-mysql-async-boilerplate: its URL as a connection string, the suite's beside it; both got
        # made-up secrets, which SQLAlchemy could not parse.
        ("db_async_connection_str", None, True),
        ("db_async_test_connection_str", None, True),
        ("DATABASE_CONNECTION_STRING", None, True),
        ("connection_string_timeout", None, False),
        # aylton-almeida/fastapi-ddd-sample: `db_server_url`, given a made-up http URL that its code made a dialect of
        ("db_server_url", None, True),
        ("db_server_port", None, False),
        # jpcontreras/fastapi-clean-arch-scaffolding: alembic's env.py hands os.getenv('DB_ALEMBIC_URL') to its config,
        # which refused the None it got ("option values must be strings"); the web crash-looped.
        ("DB_ALEMBIC_URL", None, True),
        ("database_migrations_url", None, True),
        ("alembic_config", None, False),
        ("main_store", "postgresql://app@db/app", True),  # named for nothing, but its default is a URL
        ("db_host", "localhost", False),  # a part, not the URL
        ("redis_url", "redis://localhost", False),
        ("connection_timeout", "30", False),
        # ruhook/FastAPI-boilerplate: a scheme alone, the prefix its code puts before the parts (a URL here doubled it)
        ("MYSQL_ASYNC_PREFIX", "mysql+aiomysql://", False),
        ("SQLITE_SYNC_PREFIX", "sqlite:///", False),  # the same repository's SQLite prefix hid its MySQL parts
        ("local_db", "sqlite:///./app.db", True),
    ],
)
def test_a_setting_holds_the_database_url_by_its_name_or_its_default(name, default, holds):
    assert holds_database_url(SettingField(name, default)) is holds


@pytest.mark.parametrize(
    ("annotation", "holds"),
    [
        # quick-sort/fastapi-simple-template: `SQLALCHEMY_URI: PostgresDsn`, a name no pattern knew; init gave it a
        # made-up URL at localhost, and the app's async engine refused the sync driver that names.
        ("PostgresDsn", True),
        ("Optional[MySQLDsn]", True),
        ("RedisDsn", False),
        ("str", False),
    ],
)
def test_a_setting_typed_as_an_sql_databases_url_holds_the_database_url(annotation, holds):
    assert holds_database_url(SettingField("SQLALCHEMY_URI", None, annotation)) is holds


@pytest.mark.parametrize(
    ("imported", "field", "required"),
    [
        # mitanshubhatt/fastapi-auth: `hinata_host: str = None` in a pydantic-settings class, which validates its
        # defaults: its migrations and server stopped on "Input should be a valid string ... input_value=None".
        ("from pydantic_settings import BaseSettings", "hinata_host: str = None", True),
        ("from pydantic_settings import BaseSettings", "hinata_host: Optional[str] = None", False),
        ("from pydantic_settings import BaseSettings", "hinata_host: str | None = None", False),
        ("from pydantic_settings import BaseSettings", 'hinata_host: str = "temp"', False),
        ("from pydantic import BaseSettings", "hinata_host: str = None", False),  # pydantic 1 made it optional
        # yevgenybulochnik/fastapi-tracker: pydantic 1's `POSTGRES_SERVER: Optional[str]`, None by default; init made up
        # values for four, and its validator turned its SQLite into a PostgreSQL DSN ("invalid dsn ... check_same_thread")
        ("from pydantic import BaseSettings", "hinata_host: Optional[str]", False),
        ("from pydantic import BaseSettings", "hinata_host: str", True),
        ("from pydantic_settings import BaseSettings", "hinata_host: Optional[str]", True),  # pydantic 2 requires it
        # bubaley/production-fastapi-docker-template: `secret_key: str = Field(None, validate_default=True, ...)`; init
        # gave it nothing, and the import failed on "Input should be a valid string ... input_value=None".
        ("from pydantic_settings import BaseSettings", "hinata_host: str = Field(None, min_length=8)", True),
        ("from pydantic_settings import BaseSettings", "hinata_host: str = Field(default=None)", True),
        ("from pydantic_settings import BaseSettings", "hinata_host: str | None = Field(None)", False),
        ("from pydantic_settings import BaseSettings", "hinata_host: str = Field('x')", False),
        # MartinPNairn/fastapi-jinja: `SECRET_KEY: str = Field(default="", min_length=1)`; init kept the empty default,
        # and the import stopped on "String should have at least 1 character".
        ("from pydantic_settings import BaseSettings", 'hinata_host: str = Field(default="", min_length=1)', True),
        ("from pydantic_settings import BaseSettings", 'hinata_host: str = Field("abc", min_length=3)', False),
        ("from pydantic_settings import BaseSettings", 'hinata_host: str = Field("", max_length=3)', False),
    ],
)
def test_a_settings_field_defaulting_to_none_its_type_refuses_must_be_given(tmp_path, imported, field, required):
    from fastapi_stackops.adopt.settings_reading import find_settings
    from tests.utils import written

    code = (
        f"from typing import Optional\nfrom pydantic import Field\n{imported}\n\n\nclass Settings(BaseSettings):\n    {field}\n"
    )
    settings = find_settings(written(tmp_path, {"config.py": code}))
    assert [f.variable for f in settings.required] == (["HINATA_HOST"] if required else [])


def test_a_nested_groups_database_parts_named_with_their_own_prefix_are_the_stacks(tmp_path):
    # vavlxxx/fastapi-simple-jwt-auth: `db: DBConfig` whose fields repeat the prefix (CFG_DB__DB_HOST): init made up
    # their values, and the web crash-looped at ci on a host name that does not resolve.
    from tests.unit.shapes import nested_environment

    models = "class DBConfig(BaseModel):\n    DB_HOST: str\n    DB_PORT: int\n    DB_USER: str\n    DB_PASSWORD: str\n    DB_NAME: str\n\n"
    environment = nested_environment(tmp_path, models, "    db: DBConfig\n", "fastapi\nasyncpg", "CFG_")
    assert environment["CFG_DB__DB_HOST"] == "${CFG_DB__DB_HOST-postgres}"
    assert environment["CFG_DB__DB_PASSWORD"] == "${CFG_DB__DB_PASSWORD-${POSTGRES_PASSWORD}}"
    assert environment["CFG_DB__DB_PORT"] == "${CFG_DB__DB_PORT-5432}"
