"""Images to a registry: a local registry for machines without one, and pushing the stack's images by content.

The registry named by an env file's REGISTRY (host:port) receives the images
the project builds, tagged by the git commit they were built from; the
digest the registry answers is what every node pulls, so all run the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.baseimages import BaseImage, ensure_image
from fastapi_stackops.commands import run
from fastapi_stackops.compose import ComposeModel
from fastapi_stackops.engine import image_exists, owned_container, split_reference
from fastapi_stackops.lazy import docker, requests
from fastapi_stackops.settings import StackSettings
from fastapi_stackops.stack import Stack
from fastapi_stackops.waiting import poll, within

#: The official registry image, or its substitute from Debian's docker-registry.
REGISTRY_IMAGE = BaseImage(recipe="registry", variable="REGISTRY_IMAGE", official="registry:2")
CONTAINER = "stackops-registry"
VOLUME = "stackops-registry-data"  # kept when the registry stops, unless asked
LABEL = "io.stackops.registry"


def registry_address(settings: StackSettings) -> str:
    address = settings.value("REGISTRY")
    if not address:
        raise StackError(
            f"{settings.env_file}: REGISTRY is not set; add REGISTRY=host:port (inv registry.start runs one at 127.0.0.1:5000)"
        )
    return address


def registry_answers(address: str) -> bool:
    try:
        return requests.get(f"http://{address}/v2/", timeout=2).status_code in (200, 401)
    except requests.RequestException:
        return False


def start_registry(
    settings: StackSettings, client: docker.DockerClient, port: int = 5000, labels: dict[str, str] | None = None
) -> str:
    """A registry container on 127.0.0.1:port (already running: left as it is); its address.

    `labels` go on the container and on its volume when this call makes them.
    """
    address = f"127.0.0.1:{port}"
    container = owned_container(client, CONTAINER, LABEL, "stackops")
    if container is None:
        image = ensure_image(REGISTRY_IMAGE, settings, client)
        if labels and not client.volumes.list(filters={"name": VOLUME}):
            client.volumes.create(VOLUME, labels=labels)
        try:
            container = client.containers.run(
                image,
                name=CONTAINER,
                detach=True,
                labels={LABEL: "1", **(labels or {})},
                ports={"5000/tcp": ("127.0.0.1", port)},
                volumes={VOLUME: {"bind": "/var/lib/registry", "mode": "rw"}},
                restart_policy={"Name": "unless-stopped"},
            )
        except docker.errors.APIError as error:
            raise StackError(f"the registry did not start: {error.explanation or error}") from None
    elif container.status != "running":
        container.start()
    if not poll(lambda: registry_answers(address), within(15), interval=0.2):
        logs = container.logs(tail=5).decode(errors="replace").strip()
        raise StackError(f"the registry at {address} does not answer after 15 s; its last lines: {logs}")
    return address


def stop_registry(client: docker.DockerClient, delete_images: bool = False) -> list[str]:
    """Remove the registry container, and its stored images only when asked; what was removed."""
    removed = []
    try:
        client.containers.get(CONTAINER).remove(force=True)
        removed.append(f"container {CONTAINER}")
    except docker.errors.NotFound:
        pass
    if delete_images:
        try:
            client.volumes.get(VOLUME).remove()
            removed.append(f"volume {VOLUME}")
        except docker.errors.NotFound:
            pass
    return removed


def source_revision(root: Path) -> str:
    """The git commit the images are built from; `-dirty` when the working tree has changes."""
    result = run(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=root, capture=True, check=False)
    if result.returncode != 0:
        raise StackError(f"{root} is not a git repository; images are tagged by commit, so commit the project first")
    return result.stdout.strip()


@dataclass(frozen=True)
class Pushed:
    service: str
    tag: str  # registry/name:commit
    digest: str  # registry/name@sha256:..., what nodes pull


def built_images(settings: StackSettings, model: ComposeModel) -> dict[str, str]:
    """Service -> the local image Compose built for it (its `image:`, else PROJECT-SERVICE), for active services."""
    return {name: model.image_of(name, settings.project) for name in model.active if model.services[name].built}


def push_image(client: docker.DockerClient, local: str, target: str) -> str:
    """Tag the local image as `target` (repository:tag), push it, and return the digest reference nodes pull."""
    repository, tag = split_reference(target)
    client.images.get(local).tag(repository, tag=tag)
    # The CLI's push: its progress and its errors, in its own words.
    run(["docker", "push", target], capture=True, what=f"docker push {target} failed")
    digests = [d for d in client.images.get(target).attrs.get("RepoDigests", []) if d.startswith(repository + "@")]
    if not digests:
        raise StackError(f"the registry gave no digest for {target}")
    return digests[0]


def answering_registry(settings: StackSettings) -> str:
    """The env's REGISTRY address, once it answers; before anything touches an engine, so a missing key says so."""
    registry = registry_address(settings)
    if not registry_answers(registry):
        raise StackError(
            f"no registry answers at {registry} (REGISTRY in {settings.env_file}); start one with inv registry.start"
        )
    return registry


def push_images(stack: Stack) -> list[Pushed]:
    """Tag every built image of the stack by commit under its registry, push it, and read back its digest."""
    return push_built(answering_registry(stack.settings), stack.settings, stack.model, stack.client)


def push_built(registry: str, settings: StackSettings, model: ComposeModel, client: docker.DockerClient) -> list[Pushed]:
    revision = source_revision(settings.config.root)
    pushed = []
    for service, local in built_images(settings, model).items():
        if image_exists(client, local) is None:
            raise StackError(f"image {local} of service {service} is not built; run inv build --env {settings.cli_env}")
        tag = f"{registry}/{local.split('/')[-1].split(':')[0]}:{revision}"
        pushed.append(Pushed(service, tag, push_image(client, local, tag)))
    return pushed


def pinned_images(settings: StackSettings, model: ComposeModel, client: docker.DockerClient) -> dict[str, str]:
    """Service -> the digest reference every node pulls, for the env's services.

    Built images are pushed (push_built). Others keep the digest of the
    registry they came from; one no registry knows (a local substitute) is
    pushed under the env's registry by its own tag.
    """
    registry = answering_registry(settings)
    pinned = {p.service: p.digest for p in push_built(registry, settings, model, client)}
    for service in model.active:
        image = model.services[service].image
        if service in pinned or not image:
            continue
        present = image_exists(client, image)
        if present is None:
            continue  # not here: each node pulls it by name
        repository, tag = split_reference(image)
        known = [d for d in present.attrs.get("RepoDigests", []) if d.startswith(repository + "@")]
        if known:
            pinned[service] = known[0]
        else:
            pinned[service] = push_image(client, image, f"{registry}/{repository.split('/')[-1]}:{tag}")
    return pinned
