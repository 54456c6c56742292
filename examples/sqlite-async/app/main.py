"""A tiny async ledger API: accounts that sign up and log in, stored with async SQLAlchemy on SQLite."""

import hashlib
import hmac
import secrets
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy import String, event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.settings import Settings

settings = Settings()
engine = create_async_engine(settings.database_url)
sessions = async_sessionmaker(engine, expire_on_commit=False)


@event.listens_for(engine.sync_engine, "connect")
def durable_sqlite(connection, _record):
    # WAL with a full sync per commit: an acknowledged sign-up survives a crash.
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    salt: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))


class Credentials(BaseModel):
    username: str
    password: str


def digest(password: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 100_000).hex()


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield
    await engine.dispose()


app = FastAPI(title="Ledger", lifespan=lifespan)


async def session():
    async with sessions() as s:
        yield s


@app.get("/api/v1/system/health")
async def health() -> dict:
    return {"status": "ok"}


@app.post("/api/v1/auth/signup", status_code=201)
async def sign_up(body: Credentials, db: AsyncSession = Depends(session)) -> dict:
    if await db.get(Account, body.username):
        raise HTTPException(409, "username taken")
    salt = secrets.token_hex(16)
    db.add(Account(username=body.username, salt=salt, digest=digest(body.password, salt)))
    await db.commit()
    return {"username": body.username}


@app.post("/api/v1/auth/login")
async def log_in(body: Credentials, db: AsyncSession = Depends(session)) -> dict:
    account = (await db.execute(select(Account).where(Account.username == body.username))).scalar_one_or_none()
    if account is None or not hmac.compare_digest(account.digest, digest(body.password, account.salt)):
        raise HTTPException(401, "wrong username or password")
    return {"token": secrets.token_urlsafe(24)}
