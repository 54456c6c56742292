"""A local two-node Docker Swarm for trying a deploy: the host's engine as manager, one engine in a container as worker.

Everything it makes carries the label io.stackops.cluster, and `cluster_down`
removes exactly that: the worker container (and its engine's storage), the
swarm itself when this host's swarm is the one it made, the gateway bridge it
created, and the registry when it started one. A host already in another
swarm is refused, never changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi_stackops import StackError
from fastapi_stackops.baseimages import BaseImage, ensure_image
from fastapi_stackops.console import say, step
from fastapi_stackops.engine import label_filter, owned_container
from fastapi_stackops.lazy import docker
from fastapi_stackops.settings import StackSettings
from fastapi_stackops.ship.registry import CONTAINER as REGISTRY_CONTAINER
from fastapi_stackops.ship.registry import registry_address, start_registry
from fastapi_stackops.waiting import poll, within

LABEL = "io.stackops.cluster"
WORKER = "stackops-swarm-worker"
NODE_IMAGE = BaseImage(recipe="swarm-node", variable="SWARM_NODE_IMAGE", official="")
GATEWAY_BRIDGE = "docker_gwbridge"
# What the worker's engine needs from the kernel, measured here: --privileged
# is refused on hosts whose bounding set lacks CAP_SYS_RESOURCE. SYS_PTRACE:
# runc reads /proc/PID/ns of a non-root container's process to exec into it
# (health checks), a ptrace-mode access check.
WORKER_CAPABILITIES = ["SYS_ADMIN", "NET_ADMIN", "NET_RAW", "MKNOD", "SYS_PTRACE"]


@dataclass(frozen=True)
class Node:
    hostname: str
    role: str
    address: str
    labels: dict[str, str]
    state: str


def node_labels(settings: StackSettings) -> dict[str, str]:
    """CLUSTER_MANAGER_LABELS (key=value,...): what the env's placement constraints look for."""
    text = settings.value("CLUSTER_MANAGER_LABELS")
    labels = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise StackError(
                f"{settings.where('CLUSTER_MANAGER_LABELS')}: CLUSTER_MANAGER_LABELS: {item!r} is not key=value (e.g. db=true)"
            )
        labels[key.strip()] = value.strip()
    return labels


def swarm_state(client: docker.DockerClient) -> tuple[str, str]:
    """(LocalNodeState, NodeID) of this engine: inactive, active, pending, error, locked."""
    swarm = client.info().get("Swarm", {})
    return swarm.get("LocalNodeState", "inactive"), swarm.get("NodeID", "")


def is_our_swarm(client: docker.DockerClient) -> bool:
    state, node_id = swarm_state(client)
    if state != "active":
        return False
    return LABEL in (client.nodes.get(node_id).attrs["Spec"].get("Labels") or {})


def bridge_gateway(container) -> str:
    """The host's address on the default bridge, as a container on it sees it: where it reaches the host's engine.

    Not the bridge network's IPAM config: on an engine's very first start (a
    new data root) that has no Gateway; only a restart writes it (measured).
    A container's own network settings always name it.
    """
    container.reload()
    gateway = container.attrs["NetworkSettings"].get("Gateway") or ""
    if not gateway:
        raise StackError(
            f"container {container.name} has no gateway on the default bridge, so the worker cannot reach the manager; "
            "check the engine's bridge (docker network inspect bridge)"
        )
    return gateway


def _label_node(client: docker.DockerClient, node_id: str, labels: dict[str, str]) -> None:
    node = client.nodes.get(node_id)
    spec = node.attrs["Spec"]
    spec["Labels"] = {**(spec.get("Labels") or {}), **labels}
    node.update(spec)


def refuse_foreign_swarm(client: docker.DockerClient) -> None:
    """A swarm cluster.up did not make is never joined or changed; refused before anything is started."""
    state, node_id = swarm_state(client)
    if state == "active" and not is_our_swarm(client):
        raise StackError(
            f"this engine is already in a swarm that inv cluster.up did not make (node {node_id[:12]}); "
            "deploy to it as it is (inv deploy), or leave it first (docker swarm leave --force)"
        )
    if state not in ("active", "inactive"):
        raise StackError(f"this engine's swarm is {state}; see `docker info`, or leave it (docker swarm leave --force)")


def _init_manager(client: docker.DockerClient, gateway: str, labels: dict[str, str]) -> None:
    if swarm_state(client)[0] == "inactive":
        # Swarm makes this bridge on init unless it exists: made here, it carries
        # the label, so teardown knows it may remove it.
        if not client.networks.list(names=[GATEWAY_BRIDGE]):
            client.networks.create(
                GATEWAY_BRIDGE,
                driver="bridge",
                labels={LABEL: "1"},
                options={
                    "com.docker.network.bridge.name": GATEWAY_BRIDGE,
                    "com.docker.network.bridge.enable_icc": "false",
                    "com.docker.network.bridge.enable_ip_masquerade": "true",
                },
            )
        # Listening on the bridge only: the cluster is reachable from this host's containers, not the network.
        client.swarm.init(advertise_addr=gateway, listen_addr=f"{gateway}:2377")
    _label_node(client, swarm_state(client)[1], {LABEL: "manager", **labels})


def _registry_forward(settings: StackSettings, client: docker.DockerClient) -> dict[str, str]:
    """Start the env's loopback registry if needed; the worker's environment to reach it at the same name."""
    if not settings.value("REGISTRY"):
        return {}
    host, _, port = registry_address(settings).rpartition(":")
    if host not in ("127.0.0.1", "localhost"):
        return {}  # a real registry: every node reaches it by its name
    start_registry(settings, client, int(port), labels={LABEL: "1"})
    registry = client.containers.get(REGISTRY_CONTAINER)
    return {"REGISTRY_PORT": port, "REGISTRY_FORWARD": f"{registry.attrs['NetworkSettings']['IPAddress']}:5000"}


