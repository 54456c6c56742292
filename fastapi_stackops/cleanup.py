"""Removing what a project left on the engine: its volumes (only when asked), its anonymous volumes, its built images.

Everything is selected by what ties it to the project: Compose's project
label, or a mount of one of the project's containers. What another project
uses or names is kept, and said.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from fastapi_stackops.engine import PROJECT_LABEL, project_containers, project_filter
from fastapi_stackops.lazy import docker

#: The engine names an anonymous volume (a VOLUME in the image, or a bare container path) by 64 hex digits.
ANONYMOUS = re.compile(r"^[0-9a-f]{64}$")


def anonymous_mounts(containers: list) -> list[tuple[str, str]]:
    """(volume, path) of each anonymous volume these containers mount: `compose down` leaves them behind, unlabelled."""
    return [
        (mount["Name"], mount["Destination"])
        for container in containers
        for mount in container.attrs.get("Mounts") or []
        if mount.get("Type") == "volume" and ANONYMOUS.match(mount.get("Name", ""))
    ]


def anonymous_volumes(containers: list) -> set[str]:
    return {name for name, _ in anonymous_mounts(containers)}


def unlabelled_volumes(client: docker.DockerClient, project: str, names: Iterable[str]) -> list[str]:
    """Of these volume names, those that exist without the project's Compose label: made by hand or another tool."""
    found = []
    for name in names:
        try:
            labels = client.volumes.get(name).attrs.get("Labels") or {}
        except docker.errors.NotFound:
            continue
        if labels.get(PROJECT_LABEL) != project:
            found.append(name)
    return found


def _remove(thing) -> bool:
    try:
        thing.remove()
        return True
    except docker.errors.NotFound:
        return True
    except docker.errors.APIError:
        return False  # still in use: leftovers() names it


def remove_volumes(client: docker.DockerClient, project: str, anonymous: Iterable[str] = ()) -> list[str]:
    """Delete the volumes Compose labelled as the project's and the given anonymous ones, and only those.

    Not `compose down --volumes`: Compose 2.40 also deletes a volume someone
    made by hand under the project's volume name (measured).
    """
    volumes = client.volumes.list(filters=project_filter(project))
    for name in anonymous:
        try:
            volumes.append(client.volumes.get(name))
        except docker.errors.NotFound:
            continue
    return [volume.name for volume in volumes if _remove(volume)]


def images_in_use(client: docker.DockerClient) -> set[str]:
    """IDs of the images any container on the engine (any project's, running or not) was made from."""
    return {container.attrs["Image"] for container in client.containers.list(all=True, ignore_removed=True)}


def removable_images(
    client: docker.DockerClient, project: str, own_names: set[str], names_elsewhere: Callable[[], set[str]]
) -> tuple[list, list[str]]:
    """The project's built images (by label, superseded builds included) that nothing else uses or names; and why others stay.

    `names_elsewhere` is asked only for a tag that is not one of `own_names`
    (Compose's default `<project>-<service>` names, which no other project shares).
    """
    used = images_in_use(client)
    removable, kept = [], []
    for image in client.images.list(all=True, filters=project_filter(project)):
        foreign = set(image.tags) - own_names
        shared = sorted(foreign & names_elsewhere()) if foreign else []
        if image.id in used:
            kept.append(f"image {(image.tags or [image.short_id])[0]} (a container still uses it)")
        elif shared:
            kept.append(f"image {shared[0]} (another env of this project names it)")
        else:
            removable.append(image)
    return removable, kept


def remove_images(client: docker.DockerClient, images: list) -> list[str]:
    """Untag, then delete, each image; what could not be removed."""
    stayed = []
    for image in images:
        try:
            for tag in image.tags:
                client.images.remove(tag, noprune=False)
            client.images.remove(image.id, noprune=False)
        except docker.errors.ImageNotFound:
            continue
        except docker.errors.APIError as error:
            stayed.append(f"image {(image.tags or [image.short_id])[0]} ({getattr(error, 'explanation', error)})")
    return stayed


def leftovers(client: docker.DockerClient, project: str, volumes: bool, anonymous: Iterable[str] = ()) -> list[str]:
    """What the engine still holds of the project, each with why it may have stayed."""
    label = project_filter(project)
    stayed = [f"container {c.name} ({c.status})" for c in project_containers(client, project)]
    for network in client.networks.list(filters=label):
        network.reload()
        attached = sorted(c["Name"] for c in (network.attrs.get("Containers") or {}).values())
        stayed.append(f"network {network.name}" + (f" (containers still attached: {', '.join(attached)})" if attached else ""))
    if volumes:
        stayed += [f"volume {v.name}" for v in client.volumes.list(filters=label)]
        present = {v.name for v in client.volumes.list()}
        stayed += [f"anonymous volume {name[:12]}" for name in anonymous if name in present]
    return stayed
