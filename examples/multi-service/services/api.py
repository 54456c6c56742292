"""The api: orders priced by the pricing service and stored in PostgreSQL (async SQLAlchemy + psycopg)."""

import os
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Numeric, String, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

PRICING = os.environ.get("PRICING_URL", "http://pricing:8000")
engine = create_async_engine(os.environ["DATABASE_URL"], pool_size=5, pool_timeout=5)
sessions = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int]
    price: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False))


class OrderIn(BaseModel):
    symbol: str = Field(min_length=1, max_length=40)
    quantity: int = Field(gt=0)


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    app.state.pricing = httpx.AsyncClient(base_url=PRICING, timeout=5)
    yield
    await app.state.pricing.aclose()
    await engine.dispose()


app = FastAPI(title="Trading API", lifespan=lifespan)


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@app.get("/ready")
async def ready() -> JSONResponse:
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        (await app.state.pricing.get("/health")).raise_for_status()
    except Exception as error:  # any failure means not ready, with its reason
        return JSONResponse({"status": "unavailable", "reason": str(error)[:200]}, status_code=503)
    return JSONResponse({"status": "ready"})


@app.post("/api/v1/orders", status_code=201)
async def place(order: OrderIn) -> dict:
    quote = await app.state.pricing.get(f"/prices/{order.symbol}")
    quote.raise_for_status()
    async with sessions() as session:
        row = Order(symbol=order.symbol, quantity=order.quantity, price=quote.json()["price"])
        session.add(row)
        await session.commit()  # the 201 goes out after the commit
        return {"id": row.id, "symbol": row.symbol, "quantity": row.quantity, "price": row.price}


@app.get("/api/v1/orders/{order_id}")
async def read(order_id: int) -> dict:
    async with sessions() as session:
        row = await session.get(Order, order_id)
    if row is None:
        raise HTTPException(404, f"order {order_id} not found")
    return {"id": row.id, "symbol": row.symbol, "quantity": row.quantity, "price": row.price}
