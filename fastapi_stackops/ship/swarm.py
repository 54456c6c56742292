"""Deploying a stack to Docker Swarm and waiting until Swarm says every service converged, or naming the task error that stops it.

The stack file comes from fastapi_stackops.ship.stackfile; the images every node pulls from fastapi_stackops.ship.registry.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.commands import run
from fastapi_stackops.compose import config_json, parse_model
from fastapi_stackops.console import say, step
from fastapi_stackops.diagnosis import log_summary
from fastapi_stackops.engine import label_filter
from fastapi_stackops.lazy import docker
from fastapi_stackops.settings import compose_environment
from fastapi_stackops.ship.registry import pinned_images
from fastapi_stackops.ship.stackfile import (
    FAILURES_BEFORE_GIVING_UP,
    ONE_SHOT_LABEL,
    STACK_LABEL,
    environment_secrets,
    leaked_secrets,
    secret_name,
    stack_definition,
)
from fastapi_stackops.stack import Stack
from fastapi_stackops.waiting import poll, within

#: Task states after which a task will never run again.
FAILED_STATES = ("failed", "rejected")


@dataclass(frozen=True)
class TaskAddress:
    task: str  # api.1
    node: str
    url: str


def stack_filter(stack: str) -> dict:
    """What `docker stack deploy` labels as the stack's."""
    return label_filter((STACK_LABEL, stack))


def ensure_secrets(client: docker.DockerClient, stack: str, values: Mapping[str, str]) -> dict[str, str]:
    """Create the content-named Swarm secrets that do not exist yet; key -> secret name."""
    names = {}
    existing = {s.name for s in client.secrets.list(filters=stack_filter(stack))}
    for key, value in values.items():
        name = names[key] = secret_name(stack, key, value)
        if name not in existing:
            # The stack's label: `docker stack rm` removes it with the stack.
            client.secrets.create(name=name, data=value.encode(), labels={STACK_LABEL: stack})
    return names


def stack_deploy(stack: str, definition: Mapping) -> None:
    """`docker stack deploy` of the definition; the CLI's own words on failure."""
    with tempfile.TemporaryDirectory() as scratch:
        file = Path(scratch) / "stack.json"  # JSON is YAML: the CLI reads it as a stack file
        file.write_text(json.dumps(definition, indent=2))
        file.chmod(0o600)
        command = ["docker", "stack", "deploy", "--prune", "--with-registry-auth", "--compose-file", str(file), stack]
        result = run(command, capture=True, what=f"docker stack deploy {stack} failed")
    # What the CLI leaves out ("Ignoring unsupported options") the user must hear.
    for line in result.stderr.splitlines():
        if line.startswith("Ignoring"):
            say(f"    docker stack deploy: {line.strip()}")


def stack_services(client: docker.DockerClient, stack: str):
    return client.services.list(filters=stack_filter(stack))


def _current(task: Mapping, service) -> bool:
    """A task of the service's present spec (an update replaces the others)."""
    template = service.attrs["Spec"]["TaskTemplate"]
    spec = task.get("Spec", {})
    return spec.get("ContainerSpec", {}).get("Image") == template.get("ContainerSpec", {}).get("Image") and spec.get(
        "ForceUpdate", 0
    ) == template.get("ForceUpdate", 0)


def timestamp(text: str) -> float:
    """Seconds since the epoch of the engine's RFC 3339 times (nanoseconds cut to what Python parses)."""
    if not text:
        return 0.0
    main, _, fraction = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(main).replace(tzinfo=UTC).timestamp() + float(f"0.{fraction or 0}")


def _task_log(client: docker.DockerClient, service, task: Mapping) -> str:
    """The failed task's own log when its container is on this node; else the service's (every task's) tail."""
    container_id = task["Status"].get("ContainerStatus", {}).get("ContainerID")
    try:
        if container_id:
            return client.containers.get(container_id).logs(tail=40).decode("utf-8", "replace")
    except docker.errors.NotFound:
        pass
    try:
        return b"".join(service.logs(stdout=True, stderr=True, tail=40)).decode("utf-8", "replace")
    except docker.errors.APIError:
        return ""


