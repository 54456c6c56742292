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
