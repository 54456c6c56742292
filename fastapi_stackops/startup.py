"""Waiting until a started stack is ready: `compose up --wait`, restarts told from crash loops, health paths answering.

Compose's `up --wait` gives up on the first restart of a container, and it
counts a container without a healthcheck as ready the moment it runs. Real
services are slower and rougher than that: an app that crashes once because
its database is not up yet and is brought back by its restart policy is
starting, not failing; a crash loop is failing. And a service that names a
health path is ready when that path answers, whatever its container says.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urlsplit

from fastapi_stackops import StackError
from fastapi_stackops.compose import up_args
from fastapi_stackops.console import say
from fastapi_stackops.diagnosis import explain_failed_start, given_up_on
from fastapi_stackops.engine import finished_one_shot, service_of
from fastapi_stackops.stack import Stack
from fastapi_stackops.waiting import poll, within

#: Restarts since `up` began that make a crash loop; fewer are a service still starting.
CRASH_LOOP_RESTARTS = 3
#: How long a failed `compose up --wait` is given to show that a container is restarting.
RESTART_GRACE_SECONDS = 3
HEARTBEAT_SECONDS = 10
#: How long a running container that turned unhealthy during `up` is watched for a passing check.
UNHEALTHY_RECOVERY_SECONDS = 30


def restart_counts(containers: list) -> dict[str, int]:
    """Restarts per container ID so far: the baseline a start is measured from."""
    return {c.id: c.attrs.get("RestartCount", 0) for c in containers}


def restarts_since(containers: list, baseline: Mapping[str, int]) -> dict[str, int]:
    """Per service, how often its containers restarted since the baseline; a restarting one counts as restarted."""
    counts: dict[str, int] = {}
    for container in containers:
        restarts = container.attrs.get("RestartCount", 0) - baseline.get(container.id, 0)
        restarts += 1 if container.attrs["State"].get("Restarting") else 0
        if restarts > 0:
            counts[service_of(container)] = counts.get(service_of(container), 0) + restarts
    return counts


def crash_loop(restarts: Mapping[str, int]) -> str | None:
    """The service that has restarted too often to be merely starting, if any."""
    return next((service for service, count in restarts.items() if count >= CRASH_LOOP_RESTARTS), None)


def unsettled(containers: list) -> list[str]:
    """Services not yet running healthy (a one-shot that exited 0 is done), as `service (state)`."""
    pending = []
    for container in containers:
        if finished_one_shot(container):
            continue
        health = (container.attrs["State"].get("Health") or {}).get("Status")
        if container.status != "running" or health not in (None, "healthy"):
            pending.append(f"{service_of(container)} ({health or container.status})")
    return pending


def answer(url: str) -> str | None:
    """None when the URL answers 2xx or 3xx; else what it answered, or why it did not. Asked with the standard
    library: requests' import (~90 ms here) would lie after Compose at every `inv up`."""
    parts = urlsplit(url)
    connection = (HTTPSConnection if parts.scheme == "https" else HTTPConnection)(parts.netloc, timeout=5)
    try:
        connection.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        response = connection.getresponse()
        text = response.read(160).decode(errors="replace")
    except (OSError, HTTPException) as error:
        return f"no answer ({type(error).__name__})"
    finally:
        connection.close()
    return None if response.status < 400 else f"{response.status}: {text}"


