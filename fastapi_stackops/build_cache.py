"""A build cache kept in a folder between CI runs, for runners that start with an empty engine (GitHub's, GitLab's
docker:dind). The images a build made are saved there with their BuildKit cache inline; the next run loads them and
builds from them (`cache_from`), so only the steps after a change run again. The engine's default builder does this
alone: no buildx builder, no registry, no runner-specific cache service. The runner keeps the folder (actions/cache,
GitLab's `cache:`)."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from fastapi_stackops.compose import ComposeModel
from fastapi_stackops.console import say
from fastapi_stackops.lazy import docker
from fastapi_stackops.stack import Stack

#: The repository the cached images are tagged into while they are saved and loaded; one tag per built service.
REPOSITORY = "stackops-build-cache"
#: The files this module writes in the folder; nothing else in it is touched.
PATTERN = f"{REPOSITORY}-*.tar"


def built_services(model: ComposeModel) -> list[str]:
    return [name for name in model.active if model.services[name].built]


def override(services: list[str], cached: list[str]) -> str:
    """The Compose file laid over the stack's for the build: every built service writes its cache into its image
    (BUILDKIT_INLINE_CACHE), and builds from every image the folder held."""
    body = {"args": {"BUILDKIT_INLINE_CACHE": "1"}, **({"cache_from": cached} if cached else {})}
    return json.dumps({"services": {name: {"build": body} for name in services}}, indent=2) + "\n"


def restored(client: docker.DockerClient, folder: Path) -> list[str]:
    """Load the images the folder holds; the tags they came back under."""
    tags = []
    for archive in sorted(folder.glob(PATTERN)):
        try:
            with archive.open("rb") as data:
                answer = list(client.api.load_image(data, quiet=True))
        except docker.errors.APIError as error:
            answer = [{"error": error.explanation or str(error)}]
        refused = next((line["error"] for line in answer if line.get("error")), None)
        if refused:  # a cut or stale archive costs the cache, never the build
            say(f"  build cache  {archive.name} not loaded, built without it: {refused}")
            continue
        said = [line.get("stream", "").strip() for line in answer]
        tags += [line.removeprefix("Loaded image: ") for line in said if line.startswith(f"Loaded image: {REPOSITORY}:")]
    return tags


def saved(stack: Stack, folder: Path, services: list[str]) -> list[Path]:
    """Save each image the build made, once per image, replacing what the folder held."""
    folder.mkdir(parents=True, exist_ok=True)
    kept, seen = [], set()
    for name in services:
        image = stack.client.images.get(stack.model.image_of(name, stack.project))
        if image.id in seen:
            continue
        seen.add(image.id)
        tag = f"{REPOSITORY}:{name}"
        image.tag(REPOSITORY, name)
        archive = folder / f"{REPOSITORY}-{name}.tar"
        partial = archive.with_suffix(".partial")
        with partial.open("wb") as out:
            for chunk in stack.client.api.get_image(tag):
                out.write(chunk)
        partial.replace(archive)  # a save cut short never stands for the cache
        forgotten(stack.client, [tag])
        kept.append(archive)
    for stale in set(folder.glob(PATTERN)) - set(kept):
        stale.unlink()
    return kept


def forgotten(client: docker.DockerClient, tags: list[str]) -> None:
    """Untag the cache's names; the images stay as long as the stack's own names hold them."""
    for tag in tags:
        with contextlib.suppress(docker.errors.NotFound):
            client.images.remove(tag)


@contextlib.contextmanager
def building_with(stack: Stack, folder: Path | None) -> Iterator[Stack]:
    """The stack to build, with the folder's cache laid over it; once the build succeeded, its images saved there."""
    if folder is None:
        yield stack
        return
    services = built_services(stack.model)
    cached = restored(stack.client, folder) if folder.is_dir() else []
    say(f"  build cache  {len(cached)} image(s) from {folder}" if cached else f"  build cache  none yet in {folder}")
    with tempfile.TemporaryDirectory(prefix="stackops-cache-") as scratch:
        layer = Path(scratch) / "compose.build-cache.json"
        layer.write_text(override(services, cached))
        try:
            yield Stack(replace(stack.settings, compose_files=(*stack.settings.compose_files, layer)), stack.client)
        finally:
            forgotten(stack.client, cached)
    try:
        kept = saved(stack, folder, services)
    except (OSError, docker.errors.APIError) as error:  # a full disk costs the next run's cache, not this build
        say(f"  build cache  not saved to {folder}: {error}")
        return
    say(f"  build cache  {len(kept)} image(s) saved to {folder}")
