"""The server section: a deploy to the SSH test host under a client loop, against restarting the serving container in place."""

from __future__ import annotations

import re
import statistics
import subprocess
import time

import requests

from bench.core import Bench, env_file, inv_command
from fastapi_stackops import StackError
from fastapi_stackops.console import step
from fastapi_stackops.ship.testhost import KEYS, NAME
from tests.utils.clients import ClientLoop

PROXY_PORT = "8090"
SWITCHED = re.compile(r"proxy switched in ([\d.]+)s")
RUNS = 3


def _inv(bench: Bench, *args: str) -> tuple[float, str]:
    start = time.monotonic()
    result = subprocess.run(inv_command(*args), cwd=bench.workspace, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise StackError(f"bench: inv {' '.join(args)} failed:\n{result.stdout[-3000:]}")
    return time.monotonic() - start, result.stdout


def _under_load(address: str, change) -> tuple[float, ClientLoop, object]:
    """Seconds `change` takes while a client reads the health path through the stable address, that client, what it returned."""
    with ClientLoop(lambda: requests.get(f"{address}/health", timeout=30).raise_for_status(), pause=0.01) as loop:
        time.sleep(1)
        start = time.monotonic()
        returned = change()
        seconds = time.monotonic() - start
        time.sleep(1)
    return seconds, loop, returned


def _restart_in_place(project: str) -> None:
    """The plain way on one host: restart the serving container (no second one, no switch)."""
    ssh = ["ssh", "-F", str(KEYS / "ssh_config"), NAME]
    names = subprocess.run(
        [*ssh, f"docker ps -q --filter label=com.docker.compose.project={project} --filter label=com.docker.compose.service=api"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    subprocess.run([*ssh, "docker", "restart", *names], capture_output=True, check=True)


def bench_server(bench: Bench) -> None:
    """inv deploy under a client loop (longest wait, failures) against `docker restart` of the serving container."""
    made = not bench.client.containers.list(all=True, filters={"name": NAME})
    if made:
        _inv(bench, "test-host.up")
    env = env_file(bench, "server", "server", PROXY_PORT=PROXY_PORT, SSH_CONFIG=str(KEYS / "ssh_config"))
    address = f"http://{bench.client.containers.get(NAME).attrs['NetworkSettings']['IPAddress']}:{PROXY_PORT}"
    try:
        with step("first deploy to the test host"):
            first, _ = _inv(bench, "deploy", "--env", str(env))
        bench.add("server", "first deploy (build on the host)", first, "s")
        deploys, switches, loops = [], [], []
        for _ in range(RUNS):
            seconds, loop, output = _under_load(address, lambda: _inv(bench, "deploy", "--env", str(env), "--no-build")[1])
            deploys.append(seconds)
            switches.append(float(SWITCHED.search(output).group(1)))
            loops.append(loop)
        project = _project(env)
        restarts = [_under_load(address, lambda: _restart_in_place(project))[1] for _ in range(RUNS)]
        _report(bench, deploys, switches, loops, restarts)
    finally:
        _inv(bench, "clean", "--env", str(env), "--volumes", "--yes")
        if made:
            _inv(bench, "test-host.down")


def _project(env) -> str:
    return next(
        line.split("=", 1)[1] for line in reversed(env.read_text().splitlines()) if line.startswith("COMPOSE_PROJECT_NAME=")
    )


def _report(bench: Bench, deploys, switches, loops, restarts) -> None:
    longest = max(loop.longest for loop in loops)
    restart_longest = max(loop.longest for loop in restarts)
    failed = sum(loop.failed for loop in loops)
    restart_failed = sum(loop.failed for loop in restarts)
    bench.add("server", "redeploy under a client loop", statistics.median(deploys), "s")
    bench.add("server", "proxy switch (reload)", statistics.median(switches), "s")
    bench.add("server", "longest client wait, deploys", longest, "s", "docker restart in place", restart_longest)
    bench.add("server", "failed requests, deploys", failed, "", "docker restart in place", restart_failed, "0", failed == 0)
