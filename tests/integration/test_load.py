"""The service under concurrent load, on the PostgreSQL stack: nothing fails, nothing acknowledged is lost.

Not timed: how fast is `inv bench`'s business. These tests say what happens.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests

from bench.load import missing_writes, mixed_clients
from tests.utils import same_for_every_newcomer

# Alone and last: 256 clients against one api, with the pool's 10 s timeout; builds beside would starve it.
pytestmark = [same_for_every_newcomer, pytest.mark.alone]

CLIENTS = 256
ROUNDS = 6  # each a write and a read back of what was written: 12 requests per client


def test_256_concurrent_clients_of_mixed_reads_and_writes_all_succeed(postgres_stack):
    url = postgres_stack.url()
    run = mixed_clients(url, CLIENTS, ROUNDS)
    print(f"load figure: {run.requests} requests in {run.seconds:.1f}s, {run.shed} shed with 503 + Retry-After and retried")
    assert not run.failures, f"{len(run.failures)} failed requests, e.g. {run.failures[:5]}"
    # Shedding is the pool's honest back-pressure, but a pool sized right sheds rarely.
    assert run.shed < run.requests * 0.05, f"{run.shed} of {run.requests} requests shed"
    assert len(run.acknowledged) == CLIENTS * ROUNDS
    total = requests.get(f"{url}/api/v1/notes?limit=1", timeout=10).json()["total"]
    assert total >= len(run.acknowledged)
    lost = missing_writes(url, run.acknowledged)
    assert not lost, f"{len(lost)} acknowledged writes are missing"


def test_an_exhausted_pool_answers_503_at_once_naming_the_cause(stacks):
    # One worker with one connection: a request holding it leaves none for the next.
    stack = stacks(
        "ci",
        APP_TESTING_ENDPOINTS="true",
        WEB_CONCURRENCY="1",
        APP_DB_POOL_SIZE="1",
        APP_DB_POOL_OVERFLOW="0",
        APP_DB_POOL_TIMEOUT="0.5",
    )
    url = stack.up()
    holder = threading.Thread(target=requests.get, args=(f"{url}/api/v1/_testing/hold-connection?seconds=5",), daemon=True)
    holder.start()
    time.sleep(1)
    start = time.monotonic()
    response = requests.get(f"{url}/api/v1/notes", timeout=30)
    waited = time.monotonic() - start
    assert response.status_code == 503, response.text
    assert response.json()["detail"].startswith("database busy") and response.headers["Retry-After"] == "1"
    assert waited < 3  # the pool timeout, not a 30 s stall
    holder.join(timeout=10)
    assert requests.get(f"{url}/api/v1/notes", timeout=5).status_code == 200  # free again
    stack.inv("down")
