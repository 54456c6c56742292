"""A small REST resource that stores data, so persistence can be proven."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Note

router = APIRouter(prefix="/api/v1", tags=["notes"])
log = logging.getLogger("app.notes")


async def get_session(request: Request):
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        try:
            await session.close()
        except DBAPIError as error:  # the database went away: its connection is dropped, and the answer already sent
            log.warning("session closed on a lost connection", extra={"reason": str(error.orig).splitlines()[0][:160]})


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    body: str = Field("", max_length=100_000)


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    body: str
    created_at: datetime


class NotePage(BaseModel):
    items: list[NoteOut]
    total: int
    limit: int
    offset: int


@router.post("/notes", status_code=201, response_model=NoteOut)
async def create_note(payload: NoteIn, session: AsyncSession = Depends(get_session)) -> Note:
    note = Note(title=payload.title, body=payload.body)
    session.add(note)
    await session.commit()  # the 201 goes out only after the commit is durable
    await session.refresh(note)
    return note


@router.get("/notes", response_model=NotePage)
async def list_notes(
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    session: AsyncSession = Depends(get_session),
) -> NotePage:
    total = await session.scalar(select(func.count()).select_from(Note)) or 0
    rows = (await session.scalars(select(Note).order_by(Note.id).limit(limit).offset(offset))).all()
    return NotePage(items=[NoteOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/notes/{note_id}", response_model=NoteOut, responses={404: {"description": "No such note."}})
async def read_note(note_id: int, session: AsyncSession = Depends(get_session)) -> Note:
    note = await session.get(Note, note_id)
    if note is None:
        raise HTTPException(404, f"note {note_id} not found")
    return note


@router.delete("/notes/{note_id}", status_code=204, responses={404: {"description": "No such note."}})
async def delete_note(note_id: int, session: AsyncSession = Depends(get_session)) -> Response:
    note = await session.get(Note, note_id)
    if note is None:
        raise HTTPException(404, f"note {note_id} not found")
    await session.delete(note)
    await session.commit()
    return Response(status_code=204)


testing_router = APIRouter(prefix="/api/v1/_testing", tags=["testing"], include_in_schema=False)


@testing_router.get("/sleep")
async def sleep(seconds: float = Query(1.0, ge=0, le=60)) -> dict:
    """A deliberately slow request, to prove graceful shutdown (APP_TESTING_ENDPOINTS only)."""
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@testing_router.get("/hold-connection")
async def hold_connection(seconds: float = Query(1.0, ge=0, le=60), session: AsyncSession = Depends(get_session)) -> dict:
    """Keep one pooled connection busy, to prove pool exhaustion is a quick 503 (APP_TESTING_ENDPOINTS only)."""
    await session.execute(text("SELECT 1"))  # checks a connection out of the pool until the session ends
    await asyncio.sleep(seconds)
    return {"held": seconds}
