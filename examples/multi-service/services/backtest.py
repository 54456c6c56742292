"""The third service, behind the `backtest` profile: replays prices from pricing."""

import os

import httpx
from fastapi import FastAPI

app = FastAPI(title="Backtest")
PRICING = os.environ.get("PRICING_URL", "http://pricing:8000")


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@app.get("/runs/{symbol}")
async def run(symbol: str) -> dict:
    async with httpx.AsyncClient(timeout=5) as client:
        price = (await client.get(f"{PRICING}/prices/{symbol}")).json()["price"]
    return {"symbol": symbol, "profit": round(price * 0.01, 2)}
