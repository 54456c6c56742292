"""Database engine and sessions: SQLite (WAL, on a volume) or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

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


def database_url(settings: Settings) -> URL:
    url = make_url(settings.database_url)
    # Only server databases take the password (a SQLite URL with one is invalid,
    # and an env may well set POSTGRES_PASSWORD for a stack that uses SQLite).
    password = settings.password() if url.get_backend_name() != "sqlite" else None
    if password:
        url = url.set(password=password)
    return url


def _is_sqlite_with_folder(url: URL) -> bool:
    """True for SQLite, whose file's folder is made first when missing."""
    if url.get_backend_name() != "sqlite":
        return False
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return True


def make_engine(settings: Settings) -> Engine:
    """The blocking engine: migrations and start-up checks, one connection at a time."""
    url = database_url(settings)
    if _is_sqlite_with_folder(url):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # pre_ping: a connection broken by a database restart is replaced, so the
    # service recovers without its own restart.
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 3})


def async_driver(url: URL) -> URL:
    """The same database through an asyncio driver: aiosqlite; psycopg 3 serves both ways."""
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if url.get_backend_name() == "postgresql":
        return url.set(drivername="postgresql+psycopg")
    return url


def make_async_engine(settings: Settings) -> AsyncEngine:
    """The engine requests use: a request waits for the database without holding a thread.

    Sync endpoints held a pooled connection in each of the 40 threads while
    others waited for one, and stalled 30 s at 64 clients (QueuePool limit
    reached). Here a request holds a connection only while it awaits the
    database; beyond db_pool_size + db_pool_overflow connections requests
    queue, and after db_pool_timeout seconds get a 503 (app.main).
    """
    url = async_driver(database_url(settings))
    pool = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_pool_overflow,
        "pool_timeout": settings.db_pool_timeout,
    }
    if _is_sqlite_with_folder(url):
        engine = create_async_engine(url, **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 3}, **pool)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
