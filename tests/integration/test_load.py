"""The service under concurrent load, on the PostgreSQL stack: nothing fails, nothing acknowledged is lost.

Not timed: how fast is `inv bench`'s business. These tests say what happens.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

CLIENTS = 256
REQUESTS_PER_CLIENT = 12  # half writes, half reads of the client's own notes


def client_run(url: str, number: int, barrier: threading.Barrier) -> tuple[dict[int, str], list[str]]:
    """One client: alternately creates a note and reads back the one it created last."""
    acknowledged, failures = {}, []
    with requests.Session() as http:
        barrier.wait()  # every client starts at once
        last = None
        for index in range(REQUESTS_PER_CLIENT):
            try:
                if index % 2 == 0:
                    title = f"c{number}-{index}"
                    response = http.post(f"{url}/api/v1/notes", json={"title": title}, timeout=60)
                    if response.status_code == 201:
                        last = response.json()["id"]
                        acknowledged[last] = title
                        continue
                else:
                    response = http.get(f"{url}/api/v1/notes/{last}", timeout=60)
                    if response.status_code == 200 and response.json()["title"] == acknowledged[last]:
                        continue
                failures.append(f"{response.request.method} {response.status_code} {response.text[:120]}")
            except requests.RequestException as error:
                failures.append(f"{type(error).__name__}: {error}"[:200])
    return acknowledged, failures


def test_256_concurrent_clients_of_mixed_reads_and_writes_all_succeed(pg):
    url = pg.url()
    barrier = threading.Barrier(CLIENTS)
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        runs = list(pool.map(lambda n: client_run(url, n, barrier), range(CLIENTS)))
    failures = [failure for _, failed in runs for failure in failed]
    assert not failures, f"{len(failures)} failed requests, e.g. {failures[:5]}"
    acknowledged = {note: title for written, _ in runs for note, title in written.items()}
    assert len(acknowledged) == CLIENTS * REQUESTS_PER_CLIENT // 2
    total = requests.get(f"{url}/api/v1/notes?limit=1", timeout=10).json()["total"]
    assert total >= len(acknowledged)
    with requests.Session() as http:
        lost = [n for n, t in acknowledged.items() if http.get(f"{url}/api/v1/notes/{n}", timeout=10).json().get("title") != t]
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
