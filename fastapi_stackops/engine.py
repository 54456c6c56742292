"""The engine through the Docker SDK: connecting, label filters, the project's containers, images by reference."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.lazy import docker

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


DEFAULT_SOCKET = "unix:///var/run/docker.sock"
#: Seconds a request may take that removes an engine in a container (its dockerd stops, its storage goes): on an engine
#: busy with builds that took over 30 s, the default.
SLOW_REMOVAL = 180


class EngineUnavailable(StackError):
    pass


class ImageAbsent(LookupError):
    """The engine has no image of that reference (its 404): engine_reads' word for the SDK's ImageNotFound."""


def context_name(environ: Mapping[str, str] = os.environ) -> str:
    """The docker context the CLI uses when DOCKER_HOST is unset: DOCKER_CONTEXT, else the config's current one, else
    "default". Read without the SDK, as the SDK (7.2+) reads it, so a task's first reads need not import it."""
    config = Path(environ.get("DOCKER_CONFIG") or Path(environ.get("HOME", "/")) / ".docker") / "config.json"
    try:
        current = json.loads(config.read_text()).get("currentContext", "") if "DOCKER_CONTEXT" not in environ else ""
    except (OSError, ValueError, AttributeError):
        current = ""
    return environ.get("DOCKER_CONTEXT") or current or "default"


def engine_endpoint(environ: Mapping[str, str] = os.environ) -> tuple[str, str]:
    """Which engine the docker CLI (and so Compose) talks to: (how it is chosen, its address).

    DOCKER_HOST first, then the docker context: Docker Desktop, colima and rootless Docker put the socket elsewhere and
    say so in a context, which the SDK resolves. So tasks inspect the engine that Compose drives.
    """
    if environ.get("DOCKER_HOST"):
        return "DOCKER_HOST", environ["DOCKER_HOST"]
    name = context_name(environ)
    context = docker.context.ContextAPI.get_context(name) if name != "default" else None
    return f"docker context {name}", (context.Host if context else None) or DEFAULT_SOCKET


def connect(address: str | None = None, timeout: int = 30) -> docker.DockerClient:
    """A client for `address`, else the engine the docker CLI uses (DOCKER_HOST, else the docker context); API version negotiated."""
    try:
        client = docker.DockerClient(base_url=address, timeout=timeout) if address else docker.from_env(timeout=timeout)
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


def label_filter(*labels: tuple[str, str | None]) -> dict:
    """An engine list filter for things carrying every label given as (key, value), or (key, None) for the key alone."""
    return {"label": [key if value is None else f"{key}={value}" for key, value in labels]}


def project_filter(project: str, service: str | None = None) -> dict:
    """What Compose labels as the project's (and the service's)."""
    return label_filter((PROJECT_LABEL, project), *([(SERVICE_LABEL, service)] if service else []))


def project_containers(client: docker.DockerClient, project: str, service: str | None = None) -> list:
    """The project's containers, running or not, each inspected: one list and one inspect per container."""
    # ignore_removed: Compose may remove a container between listing and inspecting it.
    return client.containers.list(all=True, filters=project_filter(project, service), ignore_removed=True)


def service_of(container) -> str:
    return container.labels.get(SERVICE_LABEL, container.name)


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


def ports_text(container) -> str:
    published = []
    for private, bindings in sorted((container.attrs["NetworkSettings"].get("Ports") or {}).items()):
        for binding in bindings or []:
            published.append(f"{binding['HostIp']}:{binding['HostPort']}->{private}")
    return ", ".join(published) or "-"


def service_states(client: docker.DockerClient, containers: list) -> list[ServiceState]:
    """What `inv status` shows of each container; the images are asked for their size and tag."""
    states = []
    for container in containers:
        state = container.attrs["State"]
        try:
            image = client.images.get(container.attrs["Image"])
            size = image.attrs["Size"] / 1e6
            tag = (image.tags or [container.attrs["Config"]["Image"]])[0]
        except docker.errors.ImageNotFound:
            size, tag = 0.0, container.attrs["Config"]["Image"]
        states.append(
            ServiceState(
                service=service_of(container),
                container=container.name,
                status=state.get("Status", "?"),
                health=(state.get("Health") or {}).get("Status", "-"),
                ports=ports_text(container),
                image=tag,
                image_size_mb=size,
            )
        )
    return sorted(states, key=lambda s: (s.service, s.container))


def finished_one_shot(container) -> bool:
    """A container without a restart policy that exited 0: a one-shot service (migrations, say) that is done."""
    policy = (container.attrs["HostConfig"].get("RestartPolicy") or {}).get("Name") or "no"
    return container.status == "exited" and container.attrs["State"].get("ExitCode") == 0 and policy == "no"


def started_at(container) -> datetime | None:
    """When the container's current run began (a restart begins a new one)."""
    text = container.attrs["State"].get("StartedAt", "")
    match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,6})?\d*Z", text)
    if not match:
        return None
    return datetime.fromisoformat(match.group(1) + (match.group(2) or "") + "+00:00")


def split_reference(ref: str) -> tuple[str, str]:
    """(repository, tag) of an image reference; a colon in the registry's host:port is not a tag."""
    repository, _, tag = ref.rpartition(":") if ":" in ref.split("/")[-1] else (ref, "", "latest")
    return repository, tag


def image_exists(client: docker.DockerClient, ref: str):
    try:
        return client.images.get(ref)
    except ImageAbsent:  # before the SDK's own, whose naming would import it
        return None
    except (docker.errors.ImageNotFound, docker.errors.NotFound):
        return None


def pull(client: docker.DockerClient, reference: str) -> tuple[object | None, str | None]:
    """(the image, None) once pulled; (None, why not in the engine's words) when no registry gives it."""
    try:
        return client.images.pull(*split_reference(reference)), None
    except docker.errors.DockerException as error:
        return None, str(getattr(error, "explanation", None) or error).splitlines()[0][:200]


def owned_container(client: docker.DockerClient, name: str, label: str, maker: str):
    """The container of that name if it carries our label, None if there is none; one made by someone else is refused."""
    try:
        container = client.containers.get(name)
    except docker.errors.NotFound:
        return None
    if label not in container.labels:
        raise StackError(f"a container named {name} exists but {maker} did not make it; remove or rename it")
    return container