def _service_error(client: docker.DockerClient, service, failed: list[Mapping]) -> str:
    last = failed[-1]["Status"]
    reason = last.get("Err") or last.get("Message") or last.get("State")
    errors = log_summary(_task_log(client, service, failed[-1]))
    return (
        f"service {service.name}: {len(failed)} task(s) failed, the last with: {reason}"
        + (f"; its log says: {' | '.join(errors)}" if errors else "")
        + f" (docker service ps --no-trunc {service.name})"
    )


def _this_deploys_update(service) -> dict:
    """The service's UpdateStatus, unless it tells how an earlier deploy's update ended (this one's not started yet)."""
    update = service.attrs.get("UpdateStatus") or {}
    if update.get("State") != "updating" and timestamp(update.get("StartedAt", "")) < timestamp(service.attrs["UpdatedAt"]):
        return {}
    return update


def _new_failures(tasks: list[Mapping], known_tasks: set[str]) -> list[Mapping]:
    """Failed tasks this deploy made, oldest first."""
    failed = (t for t in tasks if t["Status"]["State"] in FAILED_STATES and t["ID"] not in known_tasks)
    return sorted(failed, key=lambda t: t["Status"]["Timestamp"])


def service_progress(client: docker.DockerClient, service, known_tasks: set[str]) -> tuple[bool, str | None, str]:
    """(converged, error or None, what it is waiting for) of one service, from its tasks."""
    service.reload()
    spec = service.attrs["Spec"]
    update = _this_deploys_update(service)
    every = service.tasks()
    if update.get("State") in ("paused", "rollback_started", "rollback_paused", "rollback_completed"):
        failed = _new_failures(every, known_tasks)
        detail = _service_error(client, service, failed) if failed else f"service {service.name}"
        return False, f"{detail}; the update was {update['State'].replace('_', ' ')}: {update.get('Message', '')}", ""
    tasks = [t for t in every if _current(t, service)]
    one_shot = spec.get("Labels", {}).get(ONE_SHOT_LABEL) == "true"
    if one_shot and any(t["Status"]["State"] == "complete" for t in tasks):
        return True, None, ""
    failed = _new_failures(tasks, known_tasks)
    if len(failed) >= FAILURES_BEFORE_GIVING_UP:
        return False, _service_error(client, service, failed), ""
    if one_shot:
        return False, None, f"{service.name}: running once"
    wanted = spec.get("Mode", {}).get("Replicated", {}).get("Replicas", 1)
    # Every task Swarm wants running (an update has old and new ones) runs, of the present spec.
    desired = [t for t in every if t["DesiredState"] == "running"]
    running = [t for t in desired if t["Status"]["State"] == "running" and _current(t, service)]
    if len(running) == len(desired) == wanted and update.get("State") != "updating":
        return True, None, ""
    return False, None, f"{service.name}: {len(running)}/{wanted} running"


def wait_converged(client: docker.DockerClient, stack: str, known_tasks: set[str], timeout: float) -> float:
    """Poll until every service of the stack converged; seconds taken. Fails on the first service that cannot."""
    start = time.monotonic()
    waiting: list[str] = []

    def converged() -> bool:
        waiting.clear()
        for service in stack_services(client, stack):
            done, error, status = service_progress(client, service, known_tasks)
            if error:
                raise StackError(error)
            if not done:
                waiting.append(status)
        return not waiting

    if not poll(converged, start + timeout, interval=1):
        raise StackError(
            f"stack {stack} did not converge in {timeout:.0f} s: {'; '.join(waiting)} (docker stack ps --no-trunc {stack})"
        )
    return time.monotonic() - start


def stack_tasks(client: docker.DockerClient, stack: str) -> set[str]:
    return {t["ID"] for s in stack_services(client, stack) for t in s.tasks()}


def ipv4_bindings(ports: list[dict]) -> list[dict]:
    """One binding per target port: the first, IPv4's. On a host with IPv6, engine 20.10 publishes a
    host-mode port twice, 0.0.0.0 first and [::] on another port, which the node's IPv4 address does not reach."""
    first: dict[tuple, dict] = {}
    for port in ports:
        first.setdefault((port.get("TargetPort"), port.get("Protocol")), port)
    return list(first.values())


