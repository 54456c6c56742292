"""Deploy the stack to Docker Swarm: the env's Compose files, as `docker compose config` renders them, through `docker stack deploy`.

Compose renders and checks the files; this module only turns its output into
what `docker stack deploy` takes (no build, no profiles, no map-form
depends_on, no top-level name), pins each image to the digest the registry
answered, makes the env-valued secrets Swarm secrets, adds a one-shot
migration service, and then waits until Swarm says every service converged,
or names the task error that stops it.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from stackops import StackError
from stackops.baseimages import ensure_base_images
from stackops.compose import config_json, render
from stackops.console import last_words, say, step
from stackops.engine import error_lines
from stackops.lazy import docker
from stackops.registry import pinned_images
from stackops.settings import StackSettings, compose_environment

STACK_LABEL = "com.docker.stack.namespace"
ONE_SHOT_LABEL = "io.stackops.one-shot"
#: Compose keys `docker stack deploy` refuses or Swarm ignores; what stands in for them is in the deploy overlay.
NOT_FOR_SWARM = (
    "build", "profiles", "depends_on", "mem_limit", "pids_limit", "restart", "container_name", "pull_policy", "tmpfs",
)  # fmt: skip
SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
#: Task states after which a task will never run again.
FAILED_STATES = ("failed", "rejected")
FAILURES_BEFORE_GIVING_UP = 3


def _without_nulls(value):
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def tmpfs_mounts(entries: list[str]) -> list[dict]:
    """Compose's `tmpfs: [/tmp:size=64m,mode=1777]` as Swarm mounts, which it does take (it ignores `tmpfs:`).

    Only the size carries over: stack files before Compose-spec know no mode,
    and Swarm's tmpfs is world-writable with the sticky bit (1777) by default.
    """
    mounts = []
    for entry in entries:
        target, _, options = entry.partition(":")
        mount: dict = {"type": "tmpfs", "target": target}
        for option in filter(None, options.split(",")):
            key, _, value = option.partition("=")
            if key == "size":
                number, unit = value.rstrip("kmgKMG"), value[len(value.rstrip("kmgKMG")) :].lower()
                mount["tmpfs"] = {"size": int(number) * SIZE_UNITS[unit]}
        mounts.append(mount)
    return mounts


def secret_name(stack: str, key: str, value: str) -> str:
    """Named by content: Swarm secrets are immutable, so a new value is a new secret and rolls the services."""
    return f"{stack}_{key}_{hashlib.sha256(value.encode()).hexdigest()[:12]}"


def environment_secrets(rendered: Mapping, environment: Mapping[str, str], where: str) -> dict[str, str]:
    """Secret key -> value, for the top-level secrets whose value comes from an env variable."""
    values = {}
    for key, body in (rendered.get("secrets") or {}).items():
        variable = body.get("environment")
        if variable:
            value = environment.get(variable, "")
            if not value:
                raise StackError(f"{where}: {variable} is empty, and secret {key} takes its value from it; set it")
            values[key] = value
    return values


def leaked_secrets(services: Mapping[str, Mapping], secrets: Mapping[str, str]) -> list[str]:
    """'service: VAR holds secret KEY' for every environment value that holds a secret's value (in a URL, say)."""
    leaks = []
    for service, body in services.items():
        for variable, value in (body.get("environment") or {}).items():
            for key, secret in secrets.items():
                # Inside a longer value only when long enough not to match by chance.
                if value and (str(value) == secret or (len(secret) >= 6 and secret in str(value))):
                    leaks.append(f"service {service}: {variable} holds the value of secret {key}")
    return leaks


def one_shot_deploy(deploy: Mapping | None) -> dict:
    """Swarm settings for a service that runs once per new spec and is then done."""
    constraints = (deploy or {}).get("placement", {}).get("constraints")
    return {
        "mode": "replicated",
        "replicas": 1,
        # on-failure: a run that succeeds is done; `replicated-job` would say so
        # better, but docker stack deploy before 23.0 does not know it.
        "restart_policy": {"condition": "on-failure", "delay": "5s", "max_attempts": FAILURES_BEFORE_GIVING_UP},
        # Its failures are the tasks' own (counted by inv deploy), not an update to pause.
        "update_config": {"failure_action": "continue"},
        "labels": {ONE_SHOT_LABEL: "true"},
        **({"placement": {"constraints": constraints}} if constraints else {}),
    }


def one_shot_services(services: Mapping[str, Mapping]) -> set[str]:
    """Services others wait for with `condition: service_completed_successfully`: they run once."""
    return {
        name
        for body in services.values()
        for name, condition in (body.get("depends_on") or {}).items()
        if (condition or {}).get("condition") == "service_completed_successfully"
    }


def migration_service(source: Mapping, command: str) -> dict:
    """A one-shot copy of `source` that runs `command` once per deploy of a new spec, whatever the replica count."""
    body = {k: v for k, v in source.items() if k not in ("ports", "healthcheck", "deploy", "command", "labels")}
    body["command"] = shlex.split(command)
    body["healthcheck"] = {"disable": True}
    body["deploy"] = one_shot_deploy(source.get("deploy"))
    return body


