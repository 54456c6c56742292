"""The FastAPI application: `app.main:create_app()` for gunicorn and uvicorn."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.db import make_engine, session_factory
from app.migrate import head_revisions
from app.observability import RequestObservation, configure_logging
from app.routers import health, notes
from app.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    engine = make_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        engine.dispose()

    app = FastAPI(title=settings.title, lifespan=lifespan)
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
