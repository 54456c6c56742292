"""The FastAPI application: `app.main:create_app()` for gunicorn and uvicorn."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
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