def stack_definition(
    rendered: Mapping,
    images: Mapping[str, str],
    secret_names: Mapping[str, str],
    migrate: tuple[str, str] | None = None,
) -> dict:
    """The stack file for `docker stack deploy`, from `docker compose config --format json` output.

    `images`: service -> the pinned image to run; `secret_names`: secret key ->
    the Swarm secret made from its env value; `migrate`: (service, command)
    adds `<service>-migrate`, a one-shot service running the migrations.
    A service others wait for to complete runs once too.
    """
    services = {}
    one_shots = one_shot_services(rendered.get("services", {}))
    for name, body in rendered.get("services", {}).items():
        service = {k: v for k, v in body.items() if k not in NOT_FOR_SWARM}
        if name in one_shots:
            service["deploy"] = one_shot_deploy(body.get("deploy"))
        if name in images:
            service["image"] = images[name]
        if body.get("tmpfs"):
            service["volumes"] = [*service.get("volumes", []), *tmpfs_mounts(body["tmpfs"])]
        for port in service.get("ports", []):
            if isinstance(port.get("published"), str) and port["published"].isdigit():
                port["published"] = int(port["published"])
            port.pop("host_ip", None)  # a Swarm port binds every address of its node
        services[name] = service
    if migrate:
        source, command = migrate
        services[f"{source}-migrate"] = migration_service(services[source], command)
    used = {s["source"] if isinstance(s, dict) else s for body in services.values() for s in body.get("secrets", [])}
    secrets = {}
    for key, body in (rendered.get("secrets") or {}).items():
        if key not in used:
            continue  # a build secret (a CA bundle): never deployed
        secrets[key] = {"external": True, "name": secret_names[key]} if key in secret_names else body
    stack = {"version": "3.9", "services": services}
    for top in ("networks", "volumes", "configs"):
        if rendered.get(top):
            stack[top] = rendered[top]
    if secrets:
        stack["secrets"] = secrets
    return _without_nulls(stack)


# ---- the engine side


@dataclass(frozen=True)
class TaskAddress:
    task: str  # api.1
    node: str
    url: str


def ensure_secrets(client: docker.DockerClient, stack: str, values: Mapping[str, str]) -> dict[str, str]:
    """Create the content-named Swarm secrets that do not exist yet; key -> secret name."""
    names = {}
    existing = {s.name for s in client.secrets.list(filters={"label": f"{STACK_LABEL}={stack}"})}
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
        result = subprocess.run(
            ["docker", "stack", "deploy", "--prune", "--with-registry-auth", "--compose-file", str(file), stack],
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        raise StackError(f"docker stack deploy {stack} failed: {last_words(result)}")
    # What the CLI leaves out ("Ignoring unsupported options") the user must hear.
    for line in result.stderr.splitlines():
        if line.startswith("Ignoring"):
            say(f"    docker stack deploy: {line.strip()}")


def stack_services(client: docker.DockerClient, stack: str):
    return client.services.list(filters={"label": f"{STACK_LABEL}={stack}"})


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
    log = _task_log(client, service, failed[-1])
    # A traceback's last line is the exception; an error level line says more than the tail.
    errors = [line for line in error_lines(log, limit=2) if "Traceback" not in line] or log.strip().splitlines()[-1:]
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
    while True:
        waiting = []
        for service in stack_services(client, stack):
            done, error, status = service_progress(client, service, known_tasks)
            if error:
                raise StackError(error)
            if not done:
                waiting.append(status)
        if not waiting:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise StackError(
                f"stack {stack} did not converge in {timeout:.0f} s: {'; '.join(waiting)} (docker stack ps --no-trunc {stack})"
            )
        time.sleep(1)


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
    result = subprocess.run(["docker", "stack", "rm", stack], capture_output=True, text=True)
    if result.returncode != 0:
        raise StackError(f"docker stack rm {stack} failed: {result.stderr.strip()}")
    deadline = time.monotonic() + timeout
    label = {"label": f"{STACK_LABEL}={stack}"}
    while client.containers.list(all=True, filters=label, ignore_removed=True) or client.networks.list(filters=label):
        if time.monotonic() > deadline:
            raise StackError(f"stack {stack}: containers or networks remain after {timeout:.0f} s (docker stack ps {stack})")
        time.sleep(0.5)


def stack_volumes(client: docker.DockerClient, stack: str) -> list[str]:
    return [v.name for v in client.volumes.list(filters={"label": f"{STACK_LABEL}={stack}"})]


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


def deploy(settings: StackSettings, client: docker.DockerClient, timeout: float) -> Deployed:
    """Push the images, deploy the stack, and wait until it converged (or fail naming why)."""
    require_manager(client)
    base = ensure_base_images(settings, render(settings), client)
    model = render(settings, base)
    rendered = config_json(settings, base)
    with step("pushing the images every node pulls"):
        images = pinned_images(settings, model, client)
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
    definition = stack_definition(rendered, images, ensure_secrets(client, settings.project, secrets), migrate)
    known = stack_tasks(client, settings.project)
    with step(f"deploying stack {settings.project} and waiting up to {timeout:.0f}s until it converged"):
        stack_deploy(settings.project, definition)
        seconds = wait_converged(client, settings.project, known, timeout)
    return Deployed(seconds, task_addresses(client, settings.project))


def undeploy(settings: StackSettings, client: docker.DockerClient, volumes: bool = False) -> list[str]:
    """Remove the stack (its services, networks and secrets); its volumes on this node only when asked."""
    require_manager(client)
    stack = settings.project
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
