"""Load on a running service: `ab` for throughput and latency, a bounded Python client for mixed reads and writes.

Traffic goes to the URL given (the bench and the tests give 127.0.0.1 only), in bounded counts.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from fastapi_stackops import StackError


@dataclass(frozen=True)
class AbRun:
    requests: int
    concurrency: int
    per_second: float
    p50_ms: float
    p99_ms: float
    failed: int  # connection errors, bad lengths and non-2xx answers


def ab(url: str, concurrency: int, count: int) -> AbRun:
    """One `ab` run of `count` GETs with keep-alive; the figures from its report."""
    if shutil.which("ab") is None:
        raise StackError("ab is missing: install Debian's apache2-utils (apt-get install apache2-utils)")
    report = subprocess.run(
        ["ab", "-q", "-k", "-r", "-s", "30", "-n", str(count), "-c", str(concurrency), url],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if report.returncode != 0:
        raise StackError(f"ab -c {concurrency} {url} failed: {(report.stderr or report.stdout).strip()[-300:]}")
    return parse_ab(report.stdout, count, concurrency)


def parse_ab(report: str, count: int, concurrency: int) -> AbRun:
    """The figures from ab's report; failed counts connection errors, bad lengths and non-2xx answers."""

    def number(pattern: str) -> float:
        found = re.search(pattern, report, re.MULTILINE)
        return float(found.group(1)) if found else 0.0

    return AbRun(
        requests=count,
        concurrency=concurrency,
        per_second=number(r"^Requests per second:\s+([\d.]+)"),
        p50_ms=number(r"^\s+50%\s+(\d+)"),
        p99_ms=number(r"^\s+99%\s+(\d+)"),
        failed=int(number(r"^Failed requests:\s+(\d+)") + number(r"^Non-2xx responses:\s+(\d+)")),
    )


@dataclass(frozen=True)
class MixedRun:
    acknowledged: dict[int, str]  # note id -> title, every write answered 201
    failures: list[str]  # one line per failed request
    seconds: float
    shed: int = 0  # answers of 503 with Retry-After, honoured and retried: back-pressure, not failure

    @property
    def requests(self) -> int:
        return len(self.acknowledged) * 2 + len(self.failures)


SHED_RETRIES = 3  # a request shed this often in a row counts as failed


def _honouring_retry_after(http: requests.Session, method: str, url: str, **options) -> tuple[requests.Response, int]:
    """The answer to one request, retried after each 503 that asks for it with Retry-After (the pool's back-pressure)."""
    for shed in range(SHED_RETRIES + 1):
        response = http.request(method, url, timeout=60, **options)
        if response.status_code != 503 or "Retry-After" not in response.headers or shed == SHED_RETRIES:
            return response, shed
        time.sleep(float(response.headers["Retry-After"]))
    raise AssertionError("unreachable")


def _mixed_client(url: str, number: int, rounds: int, barrier: threading.Barrier) -> tuple[dict[int, str], list[str], int]:
    """One client: creates a note, then reads it back, `rounds` times."""
    acknowledged, failures, shed = {}, [], 0
    with requests.Session() as http:
        barrier.wait()  # every client starts at once
        for index in range(rounds):
            try:
                title = f"c{number}-{index}"
                response, retried = _honouring_retry_after(http, "POST", f"{url}/api/v1/notes", json={"title": title})
                shed += retried
                if response.status_code != 201:
                    failures.append(f"POST {response.status_code} {response.text[:120]}")
                    continue
                note = response.json()["id"]
                acknowledged[note] = title
                response, retried = _honouring_retry_after(http, "GET", f"{url}/api/v1/notes/{note}")
                shed += retried
                if response.status_code != 200 or response.json()["title"] != title:
                    failures.append(f"GET {response.status_code} {response.text[:120]}")
            except requests.RequestException as error:
                failures.append(f"{type(error).__name__}: {error}"[:200])
    return acknowledged, failures, shed


def mixed_clients(url: str, clients: int, rounds: int) -> MixedRun:
    """`clients` concurrent clients each writing and reading back `rounds` notes of the reference service."""
    barrier = threading.Barrier(clients)
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        runs = list(pool.map(lambda n: _mixed_client(url, n, rounds, barrier), range(clients)))
    seconds = time.monotonic() - start
    return MixedRun(
        acknowledged={note: title for written, _, _ in runs for note, title in written.items()},
        failures=[failure for _, failed, _ in runs for failure in failed],
        seconds=seconds,
        shed=sum(shed for _, _, shed in runs),
    )


def missing_writes(url: str, acknowledged: dict[int, str]) -> list[int]:
    """Acknowledged notes that cannot be read back with their title."""
    with requests.Session() as http:
        return [n for n, t in acknowledged.items() if http.get(f"{url}/api/v1/notes/{n}", timeout=10).json().get("title") != t]
