"""What an install with no lock gets: the releases there were at the last commit, none of the pins for other
systems that a requirements file frozen on Windows or macOS carries, and which of its pins need another Python."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi_stackops.adopt.findings import Finding
from fastapi_stackops.adopt.package_index import for_other_pythons, normalized, undated
from fastapi_stackops.adopt.pipfile import pipfile
from fastapi_stackops.adopt.system_freeze import distributions_own
from fastapi_stackops.adopt.wheels import (
    for_linux,
    index_url,
    pinned_files,
    ranges,
    resolution_moment,
    text_of,
    this_machine,
    unlocked_ranges,
    wheels_only,
)
from fastapi_stackops.repository import last_commit_time

#: The day each Python a base image can be had for was first released: C sources older than it rarely compile for it.
RELEASED = {"3.9": "2020-10-05", "3.11": "2022-10-24", "3.13": "2024-10-07", "3.14": "2025-10-07"}
#: How long after a Python's release its native dependencies' releases carry wheels for it (asyncpg, uvloop, httptools
#: and orjson had 3.13's within two weeks of it).
WHEELS_ARRIVE = timedelta(days=60)


def released(python: str) -> datetime:
    """The day that Python was first released (the epoch for one not listed)."""
    return datetime.fromisoformat(RELEASED.get(python, "1970-01-01")).replace(tzinfo=UTC)


def resolution_date(root: Path, how: str, requirements: str, python: str) -> tuple[str, list[Finding]]:
    """With no lock, the time of the last commit to the service's folder: the build resolves as pip would have then, so
    the code gets the releases it was last committed against, not ones made since (SQLAlchemy 2.1 no longer brings
    greenlet, which async code on 2.0 imported). A Python released after then gets the releases made for it: those of
    then have no wheels for it (orjson, under a FastAPI pinned in mid-2024, on 3.13)."""
    moment, committed = resolution_moment(root, how, requirements), last_commit_time(root)
    if moment is None:
        return "", []
    if without := undated(index_url(root, requirements), unlocked_ranges(root, how, requirements)):
        why = f"the index gives no upload time for {', '.join(without[:3])}, which pip's --uploaded-prior-to needs"
        return "", [Finding("resolves", "as of now, not as of its last commit", why)]
    when = (
        "its last commit" if moment == committed else f"its exact pins' last upload (its last commit says {committed:%Y-%m-%d})"
    )
    if moment < released(python):
        moment, when = released(python) + WHEELS_ARRIVE, f"when Python {python} had wheels (its last commit predates it)"
    why = "no lock: releases made after then are left out (pip --uploaded-prior-to)"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ"), [Finding("resolves", f"as of {moment:%Y-%m-%d}, {when}", why)]


def for_other_systems(root: Path, installer: str, requirements: str) -> list[str]:
    """The name==version pins an install with no lock gets whose release has files for other systems only (pywin32 in
    a requirements file frozen on Windows): pip finds nothing for Linux. A lock's markers keep them out already."""
    if installer in ("uv", "poetry"):
        return []
    files, _ = pinned_files(root, installer, requirements)
    return sorted(f"{n}=={v}" for (n, v), names in files.items() if wheels_only(names) and not for_linux(names, this_machine()))


def other_systems(root: Path, how: str, requirements: str) -> tuple[tuple[str, ...], list[Finding]]:
    """The pins whose release has files for other systems only (pywin32==306), which the builder leaves out of the
    install, and what init says of them; none when the index does not answer (the build then says what pip says)."""
    try:
        pins = tuple(for_other_systems(root, how, requirements))
    except (OSError, ValueError):  # requests' errors are OSErrors; an answer that does not parse
        return (), []
    said = f"{', '.join(pins)}: files for other systems only (a Windows or macOS freeze), left out of the install"
    return pins, [Finding("skips", said, f"{requirements or how}, as the index lists them")] if pins else []


def systems_own(root: Path, how: str, requirements: str) -> tuple[tuple[str, ...], list[Finding]]:
    """The pins of a requirements file frozen from a Linux system's Python that are the distribution's own packages
    (python-apt==2.4.0+ubuntu2, PyGObject), which the app's code never imports: the builder leaves them out."""
    own = tuple(distributions_own(root, ranges(root, requirements))) if how == "requirements" else ()
    said = f"{', '.join(own)}: the Linux distribution's own packages (a freeze of its system Python), left out of the install"
    return own, [Finding("skips", said, requirements)] if own else []


def unlocked_fields(root: Path, how: str, requirements: str, python: str) -> tuple[dict, list[Finding]]:
    """The Repository's fields for an install with no lock (the moment it resolves as of, the pins it leaves out), and
    what init says of them."""
    as_of, about_resolution = resolution_date(root, how, requirements, python)
    skipped, about_skipped = other_systems(root, how, requirements)
    own, about_own = systems_own(root, how, requirements)
    return {"resolved_as_of": as_of, "other_systems": skipped + own}, about_resolution + about_skipped + about_own


#: A requirement line with an environment marker (`name==1.2; python_version < "3.11"`), as a file or a list writes it.
MARKED = re.compile(r"""^\s*["']?([A-Za-z0-9][\w.-]*)[^;\n]*;""", re.M)


def every_python_pins(root: Path, installer: str, requirements: str) -> dict[str, str]:
    """The exact pins (name -> ==version) an install with no lock asks for whatever the Python: one a marker guards
    is asked for on some Pythons only."""
    if installer in ("uv", "poetry"):  # a lock is made for the Pythons it names
        return {}
    if installer in ("pipenv", "pipfile"):
        listed = json.loads(text_of(root / "Pipfile.lock") or "{}").get("default", {}) if installer == "pipenv" else None
        listed = pipfile(root).get("packages", {}) if listed is None else listed
        guarded = {normalized(name) for name, entry in listed.items() if isinstance(entry, dict) and entry.get("markers")}
    else:
        guarded = {normalized(m[1]) for m in MARKED.finditer(text_of(root / (requirements or "pyproject.toml")))}
    pins = unlocked_ranges(root, installer, requirements)
    return {name: spec for name, spec in pins.items() if name not in guarded and spec.startswith("==")}


def for_another_python(root: Path, installer: str, requirements: str, python: str) -> dict[str, str]:
    """ "name==version" -> why, for each pin of an install with no lock whose release requires other Pythons than
    this one (backports.asyncio.runner 1.2.0, for <3.11, frozen on 3.10): pip finds no release of it here."""
    pins = every_python_pins(root, installer, requirements)
    return {
        pin: f"it requires Python {spec}" for pin, spec in for_other_pythons(index_url(root, requirements), pins, python).items()
    }
