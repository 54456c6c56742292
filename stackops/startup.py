"""Waiting until a started stack is ready, and saying why it is not.

Compose's `up --wait` gives up on the first restart of a container, and it
counts a container without a healthcheck as ready the moment it runs. Real
services are slower and rougher than that: an app that crashes once because
its database is not up yet and is brought back by its restart policy is
starting, not failing; a crash loop is failing. And a service that names a
health path is ready when that path answers, whatever its container says.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from stackops.console import say
from stackops.engine import SERVICE_LABEL, error_lines, last_logs, project_containers, service_states
from stackops.lazy import docker, requests
from stackops.settings import StackSettings

#: Restarts since `up` began that make a crash loop; fewer are a service still starting.
CRASH_LOOP_RESTARTS = 3
HEARTBEAT_SECONDS = 10
T = TypeVar("T")


def poll(probe: Callable[[], T | None], deadline: float, interval: float = 0.5) -> T | None:
    """Call `probe` until it returns something truthy or the monotonic deadline passes; its last answer."""
    while True:
        answer = probe()
        if answer or time.monotonic() >= deadline:
            return answer
        time.sleep(max(0.0, min(interval, deadline - time.monotonic())))


def restart_counts(client: docker.DockerClient, project: str) -> dict[str, int]:
    """Restarts per container ID so far: the baseline a start is measured from."""
    return {c.id: c.attrs.get("RestartCount", 0) for c in project_containers(client, project)}


def restarts_since(client: docker.DockerClient, project: str, baseline: dict[str, int]) -> dict[str, int]:
    """Per service, how often its containers restarted since the baseline; a restarting one counts as restarted."""
    counts: dict[str, int] = {}
    for container in project_containers(client, project):
        service = container.labels.get(SERVICE_LABEL, container.name)
        restarts = container.attrs.get("RestartCount", 0) - baseline.get(container.id, 0)
        restarts += 1 if container.attrs["State"].get("Restarting") else 0
        if restarts > 0:
            counts[service] = counts.get(service, 0) + restarts
    return counts


def crash_loop(restarts: dict[str, int]) -> str | None:
    """The service that has restarted too often to be merely starting, if any."""
    return next((service for service, count in restarts.items() if count >= CRASH_LOOP_RESTARTS), None)


def unsettled(client: docker.DockerClient, project: str) -> list[str]:
    """Services not yet running healthy (a one-shot that exited 0 is done), as `service (state)`."""
    pending = []
    for container in project_containers(client, project):
        state = container.attrs["State"]
        policy = (container.attrs["HostConfig"].get("RestartPolicy") or {}).get("Name") or "no"
        if container.status == "exited" and state.get("ExitCode") == 0 and policy == "no":
            continue
        health = (state.get("Health") or {}).get("Status")
        if container.status != "running" or health not in (None, "healthy"):
            pending.append(f"{container.labels.get(SERVICE_LABEL, container.name)} ({health or container.status})")
    return pending


def answer(url: str) -> str | None:
    """None when the URL answers 2xx or 3xx; else what it answered, or why it did not."""
    try:
        response = requests.get(url, timeout=5, allow_redirects=False)
    except requests.RequestException as error:
        return f"no answer ({type(error).__name__})"
    return None if response.status_code < 400 else f"{response.status_code}: {response.text[:160]}"


def waiting_for(client: docker.DockerClient, settings: StackSettings) -> str:
    """What a long start is waiting on, for the heartbeat line."""
    pending = unsettled(client, settings.project)
    return "waiting for " + ", ".join(pending) if pending else "building or creating"


class Heartbeat:
    """A line every HEARTBEAT_SECONDS saying what a long start waits for."""

    def __init__(self, client: docker.DockerClient, settings: StackSettings, start: float):
        self.client, self.settings, self.start, self.last = client, settings, start, time.monotonic()

    def beat(self, doing: str = "") -> None:
        if time.monotonic() - self.last >= HEARTBEAT_SECONDS:
            self.last = time.monotonic()
            say(f"    {self.last - self.start:4.0f}s: {doing or waiting_for(self.client, self.settings)}")


def explain_failed_start(
    client: docker.DockerClient, settings: StackSettings, compose_error: str = "", why: str = "", show: list[str] | None = None
) -> str:
    """Print the error lines and log tail of each unready service (or those named); one sentence naming them."""
    states = service_states(client, settings.project)
    bad = [s for s in states if not s.ok]
    for state in [s for s in states if s.service in show] if show else bad:
        log = last_logs(client, settings.project, state.service, lines=500)
        say(f"--- {state.service} ({state.status}, {state.health}) ---")
        errors = error_lines(log)
        if errors:
            say("errors:\n" + "\n".join(errors))
        say("last lines:\n" + ("\n".join(log.splitlines()[-20:]) or "(no output)"))
    if not states:
        said = f": Compose said {compose_error!r}" if compose_error else ""
        return f"{settings.project} did not start{said} (its whole output is above)"
    if why:
        return f"{why}; its errors and last log lines are above (more: inv logs --env {settings.cli_env})"
    if not bad and compose_error:
        return f"Compose's up --wait failed for {settings.project}: {compose_error}"
    if not bad:
        return f"{settings.project} did not become healthy within {settings.wait_timeout}s; raise WAIT_TIMEOUT in {settings.env_file} or see `inv logs`"
    names = ", ".join(f"{s.service} ({s.status}, {s.health})" for s in bad)
    return f"{names} of {settings.project} did not become healthy; its errors and last log lines are above (more: inv logs --env {settings.cli_env})"
