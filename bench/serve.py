"""The reload and load sections: an edit to its response in the dev stack; ab against the PostgreSQL stack."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import requests

from bench.core import Bench, append_line, entry_url, env_file, inv_command, timed
from bench.load import ab, missing_writes, mixed_clients
from fastapi_stackops import StackError
from fastapi_stackops.console import step
from fastapi_stackops.waiting import poll, within


def answers_200(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_for_answer(url: str, timeout: float = 60) -> float:
    start = time.monotonic()
    if not poll(lambda: answers_200(url), within(timeout), interval=0.05):
        raise StackError(f"bench: {url} did not answer within {timeout:.0f}s")
    return time.monotonic() - start


def bench_reload(bench: Bench) -> None:
    """From saving an edit to the new response, in the dev stack (app/ mounted, the server reloading)."""
    ws = bench.workspace
    env = env_file(bench, "dev", "dev", HEALTHCHECK_INTERVAL="1s")
    try:
        with step("dev stack: an edit until its response"):
            timed(inv_command("up", "--env", str(env)), ws)
            url = entry_url(env)
            token = uuid.uuid4().hex[:8]
            append_line(
                ws / "app/routers/health.py",
                f'\n\n@router.get("/bench-{token}")\nasync def bench_{token}() -> dict:\n    return {{"token": "{token}"}}',
            )
            seconds = wait_for_answer(f"{url}/bench-{token}")
    finally:
        subprocess.run(inv_command("clean", "--env", str(env), "--volumes", "--yes"), cwd=ws, capture_output=True)
    baseline = bench.rebuild_and_up
    bench.add("reload", "hot reload: edit to new response", seconds, "s", "rebuild and inv up" if baseline else "", baseline)


def ensure_ab() -> None:
    if shutil.which("ab"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        with step("installing ab (Debian's apache2-utils)"):
            subprocess.run(["apt-get", "install", "-y", "-qq", "apache2-utils"], check=True, capture_output=True)
        return
    raise StackError("bench: ab is missing; install it with: sudo apt-get install apache2-utils")


def bench_load(bench: Bench) -> None:
    """ab on the PostgreSQL stack: clients 1 to 256, worker counts against plain uvicorn, then mixed reads and writes."""
    ensure_ab()
    ws = bench.workspace
    uvicorn_file = ws / "bench-uvicorn.yaml"
    uvicorn_file.write_text(
        "services:\n  api:\n    command: [uvicorn, --factory, app.main:create_app, --host, 0.0.0.0, --port, '8000', --no-access-log]\n"
    )
    env = env_file(bench, "load", "ci", HEALTHCHECK_INTERVAL="1s", POSTGRES_PASSWORD="bench")

    def start(**values: str) -> str:
        """(Re)start the stack with these values on top; its URL."""
        overlay = env.with_name(env.name.replace(".env.docker", ".local.env.docker"))
        overlay.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        timed(inv_command("up", "--env", str(env)), ws)
        return entry_url(env)

    try:
        with step("load: ab on /health and on a note's read, 1 to 256 clients (default workers)"):
            url = start()
            note = requests.post(f"{url}/api/v1/notes", json={"title": "bench"}, timeout=10).json()["id"]
            runs = {}
            for clients in (1, 16, 64, 256):
                for path in ("/health", f"/api/v1/notes/{note}"):
                    ab(f"{url}{path}", clients, max(200, clients))  # warm-up
                    runs[path, clients] = ab(f"{url}{path}", clients, max(2000, clients * 10))
        with step("load: reads at 64 clients, plain uvicorn, then gunicorn with 1, 2 and 4 workers"):
            per_config = reads_per_server(start, note, uvicorn_file)
        with step("load: 256 clients writing and reading back notes (default workers)"):
            url = start()
            mixed = mixed_clients(url, 256, 4)
            lost = missing_writes(url, mixed.acknowledged)
    finally:
        subprocess.run(inv_command("clean", "--env", str(env), "--volumes", "--yes"), cwd=ws, capture_output=True)
    load_rows(bench, note, runs, per_config)
    bench.add("load", "mixed, 256 clients: failed", len(mixed.failures), "", "requests", mixed.requests, "0", not mixed.failures)
    shed_ok = mixed.shed < mixed.requests * 0.05
    bench.add("load", "mixed, 256 clients: shed (503, retried)", mixed.shed, "", "requests", mixed.requests, "< 5%", shed_ok)
    bench.add("load", "mixed, 256 clients: writes lost", len(lost), "", "acknowledged", len(mixed.acknowledged), "0", not lost)
    bench.add("load", "mixed, 256 clients: req/s", mixed.requests / mixed.seconds, "req/s")


def reads_per_server(start: Callable[..., str], note: int, uvicorn_file: Path) -> dict:
    """ab of a note's read at 64 clients, the stack (re)started as plain uvicorn, then gunicorn with 1, 2 and 4 workers."""
    per_config = {}
    for label, values in (
        ("plain uvicorn (1 process)", {"COMPOSE_FILE": f"docker/compose.yaml:{uvicorn_file}"}),
        ("1 worker", {"WEB_CONCURRENCY": "1"}),
        ("2 workers", {"WEB_CONCURRENCY": "2"}),
        ("4 workers", {"WEB_CONCURRENCY": "4"}),
    ):
        config_url = start(**values)
        ab(f"{config_url}/api/v1/notes/{note}", 64, 300)  # warm-up
        per_config[label] = ab(f"{config_url}/api/v1/notes/{note}", 64, 4000)
    return per_config


def load_rows(bench: Bench, note: int, runs: dict, per_config: dict) -> None:
    """The ab runs as rows: throughput against one client, p99 against p50, worker counts against plain uvicorn."""
    for path, name in (("/health", "health"), (f"/api/v1/notes/{note}", "read")):
        for clients in (1, 16, 64, 256):
            run = runs[path, clients]
            bench.add("load", f"{name}, {clients} clients: req/s", run.per_second, "req/s", "1 client", runs[path, 1].per_second)
            target, met = "", None
            if name == "read" and clients == 64:
                target, met = "< 100 ms", run.p99_ms < 100
            bench.add("load", f"{name}, {clients} clients: p50 / p99", run.p99_ms, "ms", "p50", run.p50_ms, target, met)
            if run.failed or clients == 256:
                bench.add(
                    "load", f"{name}, {clients} clients: failed", run.failed, "", "requests", run.requests, "0", run.failed == 0
                )
    plain = per_config["plain uvicorn (1 process)"].per_second
    for label, run in per_config.items():
        if label.startswith("plain"):
            continue
        bench.add("load", f"reads at 64 clients, {label}", run.per_second, "req/s", "plain uvicorn", plain)
    two, one = per_config["2 workers"].per_second, per_config["1 worker"].per_second
    bench.add("load", "reads at 64 clients, 2 workers", two, "req/s", "1 worker", one, ">= 1.5x", two >= 1.5 * one)
