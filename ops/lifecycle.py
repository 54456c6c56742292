"""Building, starting, stopping and cleaning a stack: the logic behind the tasks."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import docker
from invoke import Context

from ops import StackError
from ops.baseimages import ensure_base_images
from ops.compose import down_args, run_compose, up_args
from ops.console import say, step
from ops.engine import (
    container_publishing,
    crash_looping,
    last_logs,
    port_is_free,
    published_port,
    restart_counts,
    service_states,
)
from ops.settings import StackSettings


def check_port_free(client: docker.DockerClient, settings: StackSettings) -> None:
    """Refuse to start when the API's host port is taken by anything but this stack."""
    if settings.api_port == 0:
        return
    ours = published_port(client, settings.project)
    if ours and ours[1] == settings.api_port:
        return
    if not port_is_free(settings.api_bind, settings.api_port):
        holder = container_publishing(client, settings.api_port) or "another process"
        raise StackError(
            f"port {settings.api_port} on {settings.api_bind} is in use by {holder}; "
            f"set API_PORT in {settings.where('API_PORT')} to a free port (0 lets the engine choose) or stop it"
        )


def build(c: Context, settings: StackSettings, client: docker.DockerClient, no_cache: bool = False) -> dict[str, str]:
    """Build the stack's images; returns the base-image variables used."""
    base = ensure_base_images(settings, client)
    with step(f"building images of {settings.project}" + (" without cache" if no_cache else "")):
        run_compose(c, settings, ["build"] + (["--no-cache"] if no_cache else []), extra_env=base)
    return base


@dataclass(frozen=True)
class Started:
    url: str
    seconds: float


def up(c: Context, settings: StackSettings, client: docker.DockerClient, build: bool = True) -> Started:
    """Build if needed, start, wait for health; an unhealthy service's logs explain a failure."""
    settings.check_startable()
    check_port_free(client, settings)
    base = ensure_base_images(settings, client)
    start = time.monotonic()
    baseline = restart_counts(client, settings.project)
    with step(f"starting {settings.project} ({settings.env}) and waiting up to {settings.wait_timeout}s for health"):
        waiting = run_compose(c, settings, up_args(settings, build=build), extra_env=base, warn=True, asynchronous=True)
        crashed = None
        while not waiting.runner.process_is_finished and crashed is None:
            time.sleep(0.5)
            crashed = crash_looping(client, settings.project, baseline)
        if crashed:
            waiting.runner.kill()  # no use waiting for a service that is crashing
        result = waiting.join()
        if crashed or result.failed:
            raise StackError(explain_failed_start(client, settings))
    address = published_port(client, settings.project)
    if address is None:
        raise StackError(f"the api of {settings.project} publishes no port; check the ports of the api service")
    return Started(url=f"http://{address[0]}:{address[1]}", seconds=time.monotonic() - start)


ERROR_LINE = re.compile(r'"level": "(ERROR|CRITICAL)"|\b(ERROR|FATAL|PANIC):')


def error_lines(log: str, limit: int = 6) -> list[str]:
    """The last error lines of a log (JSON levels, PostgreSQL's ERROR/FATAL/PANIC).

    A container that keeps restarting buries its error under each new start's
    lines, so a failure is explained by its errors first, not only by the tail.
    """
    return [line for line in log.splitlines() if ERROR_LINE.search(line)][-limit:]


def explain_failed_start(client: docker.DockerClient, settings: StackSettings) -> str:
    states = service_states(client, settings.project)
    bad = [s for s in states if not s.ok]
    for state in bad:
        log = last_logs(client, settings.project, state.service, lines=500)
        say(f"--- {state.service} ({state.status}, {state.health}) ---")
        errors = error_lines(log)
        if errors:
            say("errors:\n" + "\n".join(errors))
        say("last lines:\n" + ("\n".join(log.splitlines()[-20:]) or "(no output)"))
    if not states:
        return f"{settings.project} did not start; Compose's error is above"
    if not bad:
        return f"{settings.project} did not become healthy within {settings.wait_timeout}s; raise WAIT_TIMEOUT in {settings.env_file} or see `inv logs`"
    names = ", ".join(f"{s.service} ({s.status}, {s.health})" for s in bad)
    return f"{names} of {settings.project} did not become healthy; its errors and last log lines are above (more: inv logs --env {settings.cli_env})"


def down(c: Context, settings: StackSettings, volumes: bool = False) -> None:
    with step(f"stopping {settings.project}" + (" and DELETING its volumes" if volumes else " (volumes kept)")):
        run_compose(c, settings, down_args(volumes=volumes))


def clean(c: Context, settings: StackSettings, volumes: bool = False) -> None:
    """Remove the project's containers, networks and the images it built; volumes only when asked.

    Compose selects by its project label, so nothing else on the host is touched.
    """
    with step(f"cleaning {settings.project}" + (" including its volumes (data deleted)" if volumes else " (volumes kept)")):
        run_compose(c, settings, down_args(volumes=volumes, images=True))
