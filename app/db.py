"""Database engine and sessions: SQLite (WAL, on a volume) or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from app.settings import Settings


class Base(DeclarativeBase):
    pass


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers and the writer work at once; FULL syncs every commit,
    # so a 201 survives a kill -9 and a power loss alike.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Only server databases take the password (a SQLite URL with one is invalid,
    # and an env may well set POSTGRES_PASSWORD for a stack that uses SQLite).
    if settings.database_password:
        url = url.set(password=settings.database_password.get_secret_value())
    # pre_ping: a connection broken by a database restart is replaced, so the
    # service recovers without its own restart.
    return create_engine(url, pool_pre_ping=True, pool_size=5, connect_args={"connect_timeout": 3})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        yield session
