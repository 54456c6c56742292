"""Inspecting the engine with the Docker SDK: health, ports, images, project resources."""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass
from datetime import datetime

from stackops import StackError
from stackops.lazy import docker

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


class EngineUnavailable(StackError):
    pass


def engine_endpoint() -> tuple[str, str]:
    """Which engine the docker CLI (and so Compose) talks to: (how it is chosen, its address).

    DOCKER_HOST first, then the docker context (DOCKER_CONTEXT, else the
    config's current one): Docker Desktop, colima and rootless Docker put the
    socket elsewhere and say so in a context. The SDK (7.2+) resolves it the
    same way, so tasks inspect the engine that Compose drives.
    """
    if os.environ.get("DOCKER_HOST"):
        return "DOCKER_HOST", os.environ["DOCKER_HOST"]
    name = os.environ.get("DOCKER_CONTEXT") or docker.context.config.get_current_context_name()
    context = docker.context.ContextAPI.get_context(name)
    return f"docker context {name}", (context.Host if context else None) or "the default socket"


def connect(timeout: int = 30) -> docker.DockerClient:
    """A client for the engine the docker CLI uses (DOCKER_HOST, else the docker context); API version negotiated."""
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
        return client
    except docker.errors.DockerException as error:
        reason = str(error).split("(")[0].strip()[:160]
        chosen_by, address = engine_endpoint()
        raise EngineUnavailable(
            f"no Docker engine answers at {address} (from {chosen_by}: {reason}); "
            "start it with `inv provision`, or point DOCKER_HOST or `docker context use` at a running one"
        ) from None


def engine_version(client: docker.DockerClient) -> tuple[str, str]:
    version = client.version()
    return version.get("Version", "?"), version.get("ApiVersion", "?")


def project_containers(client: docker.DockerClient, project: str, service: str | None = None):
    labels = [f"{PROJECT_LABEL}={project}"] + ([f"{SERVICE_LABEL}={service}"] if service else [])
    # ignore_removed: Compose may remove a container between listing and inspecting it.
    return client.containers.list(all=True, filters={"label": labels}, ignore_removed=True)


@dataclass(frozen=True)
class ServiceState:
    service: str
    container: str
    status: str  # running, exited, restarting, ...
    health: str  # healthy, unhealthy, starting, or "-" without a healthcheck
    ports: str
    image: str
    image_size_mb: float

    @property
    def ok(self) -> bool:
        return self.status == "running" and self.health in ("healthy", "-")


def _ports(container) -> str:
    published = []
    for private, bindings in sorted((container.attrs["NetworkSettings"].get("Ports") or {}).items()):
        for binding in bindings or []:
            published.append(f"{binding['HostIp']}:{binding['HostPort']}->{private}")
    return ", ".join(published) or "-"


def service_states(client: docker.DockerClient, project: str) -> list[ServiceState]:
    states = []
    for container in project_containers(client, project):
        state = container.attrs["State"]
        try:
            image = client.images.get(container.attrs["Image"])
            size = image.attrs["Size"] / 1e6
            tag = (image.tags or [container.attrs["Config"]["Image"]])[0]
        except docker.errors.ImageNotFound:
            size, tag = 0.0, container.attrs["Config"]["Image"]
        states.append(
            ServiceState(
                service=container.labels.get(SERVICE_LABEL, "?"),
                container=container.name,
                status=state.get("Status", "?"),
                health=(state.get("Health") or {}).get("Status", "-"),
                ports=_ports(container),
                image=tag,
                image_size_mb=size,
            )
        )
    return sorted(states, key=lambda s: (s.service, s.container))


def published_address(client: docker.DockerClient, project: str, service: str, target: int) -> tuple[str, int] | None:
    """The host address and port a service's container port is published on (the engine may have chosen it)."""
    for container in project_containers(client, project, service):
        container.reload()
        for binding in (container.attrs["NetworkSettings"].get("Ports") or {}).get(f"{target}/tcp") or []:
            host = binding["HostIp"]
            return ("127.0.0.1" if host in ("0.0.0.0", "") else host), int(binding["HostPort"])
    return None


def published_by_project(client: docker.DockerClient, project: str) -> set[int]:
    """Host ports this project's containers publish: a port held by them is ours, not taken."""
    ports = set()
    for container in project_containers(client, project):
        for bindings in (container.attrs["NetworkSettings"].get("Ports") or {}).values():
            ports |= {int(b["HostPort"]) for b in bindings or []}
    return ports


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def container_publishing(client: docker.DockerClient, port: int) -> str | None:
    """Name and project of a running container that publishes this host port, if any."""
    for container in client.containers.list(ignore_removed=True):
        for bindings in (container.attrs["NetworkSettings"].get("Ports") or {}).values():
            if any(int(b["HostPort"]) == port for b in bindings or []):
                project = container.labels.get(PROJECT_LABEL)
                return f"container {container.name}" + (f" (project {project})" if project else "")
    return None


def started_at(container) -> datetime | None:
    """When the container's current run began (a restart begins a new one)."""
    text = container.attrs["State"].get("StartedAt", "")
    match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,6})?\d*Z", text)
    if not match:
        return None
    return datetime.fromisoformat(match.group(1) + (match.group(2) or "") + "+00:00")


def last_logs(client: docker.DockerClient, project: str, service: str, lines: int = 30, this_run: bool = False) -> str:
    """The service's last log lines; with `this_run`, only those since each container last started."""
    chunks = []
    for container in project_containers(client, project, service):
        start = started_at(container) if this_run else None
        # A float keeps the fraction: the SDK rounds a datetime down to the second.
        since = start.timestamp() if start else None
        chunks.append(container.logs(tail=lines, since=since).decode("utf-8", "replace"))
    return "".join(chunks)


# JSON log levels, PostgreSQL's and uvicorn's plain prefixes, and Python tracebacks
# (plain, or inside a JSON line's exc_info).
ERROR_LINE = re.compile(r'"level": "(ERROR|CRITICAL)"|\b(ERROR|FATAL|PANIC|CRITICAL):|Traceback \(most recent call last\)')


def error_lines(log: str, limit: int = 6) -> list[str]:
    """The last error lines of a log: error levels and tracebacks.

    A container that keeps restarting buries its error under each new start's
    lines, so a failure is explained by its errors first, not only by the tail.
    """
    return [line for line in log.splitlines() if ERROR_LINE.search(line)][-limit:]


def split_reference(ref: str) -> tuple[str, str]:
    """(repository, tag) of an image reference; a colon in the registry's host:port is not a tag."""
    repository, _, tag = ref.rpartition(":") if ":" in ref.split("/")[-1] else (ref, "", "latest")
    return repository, tag


def image_exists(client: docker.DockerClient, ref: str):
    try:
        return client.images.get(ref)
    except (docker.errors.ImageNotFound, docker.errors.NotFound):
        return None


def owned_container(client: docker.DockerClient, name: str, label: str, maker: str):
    """The container of that name if it carries our label, None if there is none; one made by someone else is refused."""
    try:
        container = client.containers.get(name)
    except docker.errors.NotFound:
        return None
    if label not in container.labels:
        raise StackError(f"a container named {name} exists but {maker} did not make it; remove or rename it")
    return container