class Launch:
    """One `up` in progress: its deadline, the restart counts it started from, and a line every HEARTBEAT_SECONDS."""

    def __init__(self, stack: Stack, base: Mapping[str, str]):
        self.stack, self.base = stack, base
        self.start = self.beaten = time.monotonic()
        self.deadline = self.start + stack.settings.wait_timeout
        self.baseline = restart_counts(stack.containers())

    def beat(self, doing: str = "") -> None:
        if time.monotonic() - self.beaten >= HEARTBEAT_SECONDS:
            self.beaten = time.monotonic()
            pending = unsettled(self.stack.containers())
            waiting = "waiting for " + ", ".join(pending) if pending else "building or creating"
            say(f"    {self.beaten - self.start:4.0f}s: {doing or waiting}")

    def fail(self, why: str = "", show: list[str] | None = None, compose_error: str = "") -> StackError:
        return StackError(explain_failed_start(self.stack, compose_error, why, show))

    def look(self) -> dict[str, int]:
        """Look at the containers anew; restarts per service since this up began. A crash loop is a failure at once.

        A service restarting while another is still starting (an app that exits
        until its database answers) is waiting, not looping: its count starts
        again from there. So is one restarting while another is unhealthy early
        in the up (a check that gave up before a slow first start was done).
        """
        containers = self.stack.look_again().containers()
        early = time.monotonic() - self.start < UNHEALTHY_RECOVERY_SECONDS
        failing = ("(restarting)", "(exited)") if early else ("(restarting)", "(exited)", "(unhealthy)")
        # Still starting, not failing: a service whose healthcheck has not passed yet, or being created.
        pending = {e.split(" (")[0] for e in unsettled(containers) if not e.endswith(failing)}
        restarts = restarts_since(containers, self.baseline)
        for service in [s for s in restarts if pending - {s}]:
            self.baseline.update({c.id: c.attrs.get("RestartCount", 0) for c in containers if service_of(c) == service})
            restarts[service] = (
                1 if any(c.attrs["State"].get("Restarting") for c in containers if service_of(c) == service) else 0
            )
        looping = crash_loop(restarts)
        if looping:
            raise self.fail(
                f"{looping} of {self.stack.project} is crash-looping: it restarted {restarts[looping]} times since up began"
            )
        return restarts

    def run(self, build: bool) -> None:
        """Start the stack and wait until every service is healthy and every health path answers; else say why."""
        while not self.compose_up(build):
            build = False  # a second pass only finishes what a restart interrupted
            self.settle()
        self.stack.look_again()  # the ports as the started containers publish them
        self.health_paths()

    def compose_up(self, build: bool) -> bool:
        """`compose up --wait` within what is left of the deadline; False when a service restarted on the way."""
        remaining = max(1, round(self.deadline - time.monotonic()))
        compose = self.stack.start_compose(up_args(self.stack.settings, build=build, timeout=remaining), self.base)
        checked = time.monotonic()
        while compose.running():
            time.sleep(0.02)  # Compose's exit is noticed at once, the engine asked every half second
            if time.monotonic() - checked >= 0.5:
                checked = time.monotonic()
                try:
                    self.look()
                except StackError:
                    compose.kill()  # no use waiting for a service that is crashing
                    raise
                self.beat()
        if compose.wait() == 0:
            return True
        # Compose may give up at a container's first exit, before the engine
        # counts its restart: a moment's grace tells a restart from a failure.
        grace = min(within(RESTART_GRACE_SECONDS), self.deadline)
        restarted = poll(self.look, grace, interval=0.2)
        said = compose.said.last_line()
        if time.monotonic() < self.deadline and (restarted or self.recovered(said)):
            return False
        raise self.fail(compose_error=said)

    def recovered(self, said: str) -> bool:
        """A running container Compose gave up on as unhealthy passes its check soon after, or already has by the time
        it is looked at (`said`, Compose's words, names it): it was slow, not broken.

        A healthcheck with few retries and no start period marks a database
        unhealthy while it initialises a new volume; the engine marks it
        healthy at its next passing check, which Compose no longer waits for.
        """

        def none_unhealthy():
            self.look()
            self.beat()
            return not self.unhealthy()

        gave_up = bool(self.unhealthy() or given_up_on(said, why=("is unhealthy",)))
        return gave_up and bool(poll(none_unhealthy, min(within(UNHEALTHY_RECOVERY_SECONDS), self.deadline)))

    def unhealthy(self) -> list[str]:
        return [e for e in unsettled(self.stack.containers()) if e.endswith("(unhealthy)")]

    def settle(self) -> None:
        """A service restarted during start-up: wait until every container runs healthy again, or it loops."""

        def settled():
            self.look()
            self.beat()
            return not unsettled(self.stack.containers())

        if not poll(settled, self.deadline):
            pending = ", ".join(unsettled(self.stack.containers()))
            raise self.fail(f"{pending} of {self.stack.project} still not healthy after {self.stack.settings.wait_timeout}s")

    def health_paths(self) -> None:
        """Every HTTP service the contract gives a ready (else health) path answers it: running is not serving."""
        stack, model = self.stack, self.stack.model
        for name in model.active:
            contract = stack.config.service(name)
            path = contract.ready or contract.health
            if not (contract.is_http and path and (name == stack.config.entry or model.services[name].ports)):
                continue
            last = ""

            def answered(name=name, path=path):
                nonlocal last
                if last:  # asked before and not answered: a restart may have published an engine-chosen port anew
                    self.look()
                self.beat(f"waiting for {name} to answer {path} ({last or 'not asked yet'})")
                try:
                    url = stack.url(name)
                except StackError as error:  # restarting after Compose saw it run: no port published right now
                    last = str(error).split(";")[0]
                    return False
                last = answer(url + path) or ""
                return not last

            if not poll(answered, self.deadline):
                raise self.fail(f"{name} did not answer {path} within {stack.settings.wait_timeout}s (last: {last})", [name])
