"""The FastAPI application: `app.main:create_app()` for gunicorn and uvicorn."""

from __future__ import annotations

import logging
import re
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.db import make_async_engine, session_factory
from app.migrate import head_revisions
from app.observability import RequestObservation, configure_logging
from app.routers import health, notes
from app.settings import Settings, get_settings

log = logging.getLogger("app.main")


async def database_busy(request: Request, error: PoolTimeout) -> JSONResponse:
    """Every pooled connection stayed busy for db_pool_timeout: say so at once, never stall."""
    log.warning("database pool exhausted", extra={"path": request.url.path})
    return JSONResponse(
        {"detail": "database busy: every pooled connection is in use; retry shortly"},
        status_code=503,
        headers={"Retry-After": "1"},
    )


#: What a driver says when the database cannot be reached (down, restarting, a dropped connection), as opposed to a
#: query's own error: those are the app's bug and stay 500s.
UNREACHABLE = re.compile(
    r"connection (failed|refused|is bad|is closed|timed out)|could not connect|server closed the connection|"
    r"terminating connection|Connection refused|consuming input failed|Name or service not known|the connection is lost",
    re.IGNORECASE,
)


async def database_unreachable(request: Request, error: DBAPIError) -> JSONResponse:
    """The database cannot be reached: 503 with Retry-After and one WARNING line, not a traceback per request."""
    if not (error.connection_invalidated or UNREACHABLE.search(str(error.orig))):
        raise error
    log.warning("database unreachable", extra={"path": request.url.path, "reason": str(error.orig).splitlines()[0][:160]})
    return JSONResponse(
        {"detail": "database unavailable; retry shortly"},
        status_code=503,
        headers={"Retry-After": "2"},
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    engine = make_async_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        await engine.dispose()

    app = FastAPI(title=settings.title, lifespan=lifespan)
    app.add_exception_handler(PoolTimeout, database_busy)
    app.add_exception_handler(DBAPIError, database_unreachable)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.migration_heads = head_revisions()
    app.include_router(health.router)
    app.include_router(notes.router)
    if settings.testing_endpoints:
        app.include_router(notes.testing_router)
    app.add_middleware(RequestObservation)
    return app
