"""The second HTTP service: prices the api asks for (deterministic, so tests can check them)."""

import zlib

from fastapi import FastAPI

app = FastAPI(title="Pricing")


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@app.get("/prices/{symbol}")
async def price(symbol: str) -> dict:
    return {"symbol": symbol, "price": round(10 + zlib.crc32(symbol.encode()) % 9000 / 100, 2)}
