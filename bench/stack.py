"""The stack and cli sections: `inv up` and `inv down` against plain Compose, engine calls per up, `inv --list`."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

from bench.core import Bench, append_line, env_file, inv_command, median_of, stack_env, timed
from fastapi_stackops import lifecycle
from fastapi_stackops.compose import compose_command, down_args, up_args
from fastapi_stackops.console import step
from fastapi_stackops.engine import connect
from fastapi_stackops.settings import load_settings
from fastapi_stackops.stack import Stack


def bench_stack(bench: Bench) -> None:
    """`inv up` to healthy and `inv down` against the same Compose commands run plainly, on the same stack."""
    ws = bench.workspace
    for label, base, extra in (
        ("SQLite", "dev", {"COMPOSE_FILE": "docker/compose.yaml", "APP_LOG_LEVEL": "INFO"}),
        ("PostgreSQL", "ci", {}),
    ):
        env = env_file(bench, label.lower(), base, HEALTHCHECK_INTERVAL="1s", POSTGRES_PASSWORD="bench", **extra)
        settings = load_settings(str(env))
        plain_env = {**os.environ, **stack_env(Stack(settings, bench.client))}
        plain_up = compose_command(settings, *up_args(settings, build=False))
        plain_down = compose_command(settings, *down_args())
        try:
            with step(f"{label}: inv up and down against plain Compose, seven times each"):
                up_down_rows(bench, label, env, plain_up, plain_down, plain_env)
            with step(f"{label}: inv up of the running stack against plain Compose, three times each"):
                running_stack_rows(bench, label, env, plain_up, plain_env)
            if label == "SQLite":
                append_line(ws / "app/routers/notes.py", f"# bench edit {uuid.uuid4().hex}")
                with step("SQLite: inv up after a one-line change (rebuild and restart)"):
                    bench.rebuild_and_up = timed(inv_command("up", "--env", str(env)), ws)
        finally:
            subprocess.run(inv_command("clean", "--env", str(env), "--volumes", "--yes"), cwd=ws, capture_output=True)


def up_down_rows(bench: Bench, label: str, env: Path, plain_up: list[str], plain_down: list[str], plain_env: dict) -> None:
    """`inv up --no-build` from down to healthy, and `inv down`, against the same Compose commands run plainly, and
    Invoke's own start (`inv --version`) in the same rounds."""
    ws = bench.workspace
    timed(inv_command("up", "--env", str(env)), ws)  # builds, and makes the volumes: not counted
    timed(inv_command("down", "--env", str(env)), ws)
    ups, downs, plain_ups, plain_downs, starts = [], [], [], [], []
    for _ in range(
        7
    ):  # seven: the target's margin (0.15 s) is near the noise of one run here, and health checks tick once a second
        ups.append(timed(inv_command("up", "--env", str(env), "--no-build"), ws))
        downs.append(timed(inv_command("down", "--env", str(env)), ws))
        plain_ups.append(timed(plain_up, ws, plain_env))
        plain_downs.append(timed(plain_down, ws, plain_env))
        starts.append(timed(inv_command("--version"), ws))
    up, plain, start = statistics.median(ups), statistics.median(plain_ups), statistics.median(starts)
    bench.add("stack", f"{label}: inv up to healthy", up, "s", "docker compose up --wait", plain)
    # What inv up adds to Compose's own up, against Invoke's own start: the target is that start plus 0.15 s.
    added = up - plain
    met = added <= start + 0.15
    bench.add("stack", f"{label}: inv up over compose up --wait", added, "s", "inv --version", start, "<= it + 0.15 s", met)
    down, plain_down_seconds = statistics.median(downs), statistics.median(plain_downs)
    bench.add("stack", f"{label}: inv down", down, "s", "docker compose down", plain_down_seconds)


def running_stack_rows(bench: Bench, label: str, env: Path, plain_up: list[str], plain_env: dict) -> None:
    """What `inv up` adds to Compose finding nothing to do, in seconds and in engine API calls."""
    ws = bench.workspace
    timed(plain_up, ws, plain_env)
    again = statistics.median(timed(inv_command("up", "--env", str(env), "--no-build"), ws) for _ in range(3))
    plain_again = statistics.median(timed(plain_up, ws, plain_env) for _ in range(3))
    start = statistics.median(timed(inv_command("--version"), ws) for _ in range(3))
    stack = Stack(load_settings(str(env)), connect())
    calls = engine_calls_per_up(stack)
    bench.add("stack", f"{label}: inv up, stack running", again, "s", "docker compose up --wait", plain_again)
    # The same bound as from a stopped stack: what inv up adds is Invoke's own start and at most 0.15 s more.
    added, met = again - plain_again, again - plain_again <= start + 0.15
    bench.add("stack", f"{label}: inv up over compose, running", added, "s", "inv --version", start, "<= it + 0.15 s", met)
    bench.add("stack", f"{label}: engine API calls per inv up", calls, "", "containers", len(stack.look_again().containers()))


def engine_calls_per_up(stack: Stack) -> int:
    """HTTP requests to the engine one `inv up --no-build` of this running stack makes, counted on its client."""
    calls = []
    stack.client.api.hooks["response"].append(lambda response, *args, **kwargs: calls.append(response.request.path_url))
    lifecycle.up(stack, build=False)
    return len(calls)


def bench_cli(bench: Bench) -> None:
    """`inv --list` against Invoke's own start (`inv --version`) and the interpreter's."""
    with step("inv --list against inv --version and python -c pass, seven times each"):
        timed(inv_command("--list"), bench.workspace)  # warm the file cache
        listing = median_of(7, lambda: timed(inv_command("--list"), bench.workspace))
        invoke_alone = median_of(7, lambda: timed(inv_command("--version"), bench.workspace))
        bare = median_of(7, lambda: timed([sys.executable, "-c", "pass"], bench.workspace))
    met = listing <= 1.15 * invoke_alone
    bench.add("cli", "inv --list", listing * 1000, "ms", "inv --version", invoke_alone * 1000, "<= 1.15x", met)
    bench.add("cli", "inv --list", listing * 1000, "ms", "python -c pass", bare * 1000)