def task_addresses(client: docker.DockerClient, stack: str) -> list[TaskAddress]:
    """Where each running task publishes a port: its node's address and the port Swarm chose."""
    nodes = {n.id: n.attrs for n in client.nodes.list()}
    found = set()
    for service in stack_services(client, stack):
        short = service.name.removeprefix(f"{stack}_")
        for task in service.tasks(filters={"desired-state": "running"}):
            if task["Status"]["State"] != "running":
                continue
            node = nodes.get(task.get("NodeID"), {})
            address = node.get("Status", {}).get("Addr", "?")
            for port in ipv4_bindings(task["Status"].get("PortStatus", {}).get("Ports", [])):
                found.add(
                    TaskAddress(
                        f"{short}.{task.get('Slot', '')}",
                        node.get("Description", {}).get("Hostname", "?"),
                        f"http://{address}:{port['PublishedPort']}",
                    )
                )
    return sorted(found, key=lambda a: a.task)


def remove_stack(client: docker.DockerClient, stack: str, timeout: float = 60) -> None:
    """`docker stack rm`, then wait until its containers and networks are gone (the CLI returns before)."""
    run(["docker", "stack", "rm", stack], capture=True, what=f"docker stack rm {stack} failed")
    label = stack_filter(stack)

    def gone() -> bool:
        return not (client.containers.list(all=True, filters=label, ignore_removed=True) or client.networks.list(filters=label))

    if not poll(gone, within(timeout)):
        raise StackError(f"stack {stack}: containers or networks remain after {timeout:.0f} s (docker stack ps {stack})")


def stack_volumes(client: docker.DockerClient, stack: str) -> list[str]:
    return [v.name for v in client.volumes.list(filters=stack_filter(stack))]


@dataclass(frozen=True)
class Deployed:
    seconds: float  # from `docker stack deploy` to converged
    addresses: list[TaskAddress]


def require_manager(client: docker.DockerClient) -> None:
    swarm = client.info().get("Swarm", {})
    if swarm.get("LocalNodeState") != "active" or not swarm.get("ControlAvailable"):
        raise StackError(
            "this engine is not a swarm manager; make a local two-node cluster with inv cluster.up, "
            "or point DOCKER_HOST at a manager of your swarm"
        )


def deploy(stack: Stack, timeout: float) -> Deployed:
    """Push the images, deploy the stack, and wait until it converged (or fail naming why).

    Compose renders twice, as it truly must: once to learn which base images
    the services need, once with the ones chosen, as the stack file.
    """
    settings, client = stack.settings, stack.client
    require_manager(client)
    base = stack.base_images
    rendered = config_json(settings, base)
    with step("pushing the images every node pulls"):
        images = pinned_images(settings, parse_model(rendered, settings.profiles), client)
    secrets = environment_secrets(rendered, compose_environment(settings, base), settings.env_file)
    leaks = leaked_secrets(rendered.get("services", {}), secrets)
    if leaks:
        raise StackError(
            f'{settings.env_file}: {leaks[0]}; in the Swarm overlay set it to "" and have the service read /run/secrets/<secret>'
        )
    migrations = settings.config.migrations
    migrate = None
    if migrations and migrations.upgrade and migrations.service in rendered.get("services", {}):
        migrate = (migrations.service, migrations.upgrade)
    definition = stack_definition(rendered, images, ensure_secrets(client, stack.project, secrets), migrate)
    known = stack_tasks(client, stack.project)
    with step(f"deploying stack {stack.project} and waiting up to {timeout:.0f}s until it converged"):
        stack_deploy(stack.project, definition)
        seconds = wait_converged(client, stack.project, known, timeout)
    return Deployed(seconds, task_addresses(client, stack.project))


def undeploy(deployed: Stack, volumes: bool = False) -> list[str]:
    """Remove the stack (its services, networks and secrets); its volumes on this node only when asked."""
    client, stack = deployed.client, deployed.project
    require_manager(client)
    removed = []
    if stack_services(client, stack):
        with step(f"removing stack {stack}"):
            remove_stack(client, stack)
        removed.append(f"stack {stack}")
    if volumes:
        for name in stack_volumes(client, stack):
            client.volumes.get(name).remove()
            removed.append(f"volume {name}")
    return removed
