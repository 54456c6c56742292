"""The service's own tests: natively on a scratch SQLite file, or, inside the test image
(`inv service-test`), on a scratch database of the stack's PostgreSQL server."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.settings import Settings

STACK_DATABASE = os.environ.get("APP_DATABASE_URL", "")
PASSWORD = os.environ.get("APP_DATABASE_PASSWORD") or None


@pytest.fixture
def database_url(tmp_path):
    """A database of its own for each test: the schema tests need a fresh one, and the stack's stays untouched."""
    if not STACK_DATABASE.startswith("postgresql"):
        yield f"sqlite:///{tmp_path}/data/app.db"
        return
    server = make_url(STACK_DATABASE).set(password=PASSWORD)
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def stack_server_url():
    """The stack's PostgreSQL server, inside the test image; natively there is none."""
    if not STACK_DATABASE.startswith("postgresql"):
        pytest.skip("needs the stack's PostgreSQL server: inv service-test --env ci")
    return make_url(STACK_DATABASE)


@pytest.fixture
def settings(database_url, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    return Settings(database_url=database_url)
