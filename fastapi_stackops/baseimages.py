"""Base images: the official ones when a registry answers, local substitutes otherwise.

The project names its base images in its contract (`[tool.stackops.base-images]`:
the Compose variable, the official image, the substitute recipe). A substitute
is built once from Debian packages (fastapi_stackops/base/build-base.sh) and reused
while its recipe is unchanged (a hash of the recipe is a label).
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi_stackops import PACKAGE_DIR, StackError
from fastapi_stackops.commands import run_with_heartbeat
from fastapi_stackops.compose import ComposeModel
from fastapi_stackops.console import say, step
from fastapi_stackops.engine import connect, image_exists, pull
from fastapi_stackops.lazy import docker
from fastapi_stackops.project import DeclaredBase
from fastapi_stackops.settings import StackSettings
from fastapi_stackops.substitutes import (
    DEBIAN_SHIPS,
    FIXED,
    Substitute,
    decide,
    effective_mode,
    official_name,
    plan_substitute,
)
from fastapi_stackops.target import this_machines_engine

RECIPES_DIR = PACKAGE_DIR / "base"
APT_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))
LABEL_RECIPE_HASH = "io.stackops.base.recipe-hash"

#: Recipes' own files besides build-base.sh (part of their hash).
RECIPE_FILES = {
    "postgres": ("postgres-entrypoint.sh",),
    "pgvector": ("postgres-entrypoint.sh",),
    "postgis": ("postgres-entrypoint.sh", "postgis-initdb.sh"),
    "mariadb": ("mariadb-entrypoint.sh",),
    "swarm-node": ("swarm-node.sh", "ssh-host.sh"),
    "proxy": ("proxy-entrypoint.sh",),
    "python-runtime": ("python-runtime.sh",),
}


PROXY_SERVICE = "stackops-proxy"


@dataclass(frozen=True)
class BaseImage:
    recipe: str  # a RECIPES name, or "" when only pulling will do
    variable: str  # the Compose variable that names it
    official: str  # what the env file (or the contract) asks for; "" when only the substitute will do

    @property
    def plan(self) -> Substitute:
        return plan_substitute(self.recipe, self.official)

    @property
    def local(self) -> str:
        """The substitute's tag; "" when there is no recipe or it cannot be built for this version."""
        try:
            return self.plan.tag if self.recipe else ""
        except StackError:
            return ""

    @property
    def recipe_files(self) -> list[Path]:
        return [RECIPES_DIR / "build-base.sh"] + [RECIPES_DIR / own for own in RECIPE_FILES.get(self.recipe, ())]

    def recipe_hash(self) -> str:
        digest = hashlib.sha256(f"{self.recipe} {self.plan.suite} {self.plan.version}".encode())
        for path in self.recipe_files:
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]


#: The server deploy's reverse proxy (compose.proxy.yaml): HAProxy from Debian's package, with
#: the entrypoint that switches it (no official image has that), so always built here.
PROXY_IMAGE = BaseImage(recipe="proxy", variable="PROXY_IMAGE", official="")


def needed_base_images(settings: StackSettings, model: ComposeModel, services: Sequence[str] | None = None) -> list[BaseImage]:
    """The contract's base images that these services (default: the ones this env starts) build from or run."""
    referenced_by = model.active if services is None else services
    referenced = model.referenced_images(referenced_by)
    images = []
    for declared in settings.config.base_images:
        official = official_image(settings, declared)
        if official in referenced:
            images.append(BaseImage(declared.substitute, declared.variable, official))
    if PROXY_SERVICE in referenced_by:
        images.append(PROXY_IMAGE)
    return images


def official_image(settings: StackSettings, declared: DeclaredBase) -> str:
    """What the env names for a base image; one that follows another is, unless named, the other's."""
    if declared.follows and not settings.value(declared.variable):
        followed = next(d for d in settings.config.base_images if d.variable == declared.follows)
        return official_image(settings, followed)
    return settings.value(declared.variable, declared.image)


def debian_mirror(sources: dict[str, str]) -> str | None:
    """The main Debian archive named in apt sources (deb822 or one-line style).

    Security, updates and third-party repositories are skipped: the first
    entry whose suite has no `-` and whose URI ends in /debian wins.
    `sources` maps file names to their text, so this stays pure.
    """
    entries: list[tuple[str, str]] = []
    for _, text in sorted(sources.items()):
        for stanza in re.split(r"\n\s*\n", text):
            fields = dict(re.findall(r"^([A-Za-z-]+):[ \t]*(.*)$", stanza, re.M))
            if "deb" in fields.get("Types", "").split():
                entries += [(uri, suite) for uri in fields.get("URIs", "").split() for suite in fields.get("Suites", "").split()]
        entries += re.findall(r"^[ \t]*deb[ \t]+(?:\[[^\]]*\][ \t]+)?(\S+)[ \t]+(\S+)", text, re.M)
    for uri, suite in entries:
        if "-" not in suite and uri.rstrip("/").endswith("/debian"):
            return uri
    return None


def read_apt_sources() -> dict[str, str]:
    texts = {}
    for place in APT_SOURCES:
        files = sorted(place.glob("*.sources")) + sorted(place.glob("*.list")) if place.is_dir() else [place]
        for path in files:
            if path.is_file():
                texts[str(path)] = path.read_text(errors="replace")
    return texts


def mirror_for(settings: StackSettings) -> str | None:
    """The Debian mirror substitutes are built from: DEBIAN_MIRROR, else the host's apt sources."""
    return settings.debian_mirror or debian_mirror(read_apt_sources())