def inner_engine_ready(container, what: str = "the worker's engine", timeout: float = 60) -> None:
    """Wait until the engine inside a container answers; its last log lines if it stopped or never did."""

    def answers() -> str | None:
        if container.exec_run(["docker", "info"]).exit_code == 0:
            return "answers"
        container.reload()
        return None if container.status == "running" else "stopped"  # no use waiting on a stopped container

    if poll(answers, within(timeout)) != "answers":
        logs = container.logs(tail=5).decode(errors="replace").strip()
        raise StackError(f"{what} did not start ({container.status}); its last lines: {logs}")


def engine_container(client: docker.DockerClient, image: str, name: str, labels: dict[str, str], maker: str, **options):
    """A Docker engine in a container (found, started or made), answering; what the kernel here allows it (measured)."""
    container = owned_container(client, name, next(iter(labels)), maker)
    if container is None:
        volumes = {"/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw"}, **options.pop("volumes", {})}
        container = client.containers.run(
            image,
            name=name,
            hostname=name,
            detach=True,
            labels=labels,
            cap_add=WORKER_CAPABILITIES,
            security_opt=["seccomp=unconfined", "apparmor=unconfined"],
            cgroupns="host",
            volumes=volumes,
            tmpfs={"/run": ""},
            **options,
        )
    elif container.status != "running":
        container.start()
    inner_engine_ready(container, f"the engine in {name}")
    container.reload()
    return container


def _start_worker(client: docker.DockerClient, image: str, forward: dict[str, str]) -> object:
    return engine_container(client, image, WORKER, {LABEL: "worker"}, "inv cluster.up", environment=forward)


def _join(client: docker.DockerClient, container, gateway: str) -> str:
    """Join the worker to the swarm (if it is not in it); its node ID."""
    container.reload()
    address = container.attrs["NetworkSettings"]["IPAddress"]
    inner = container.exec_run(["docker", "info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.NodeID}}"])
    state, _, node_id = inner.output.decode().strip().partition(" ")
    if state != "active":
        token = client.swarm.attrs["JoinTokens"]["Worker"]
        joined = container.exec_run(["docker", "swarm", "join", "--token", token, "--advertise-addr", address, f"{gateway}:2377"])
        if joined.exit_code != 0:
            raise StackError(f"the worker could not join the swarm: {joined.output.decode(errors='replace').strip()}")
        inner = container.exec_run(["docker", "info", "--format", "{{.Swarm.NodeID}}"])
        node_id = inner.output.decode().strip()
    if not poll(lambda: client.nodes.get(node_id).attrs["Status"]["State"] == "ready", within(30)):
        raise StackError(f"the worker joined but its node {node_id[:12]} is not ready after 30 s (docker node ls)")
    return node_id


def cluster_up(settings: StackSettings, client: docker.DockerClient) -> list[Node]:
    """Make (or complete) the local two-node swarm; its nodes."""
    labels = node_labels(settings)
    refuse_foreign_swarm(client)
    with step("starting the registry the nodes pull from"):
        forward = _registry_forward(settings, client)
    image = ensure_image(NODE_IMAGE, settings, client)
    with step("starting the worker's engine in a container"):
        worker = _start_worker(client, image, forward)
    gateway = bridge_gateway(worker)
    with step(f"making this engine a swarm manager on {gateway}"):
        _init_manager(client, gateway, labels)
    with step("joining the worker to the swarm"):
        _label_node(client, _join(client, worker, gateway), {LABEL: "worker"})
    return cluster_nodes(client)


def cluster_nodes(client: docker.DockerClient) -> list[Node]:
    nodes = []
    for node in client.nodes.list():
        attrs = node.attrs
        nodes.append(
            Node(
                hostname=attrs["Description"]["Hostname"],
                role=attrs["Spec"]["Role"],
                address=attrs["Status"].get("Addr", ""),
                labels={k: v for k, v in (attrs["Spec"].get("Labels") or {}).items() if k != LABEL},
                state=attrs["Status"]["State"],
            )
        )
    return sorted(nodes, key=lambda n: n.role)


def _remove_labelled(listing, what: str, attempts: int = 20, **options) -> list[str]:
    removed = []
    for thing in listing(filters=label_filter((LABEL, None))):
        for _ in range(attempts):  # a network is busy until its last endpoint is gone
            try:
                thing.remove(**options)
                removed.append(f"{what} {thing.name}")
                break
            except docker.errors.NotFound:
                break
            except docker.errors.APIError:
                time.sleep(0.5)
        else:
            say(f"    could not remove {what} {thing.name}; remove it with docker {what} rm {thing.name}")
    return removed


def cluster_down(client: docker.DockerClient) -> list[str]:
    """Remove everything cluster_up made, and nothing else; what was removed."""
    # v: the worker engine's storage (an anonymous volume) goes with it.
    removed = _remove_labelled(
        lambda **kw: client.containers.list(all=True, ignore_removed=True, **kw), "container", force=True, v=True
    )
    if is_our_swarm(client):
        client.swarm.leave(force=True)
        removed.append("this engine's swarm")
    elif swarm_state(client)[0] == "active":
        say("    this engine's swarm was not made by inv cluster.up: left as it is")
    removed += _remove_labelled(client.networks.list, "network")
    removed += _remove_labelled(client.volumes.list, "volume")
    return removed
