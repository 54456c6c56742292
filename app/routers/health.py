"""Liveness, readiness and metrics."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import __version__
from app.observability import metrics_payload

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health() -> dict:
    """Liveness: the process serves requests. Touches no database."""
    return {"status": "ok", "version": __version__}


@router.get("/ready", responses={503: {"description": "Database unreachable or schema not at head."}})
async def ready(request: Request) -> JSONResponse:
    """Readiness: the database answers a query and its schema is at the Alembic head."""
    engine, heads = request.app.state.engine, request.app.state.migration_heads
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            try:
                # Read directly: Alembic's MigrationContext logs on every probe.
                current = set(await connection.scalars(text("SELECT version_num FROM alembic_version")))
            except DBAPIError:
                current = set()  # no alembic_version table: not migrated yet
    except Exception as error:  # any driver error means "not ready", with its reason
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300]
        return JSONResponse({"status": "unavailable", "reason": f"database: {reason}"}, status_code=503)
    if not current:
        return JSONResponse(
            {"status": "unavailable", "reason": f"schema not migrated yet (head is {sorted(heads)})"}, status_code=503
        )
    if current != heads:
        return JSONResponse(
            {"status": "unavailable", "reason": f"schema at {sorted(current) or 'empty'}, head is {sorted(heads)}"},
            status_code=503,
        )
    return JSONResponse({"status": "ready", "revision": ",".join(sorted(current))})


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    body, content_type = metrics_payload()
    return Response(body, media_type=content_type)