@contextmanager
def building_alone(tag: str) -> Iterator[None]:
    """One build of a substitute at a time on this machine: a task that needs one another task is building waits for
    that build (a file lock in the temp folder, released when its process ends however it ends)."""
    name = re.sub(r"[^\w.-]", "_", tag)
    path = Path(tempfile.gettempdir()) / f"stackops-build-{name}.lock"
    with open(path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"==> waiting for another task's build of {tag}")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _build_substitute(image: BaseImage, settings: StackSettings, client: docker.DockerClient) -> None:
    source = trimmed_from(image)
    if source and current_substitute(source, client) is None and not copied_from_this_machine(source, settings, client):
        _build_substitute(source, settings, client)  # first, under its own lock
    with building_alone(image.local):
        if current_substitute(image, client) is None:  # else another task built it while this one waited
            _run_recipe(image, settings, source.local if source else "")


def trimmed_from(image: BaseImage) -> BaseImage | None:
    """The substitute a runtime flavour is trimmed from (the python one of its version), or None for the others."""
    if image.recipe != "python-runtime":
        return None
    plan = image.plan
    return BaseImage("python", "PYTHON_BASE_IMAGE", official_name("python", plan.version, plan.suite))


def _run_recipe(image: BaseImage, settings: StackSettings, source: str = "") -> None:
    mirror = mirror_for(settings)
    if not mirror:
        raise StackError(
            f"cannot build {image.local}: no Debian mirror in /etc/apt/sources*; set DEBIAN_MIRROR in {settings.env_file}"
        )
    plan = image.plan  # refuses a version no Debian suite ships
    command = ["bash", str(RECIPES_DIR / "build-base.sh"), image.recipe, plan.tag, mirror, plan.suite, image.recipe_hash()]
    command += [plan.version] if plan.version else []
    command += [source] if source else []
    made = f"trimmed from {source}" if source else f"from Debian {plan.suite} packages"
    with step(f"building {plan.tag} {made} (once; later runs reuse it)"):
        run_with_heartbeat(command, f"base image {image.recipe}")


def ensure_base_images(
    settings: StackSettings,
    model: ComposeModel,
    client: docker.DockerClient,
    services: Sequence[str] | None = None,
    log: Callable[[str], None] = say,
) -> dict[str, str]:
    """Make every base image the services need available; return the Compose variables naming them."""
    chosen = {}
    for image in needed_base_images(settings, model, services):
        chosen[image.variable] = ensure_image(image, settings, client, log)
    return chosen


def current_substitute(image: BaseImage, client: docker.DockerClient):
    """The local substitute if it was built from the current recipe, else None."""
    if not image.local:
        return None
    present = image_exists(client, image.local)
    if present is not None and present.labels.get(LABEL_RECIPE_HASH) == image.recipe_hash():
        return present
    return None


def choice(image: BaseImage, settings: StackSettings, client: docker.DockerClient) -> str:
    """What `decide` says for this image on this engine: "official", "substitute", "pull" or "build"."""
    mode = effective_mode(settings.base_images, bool(image.recipe), image.official)
    present = mode != "local" and image_exists(client, image.official) is not None
    current = not present and mode != "registry" and current_substitute(image, client) is not None
    return decide(mode, present, current)


def ensure_image(image: BaseImage, settings: StackSettings, client: docker.DockerClient, log: Callable[[str], None] = say) -> str:
    """The image's official ref when present or pullable, else its local substitute (built once); per BASE_IMAGES."""
    chosen = choice(image, settings, client)
    if chosen in ("official", "substitute"):
        return image.official if chosen == "official" else image.local
    if chosen == "pull":
        log(f"==> pulling {image.official}")  # "done" only when it was: a registry that does not answer is said next
        _, reason = pull(client, image.official)
        if not reason:
            log(f"    pulling {image.official}: done")
            return image.official
        if effective_mode(settings.base_images, bool(image.recipe), image.official) == "registry":
            raise StackError(
                f"cannot pull {image.official} ({reason}); "
                + (
                    f"set BASE_IMAGES=auto in {settings.env_file} to build a local substitute from Debian packages"
                    if image.recipe
                    else f"name a substitute for {image.variable} in {settings.config.where('base-images')}, or make the image available"
                )
            )
        log(f"    no registry answers ({reason}); building a local substitute")
    if image.local and image_exists(client, image.local) is not None:
        log(f"    {image.local} was built from an older recipe; rebuilding it")
    if not copied_from_this_machine(image, settings, client):
        _build_substitute(image, settings, client)
    return image.local


def every_substitute() -> list[BaseImage]:
    """Every local substitute the recipes can build: each version a Debian suite ships, and the fixed ones."""
    versions = [(recipe, version, suite) for recipe, ships in DEBIAN_SHIPS.items() for version, suite in ships.items()]
    return [
        BaseImage(recipe, f"{recipe.upper().replace('-', '_')}_BASE_IMAGE", official_name(recipe, version, suite))
        for recipe, version, suite in versions
    ] + [BaseImage(recipe, f"{recipe.upper()}_IMAGE", "") for recipe in FIXED]


def build_substitutes(images: Sequence[BaseImage], settings: StackSettings, client: docker.DockerClient, workers: int = 3) -> int:
    """Build the substitutes not already current, a few at a time (each mostly waits on the mirror); how many were built."""
    missing = [image for image in images if current_substitute(image, client) is None]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda image: _build_substitute(image, settings, client), missing))
    return len(missing)


def copied_from_this_machine(image: BaseImage, settings: StackSettings, client: docker.DockerClient) -> bool:
    """For a remote engine: send it the substitute this machine's engine already has (current recipe), not build it again."""
    if not settings.target.remote:
        return False
    try:
        here = connect(this_machines_engine())
    except StackError:
        return False
    if current_substitute(image, here) is None:
        return False
    with step(f"sending {image.local} from this machine's engine to {settings.target.label}"):
        client.api.load_image(here.api.get_image(image.local))
    return True
