"""Local substitutes for official base images, and the choice between the two: pure, shared by `inv images`, `inv up` and `inv doctor`.

A substitute is built from Debian packages, so it can be only what a Debian
suite ships: the version an official image names decides the suite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi_stackops import StackError
from fastapi_stackops.engine import split_reference

#: What each Debian suite ships, so what a substitute can be: the version an image
#: names decides the suite (measured: trixie builds with the same recipes).
PYTHON_SHIPS = {"3.9": "bullseye", "3.11": "bookworm", "3.13": "trixie", "3.14": "forky"}
#: The patch release of each suite's Python (measured 2026-12-04): what a substitute runs, and what a release's
#: Requires-Python is held against (`<=3.11` leaves 3.11.2 out).
PYTHON_PATCH = {"3.9": 2, "3.11": 2, "3.13": 5, "3.14": 8}
DEBIAN_SHIPS = {
    "python": PYTHON_SHIPS,
    # The same interpreter with only what a built venv needs to run: a runtime stage's base.
    "python-runtime": PYTHON_SHIPS,
    "postgres": {"15": "bookworm", "17": "trixie", "18": "forky"},
    # PostgreSQL with the vector extension (postgresql-NN-pgvector): only trixie ships it.
    "pgvector": {"17": "trixie"},
    # PostgreSQL with PostGIS (postgresql-NN-postgis-3), as postgis/postgis (which names no suite).
    "postgis": {"15": "bookworm", "17": "trixie"},
    "redis": {"7": "bookworm"},
    "mariadb": {"10.11": "bookworm"},
    "rabbitmq": {"3": "bookworm"},
}
#: Recipes that are no version of anything the contract names: one fixed build each.
FIXED = {
    "registry": ("local/registry:2.8-bookworm", "bookworm"),
    "swarm-node": ("local/swarm-node:20.10-bookworm", "bookworm"),
    "proxy": ("local/haproxy:2.6-bookworm", "bookworm"),
}
#: Recipes whose official image is not <recipe>:<version>-<suite>, and how that image's tag names the version.
OFFICIAL_NAMES = {
    "pgvector": ("pgvector/pgvector:pg{version}-{suite}", r"pg(\d+)"),
    "postgis": ("postgis/postgis:{version}-3.5", r"^(\d+)-"),
}
#: Base images the tooling can build itself from Debian packages (a contract's `substitute`).
SUBSTITUTES = tuple(DEBIAN_SHIPS)


@dataclass(frozen=True)
class Substitute:
    tag: str  # local/python:3.13-slim-trixie
    suite: str
    version: str  # "" for a fixed recipe


def plan_substitute(recipe: str, official: str) -> Substitute:
    """The substitute for an official image: the same version, from the suite that ships it; or a one-line refusal."""
    if recipe in FIXED:
        return Substitute(*FIXED[recipe], "")
    ships = DEBIAN_SHIPS[recipe]
    can = ", ".join(f"{version} ({suite})" for version, suite in ships.items())
    _, tag = split_reference(official)
    named = re.search(OFFICIAL_NAMES[recipe][1], tag) if recipe in OFFICIAL_NAMES else re.match(r"(\d+(?:\.\d+)?)", tag)
    version = named.group(1) if named else ""
    if recipe in ("python", "python-runtime", "mariadb"):
        version = ".".join(version.split(".")[:2])  # 3.11.9 is a 3.11, mariadb 10.11.6 a 10.11
    else:
        version = version.split(".")[0]  # postgres 15.4, redis 7.2, rabbitmq 3.10: 15, 7, 3; pgvector's pg17, postgis' 15-3.5
    suite = ships.get(version)
    asked_suite = next((word for word in re.split(r"[-.]", tag) if word in ("bookworm", "trixie", "bullseye", "forky")), suite)
    if suite is None or asked_suite != suite:
        raise StackError(
            f"no local substitute can stand in for {official}: Debian's packages give {recipe} {can}; "
            f"name one of those versions, or make {official} available (docker pull, or a registry)"
        )
    local = f"local/{recipe}:{version}-slim-{suite}" if recipe.startswith("python") else f"local/{recipe}:{version}-{suite}"
    return Substitute(local, suite, version)


def official_name(recipe: str, version: str, suite: str) -> str:
    """The official image a substitute of that version stands in for."""
    if recipe.startswith("python"):  # both Python recipes stand in for the official slim image of their version
        return f"python:{version}-slim-{suite}"
    return OFFICIAL_NAMES.get(recipe, ("{recipe}:{version}-{suite}",))[0].format(recipe=recipe, version=version, suite=suite)


def effective_mode(mode: str, can_build: bool, official: str) -> str:
    """BASE_IMAGES for one image: without a recipe only pulling will do, and without an official name only the substitute."""
    mode = mode if can_build else "registry"
    return mode if official else "local"


def decide(mode: str, official_present: bool, substitute_current: bool) -> str:
    """How to make a base image available: "official" or "substitute" (present), "pull", or "build" the substitute.

    `mode` is the image's effective mode; a substitute built once is reused in
    `auto` without asking a registry each time.
    """
    if mode != "local" and official_present:
        return "official"
    if mode != "registry" and substitute_current:
        return "substitute"
    return "pull" if mode != "local" else "build"
