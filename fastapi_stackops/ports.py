"""Ports: which host port a service is published on, its URL, and whether a port the stack wants is free or already ours."""

from __future__ import annotations

import socket

from fastapi_stackops import StackError
from fastapi_stackops.compose import ComposeModel
from fastapi_stackops.engine import PROJECT_LABEL
from fastapi_stackops.lazy import docker
from fastapi_stackops.settings import StackSettings


def http_port(settings: StackSettings, model: ComposeModel, service: str) -> int | None:
    """The container port a service answers HTTP on: the contract's, else its first published one."""
    declared = settings.config.service(service).port
    if declared:
        return declared
    ports = model.services[service].ports
    return ports[0].target if ports else None


def published_address(containers: list, target: int) -> tuple[str, int] | None:
    """The host address and port a container port is published on by one of these containers (the engine may have chosen it)."""
    for container in containers:
        for binding in (container.attrs["NetworkSettings"].get("Ports") or {}).get(f"{target}/tcp") or []:
            host = binding["HostIp"]
            return ("127.0.0.1" if host in ("0.0.0.0", "") else host), int(binding["HostPort"])
    return None


def service_url(settings: StackSettings, model: ComposeModel, service: str, containers: list) -> str:
    """http://host:port of a running service, from the port the engine published for one of its containers."""
    port = http_port(settings, model, service)
    if port is None:
        raise StackError(
            f"service {service} publishes no port; publish one in its Compose file (127.0.0.1:0:PORT lets the engine choose)"
        )
    address = published_address(containers, port)
    if address is None:
        raise StackError(
            f"service {service} of {settings.project} is not running with port {port} published; "
            f"start it with inv up --env {settings.cli_env}"
        )
    return settings.target.url(*address)


def published_by(containers: list) -> set[int]:
    """Host ports these containers publish: a port the project's own containers hold is ours, not taken."""
    ports = set()
    for container in containers:
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
        if port in published_by([container]):
            project = container.labels.get(PROJECT_LABEL)
            return f"container {container.name}" + (f" (project {project})" if project else "")
    return None


def port_problems(
    settings: StackSettings, model: ComposeModel, ours: set[int], client: docker.DockerClient | None = None
) -> list[str]:
    """Host ports the active services publish that something other than this stack (`ours`) holds.

    `inv up` refuses to start on any; `inv doctor` lists them all.
    """
    problems = []
    if settings.target.remote:  # the ports are on the remote machine: its engine names a conflict itself
        return problems
    for name in model.active:
        for binding in model.services[name].ports:
            if binding.published == 0 or binding.published in ours or port_is_free(binding.host_ip, binding.published):
                continue
            holder = (client and container_publishing(client, binding.published)) or "another process"
            keys = settings.keys_with_value(str(binding.published))
            fix = (
                f"set {keys[0]} in {settings.where(keys[0])} to a free port (0 lets the engine choose)"
                if keys
                else f"change the published port of {name} in its Compose file"
            )
            problems.append(
                f"port {binding.published} on {binding.host_ip} (service {name}) is in use by {holder}; {fix}, or stop it"
            )
    return problems
