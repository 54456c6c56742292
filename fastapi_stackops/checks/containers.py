"""Container checks through the Docker SDK: health of every service, and for every image the
project builds: non-root, hardening in effect, size budget, and no forbidden files in its own layers."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from fastapi_stackops.baseimages import needed_base_images
from fastapi_stackops.checks.image_layers import added_files
from fastapi_stackops.checks.results import Check, CheckFailed, expect
from fastapi_stackops.cleanup import anonymous_mounts
from fastapi_stackops.compose import ServiceModel
from fastapi_stackops.diagnosis import error_lines, last_logs
from fastapi_stackops.dockerfile import base_reference
from fastapi_stackops.engine import finished_one_shot, image_exists, pull
from fastapi_stackops.hardening import hardening_problems
from fastapi_stackops.lazy import docker
from fastapi_stackops.project import display
from fastapi_stackops.stack import Stack
from fastapi_stackops.waiting import poll, within

LOG_LINES_READ = 5000


def running(stack: Stack, service: str):
    containers = [c for c in stack.containers(service) if c.status == "running"]
    expect(bool(containers), f"no running container of service {service} in project {stack.project}")
    return containers[0]


def healthy(containers: list, service: str) -> str:
    expect(bool(containers), f"service {service} has no container")
    for container in containers:
        if finished_one_shot(container):
            return "completed (a one-shot service, exit 0)"
        health = (container.attrs["State"].get("Health") or {}).get("Status")
        expect(container.status == "running", f"{container.name} is {container.status}")
        expect(health in (None, "healthy"), f"{container.name} is {health}")
    return "healthy" if health else "running (no healthcheck)"


def clean_log(containers: list, service: str) -> str:
    """A healthy service logs no error and no traceback since it last started: one there is a fault, even when probes pass.

    A run its restart policy replaced (an app that crashed until its database
    answered) is not this run; the detail says it restarted.
    """
    errors = error_lines(last_logs(containers, lines=LOG_LINES_READ, this_run=True), limit=LOG_LINES_READ)
    expect(
        not errors,
        f"its log holds {len(errors)} error line(s), the last: {errors[-1][:240] if errors else ''} "
        f"(whole log: inv logs --service {service})",
    )
    restarts = sum(c.attrs.get("RestartCount", 0) for c in containers)
    return "no error line or traceback" + (
        f" since it last started (it restarted {restarts} time(s); inv logs shows why)" if restarts else ""
    )


def non_root(client: docker.DockerClient, container, min_uid: int, where: str) -> str:
    # Asked again when the answer is empty: an exec through a server's tunnel can come back with no output.
    uid = poll(lambda: container.exec_run(["id", "-u"]).output.decode().strip(), within(10), interval=1)
    expect(bool(uid), f"{container.name} did not say its uid (`id -u` gave no output)")
    expect(uid.isdigit() and int(uid) != 0, f"{container.name} runs as uid {uid} (root)")
    user = (client.images.get(container.attrs["Image"]).attrs["Config"].get("User") or "").split(":")[0]
    expect(
        user.isdigit() and int(user) >= min_uid,
        f"the image's USER is {user or 'unset'}; expected a numeric UID >= {min_uid} "
        f"(set USER in its Dockerfile, or min-uid in {where})",
    )
    return f"uid {uid}"


def has_healthcheck(container, port: int | None, path: str, where: str) -> str:
    """A built HTTP service says when it is ready: without a healthcheck, running counts as healthy."""
    test = (container.attrs["Config"].get("Healthcheck") or {}).get("Test") or ["NONE"]
    url = f"http://127.0.0.1:{port or 'PORT'}{path or '/'}"
    expect(
        test[0] != "NONE",
        "it has no healthcheck, so it counts as healthy as soon as it runs; add to its Compose service "
        f"""healthcheck: {{test: ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('{url}', timeout=3)"], interval: 5s}} """
        f"(or a HEALTHCHECK in its Dockerfile), or relax healthcheck in {where}",
    )
    return " ".join(test[1:])[:100]


def data_on_named_volumes(containers: list, where: str) -> str:
    """No path is on an anonymous volume: `down` leaves it behind and the next `up` starts that path empty.

    Every container of the service, running or done: a one-shot writes data too.
    """
    expect(bool(containers), "the service has no container")
    paths = sorted({destination for _, destination in anonymous_mounts(containers)})
    expect(
        not paths,
        f"{', '.join(paths)} {'is' if len(paths) == 1 else 'are'} on an anonymous volume (a VOLUME of its image, or a bare "
        "path in its Compose file): the next up starts it empty; mount a named volume at exactly that path "
        f"(PostgreSQL 18 and newer keep their data under /var/lib/postgresql), or relax named-volumes in {where}",
    )
    return "no anonymous volume"


def running_container(stack: Stack, name: str):
    """A function giving the service's running container when a check runs (not when it is listed)."""
    return lambda: running(stack, name)


def base_layers(
    client: docker.DockerClient, service: ServiceModel, layers: list[str], substitutes: dict[str, list[str]]
) -> list[str]:
    """The layers of the image the Dockerfile's built stage starts FROM, followed through stages and build arguments.

    Never "the longest prefix among local images": an older build of this very
    Dockerfile would pass for the base and hide every layer but the last.
    """
    where = display(service.dockerfile)
    reference = base_reference(service.dockerfile.read_text(), service.build_args, service.target, where)
    if reference == "scratch":
        return []
    # The contract's base image may stand in as its local substitute (one official image can have two: a builder's
    # and the runtime flavour that follows it).
    for candidate in dict.fromkeys([reference, *substitutes.get(reference, [])]):
        # BuildKit keeps the bases it pulls out of the engine's image list: pulled here if a registry has it.
        base = image_exists(client, candidate) or pull(client, candidate)[0]
        found = (base.attrs.get("RootFS", {}).get("Layers") or []) if base else None
        if found is not None and layers[: len(found)] == found:
            return found
    raise CheckFailed(
        f"its layers do not start with those of {reference}, the base {where} names now: "
        f"it was built from another base, or that image is not here; rebuild it (inv build)"
    )


#: Installed distributions: what they ship (gevent's tests/server.key) is theirs, not the project's.
INSTALLED = re.compile(r"/(site|dist)-packages/")


def forbidden(paths: list[str], patterns: tuple[str, ...]) -> list[str]:
    """Paths matching a pattern: one without / matches a name anywhere but inside an installed distribution, one
    with / the whole path."""
    hits = []
    for path in paths:
        parts = path.strip("/").split("/")
        for pattern in patterns:
            if "/" in pattern:
                matched = fnmatch.fnmatch(path.strip("/"), pattern.strip("/"))
            else:
                matched = not INSTALLED.search(path) and any(fnmatch.fnmatch(part, pattern) for part in parts)
            if matched:
                hits.append(f"/{path.strip('/')} ({pattern})")
                break
    return hits


def image_contents(
    client: docker.DockerClient, container, service: ServiceModel, forbid: ForbiddenFiles, seen: dict[tuple, list[str]]
) -> str:
    image = client.images.get(container.attrs["Image"])
    layers = image.attrs["RootFS"]["Layers"]
    if tuple(layers) not in seen:  # services built alike share their layers: read them once
        skip = len(base_layers(client, service, layers, forbid.substitutes))
        seen[tuple(layers)] = added_files(client, image, skip)
    paths = seen[tuple(layers)]
    hits = forbidden([path for path, holds in paths.items() if holds], forbid.patterns)
    expect(not hits, f"the image's own layers hold {', '.join(hits[:5])}{' ...' if len(hits) > 5 else ''}")
    history = " ".join(str(layer.get("CreatedBy", "")) for layer in image.history())
    expect(
        "BEGIN CERTIFICATE" not in history and "PRIVATE KEY" not in history, "a certificate or key appears in the image history"
    )
    return f"{len(paths)} files in the project's layers, none forbidden"


@dataclass(frozen=True)
class ForbiddenFiles:
    patterns: tuple[str, ...]
    substitutes: dict[str, list[str]]  # official base image -> the local substitutes that may stand in for it


def hardened(container, relax: tuple[str, ...]) -> str:
    problems = hardening_problems(container.attrs["HostConfig"], relax)
    expect(not problems, f"lacks {', '.join(problems)}; set them in its Compose file (or relax them in the contract)")
    return "read-only, cap_drop ALL, no-new-privileges, memory and pids limits, restart policy"


def within_budget(client: docker.DockerClient, container, budget: int, where: str) -> str:
    megabytes = client.images.get(container.attrs["Image"]).attrs["Size"] / 1e6
    expect(megabytes <= budget, f"the image is {megabytes:.0f} MB, over the {budget} MB budget ({where})")
    return f"{megabytes:.0f} MB of {budget} MB"


def built_service_checks(stack: Stack, service: ServiceModel, forbid: ForbiddenFiles, seen: dict) -> list[Check]:
    """The image and runtime checks of one service the project builds, minus what its contract relaxes."""
    client, config, name = stack.client, stack.config, service.name
    contract = config.service(name)
    where = config.where(f"services.{name}.relax")
    container = running_container(stack, name)
    checks: list[Check] = []
    if "healthcheck" not in contract.relax and (contract.is_http or name == config.entry):
        port = contract.port or next((p.target for p in service.ports), None)
        path = contract.health or contract.ready
        checks.append((f"{name}: has a healthcheck", lambda: has_healthcheck(container(), port, path, where)))
    if "non-root" not in contract.relax:
        uid_key = config.where(f"services.{name}.min-uid")
        checks.append((f"{name}: runs as non-root", lambda: non_root(client, container(), contract.min_uid, uid_key)))
    budget = config.where("image-size-budget-mb")
    return checks + [
        # Only the project's own services: a database's log also records
        # its clients' mistakes (a wrong password tried), no fault of the stack.
        (f"{name}: no error in its log", lambda: clean_log(stack.containers(name), name)),
        (f"{name}: hardening in effect", lambda: hardened(container(), contract.relax)),
        (f"{name}: image size budget", lambda: within_budget(client, container(), config.image_size_budget_mb, budget)),
        (f"{name}: no forbidden files in image", lambda: image_contents(client, container(), service, forbid, seen)),
    ]


def container_checks(stack: Stack) -> list[Check]:
    """Health and data volumes of every service this env starts; image and runtime checks of every one the project builds."""
    config, model = stack.config, stack.model
    checks: list[Check] = [(f"{name}: healthy", lambda n=name: healthy(stack.containers(n), n)) for name in model.active]
    for name in model.active:
        where = config.where(f"services.{name}.relax")
        if "named-volumes" not in config.service(name).relax:
            check = lambda n=name, w=where: data_on_named_volumes(stack.containers(n), w)  # noqa: E731
            checks.append((f"{name}: data on named volumes", check))
    substitutes: dict[str, list[str]] = {}
    for base in needed_base_images(stack.settings, model):
        substitutes.setdefault(base.official, []).extend([base.local] if base.local else [])
    forbid, seen = ForbiddenFiles(config.forbidden_in_image, substitutes), {}
    for name in model.active:
        if model.services[name].built:
            checks += built_service_checks(stack, model.services[name], forbid, seen)
    return checks
