"""The stack file `docker stack deploy` takes, made from what `docker compose config --format json` renders: pure.

Compose renders and checks the files; this turns its output into what Swarm
takes (no build, no profiles, no map-form depends_on, no top-level name), pins
each image to the digest the registry answered, makes the env-valued secrets
Swarm secrets, and adds a one-shot migration service.
"""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Mapping

from fastapi_stackops import StackError

STACK_LABEL = "com.docker.stack.namespace"
ONE_SHOT_LABEL = "io.stackops.one-shot"
#: Compose keys `docker stack deploy` refuses or Swarm ignores; what stands in for them is in the deploy overlay.
NOT_FOR_SWARM = (
    "build", "profiles", "depends_on", "mem_limit", "pids_limit", "restart", "container_name", "pull_policy", "tmpfs",
)  # fmt: skip
SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
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


def swarm_service(body: Mapping, image: str | None, one_shot: bool) -> dict:
    """One Compose service as Swarm takes it: keys it refuses dropped, its pinned image, tmpfs as mounts, ports on every address."""
    service = {k: v for k, v in body.items() if k not in NOT_FOR_SWARM}
    if one_shot:
        service["deploy"] = one_shot_deploy(body.get("deploy"))
    if image:
        service["image"] = image
    if body.get("tmpfs"):
        service["volumes"] = [*service.get("volumes", []), *tmpfs_mounts(body["tmpfs"])]
    for port in service.get("ports", []):
        if isinstance(port.get("published"), str) and port["published"].isdigit():
            port["published"] = int(port["published"])
        port.pop("host_ip", None)  # a Swarm port binds every address of its node
    return service


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
    one_shots = one_shot_services(rendered.get("services", {}))
    services = {
        name: swarm_service(body, images.get(name), one_shot=name in one_shots)
        for name, body in rendered.get("services", {}).items()
    }
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
