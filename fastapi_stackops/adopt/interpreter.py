"""Which Python the image runs: what the repository names, moved to a version a base image can be had for, and to one
its pinned wheels fit; or a one-line refusal saying which would work."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi_stackops.adopt.findings import Finding, NotAFastAPIRepository
from fastapi_stackops.adopt.source import needs_lazy_annotations, python_files
from fastapi_stackops.adopt.syntax import newer_syntax
from fastapi_stackops.adopt.wheels import native_libraries, pipfile_python, rust_built, without_wheels
from fastapi_stackops.substitutes import DEBIAN_SHIPS

#: Python versions a base image can be had for on any machine (official images, and Debian's packages for the substitute),
#: likeliest first: 3.9 only when a project allows nothing newer.
#: The first Python that evaluates annotations only when asked (PEP 649): code annotating a class with itself imports.
LAZY_ANNOTATIONS = "3.14"
#: The first Python that reads type parameters and f-strings reusing their quotes.
NEWER_SYNTAX = 12
BUILDABLE_PYTHONS = tuple(sorted(DEBIAN_SHIPS["python"], key=lambda v: (v == "3.9", int(v.split(".")[1]))))


#: Why the image runs the Python it does when the repository names none: any other may be moved to.
UNNAMED = "nothing names a version; the oldest supported"


def lower_bound(spec: str) -> str | None:
    """The lowest Python minor a version specifier allows: >=3.11, ^3.11, ~=3.11, ==3.11.*, 3.11."""
    match = re.search(r"(?:>=|\^|~=|==|~|^)\s*(3)\.(\d+)", spec.strip())
    return f"3.{match.group(2)}" if match else None


def allows(spec: str, minor: int) -> bool:
    """Whether 3.<minor> is within the specifier's upper bounds (<3.13, <=3.12, ^3.11 is <4, ==3.12.*)."""
    for operator, bound in re.findall(r"(<=|<|==)\s*3\.(\d+)", spec):
        limit = int(bound)
        if (operator == "<" and minor >= limit) or (operator in ("<=", "==") and minor > limit):
            return False
    return True


def buildable(spec: str, low: str) -> list[str]:
    """The buildable Pythons a specifier allows, from its lower bound up, likeliest first (3.9 only when nothing newer fits).
    A floor at a patch release (>=3.11.11) passes over its own minor when a newer one fits: a Debian suite's Python
    is the patch release it shipped with (3.11.2), which uv and pip would refuse."""
    minor = int(low.split(".")[1])
    fits = [v for v in BUILDABLE_PYTHONS if minor <= int(v.split(".")[1]) and allows(spec, int(v.split(".")[1]))]
    patch = re.search(r">=\s*3\.(\d+)\.(\d+)", spec)
    if patch and int(patch.group(2)) > 0 and len(fits) > 1:
        fits = [v for v in fits if v != f"3.{patch.group(1)}"]
    return fits


def declared_python(root: Path, project: dict) -> tuple[str, str]:
    """The project's Python specifier and where it is: requires-python, else poetry's python dependency, else the
    minor Pipfile.lock was made for."""
    pipenv = pipfile_python(root)
    for spec, source in (
        (project.get("project", {}).get("requires-python", ""), "requires-python in pyproject.toml"),
        (project.get("tool", {}).get("poetry", {}).get("dependencies", {}).get("python", ""), "poetry's python dependency"),
        (f"=={pipenv}.*" if pipenv else "", "Pipfile.lock's python_version"),
    ):
        if spec and lower_bound(spec):
            return spec, source
    return "", ""


def named_in_dockerfile(root: Path) -> str:
    """The Python a Dockerfile names: its FROM python:3.X, or the PYTHON_BASE init wrote (a --python given once)."""
    dockerfile = root / "Dockerfile"
    text = dockerfile.read_text() if dockerfile.is_file() else ""
    named = re.search(r"^(?:FROM\s+(?:\S*/)?|ARG PYTHON_BASE=)python:(3\.\d+)", text, re.M | re.I)
    return named.group(1) if named else ""


def python_version(root: Path, project: dict) -> Finding:
    """The Python the image runs: the Dockerfile's, else .python-version when it can be built, else the project's lower
    bound moved up to one that can be built (a .python-version that cannot be built gives way to a specifier that can)."""
    if named_in_dockerfile(root):
        return Finding("python", named_in_dockerfile(root), "the Dockerfile")
    spec, source = declared_python(root, project)
    fits = buildable(spec, lower_bound(spec)) if spec else []
    pinned = root / ".python-version"
    if pinned.is_file() and pinned.read_text().split():
        version = ".".join(pinned.read_text().split()[0].split(".")[:2])
        if not fits or (version in BUILDABLE_PYTHONS and version in fits):
            return Finding("python", version, ".python-version")
        why = "has no base image here" if version not in BUILDABLE_PYTHONS else "here is below the patch release it requires"
        return Finding("python", fits[0], f"{source} ({spec}); .python-version's {version} {why}")
    if spec and not fits:
        return Finding("python", lower_bound(spec), f"{source} ({spec})")
    return for_the_code(root, fits if spec else list(BUILDABLE_PYTHONS), f"{source} ({spec})" if spec else "")


def for_the_code(root: Path, fits: list[str], declared: str) -> Finding:
    """The first of the Pythons the project allows (`declared` says where; "" when nothing names one) that its code
    imports on: from 3.14 when an annotation names its own class, from 3.12 for newer syntax; else the first."""
    lazy = needs_lazy_annotations(root)
    newer = "" if lazy or int(fits[0].split(".")[1]) >= NEWER_SYNTAX else newer_syntax(python_files(root))
    allowed = f"; {declared} allows it" if declared else ""
    if lazy and LAZY_ANNOTATIONS in fits:
        why = f"{lazy}: an annotation names its own class, which Python evaluates lazily from 3.14 only"
        return Finding("python", LAZY_ANNOTATIONS, why + allowed)
    later = [v for v in fits if int(v.split(".")[1]) >= NEWER_SYNTAX]
    if newer and later:
        return Finding("python", later[0], f"{newer.removeprefix(f'{root}/')}: syntax from Python 3.12 on{allowed}")
    return Finding("python", fits[0], declared or UNNAMED)


def source_builds(
    root: Path, how: str, requirements: str, python: str, dependencies: tuple[str, ...]
) -> tuple[list[str], list[Finding], list[str]]:
    """The pins the builder must compile, as the lock or the index lists their files (known source-only ones if it
    cannot say), what init says of them, and those no builder here can compile."""
    try:
        missing, source, stuck = without_wheels(root, how, requirements, python)
    except (OSError, ValueError) as error:  # requests' errors are OSErrors; a lock or an answer that does not parse
        missing, stuck = [name for name in dependencies if native_libraries(name)], []
        source = f"known to ship no Linux wheels; the index did not answer ({type(error).__name__})"
    if not missing:
        return [], [], []
    said = f"{', '.join(missing)} (no wheel for CPython {python}): a compiler in the builder only"
    return missing, [Finding("compiles", said, source)], stuck


#: How each installer refreshes its pins for a newer Python.
REFRESH = {"uv": "uv lock --upgrade", "poetry": "poetry lock", "requirements": "newer pins in the requirements file"}


def python_and_builds(
    root: Path, how: str, requirements: str, chosen: Finding, project: dict, dependencies: tuple[str, ...]
) -> tuple[Finding, list[str], list[Finding]]:
    """The Python whose wheels the pins have, and what the builder compiles for it. Pins made for older Pythons (no
    wheel for the chosen one, wheels for another the project allows) move the image to that one: compiling an old
    release for a newer Python fails more often than not (greenlet 1.x on 3.11). A pin built with Rust cannot be
    compiled at all: with no Python to move to, a one-line refusal says what would work."""
    missing, found, stuck = source_builds(root, how, requirements, chosen.value, dependencies)
    if not missing:
        return chosen, missing, found
    spec, _ = declared_python(root, project)
    allowed = buildable(spec, lower_bound(spec)) if spec and chosen.source != "--python" else []
    # Named by nothing, the image moves for a pin no builder here compiles; one a builder compiles stays, as a move to an
    # older Python may lose pins that need a newer one.
    allowed = list(BUILDABLE_PYTHONS) if chosen.source == UNNAMED and stuck else allowed
    for version in (v for v in allowed if v != chosen.value):
        other, other_found, other_stuck = source_builds(root, how, requirements, version, dependencies)
        if not other or (stuck and not other_stuck):
            moved = f"{chosen.source}; {version}, not {chosen.value}: the pinned {missing[0]} has a wheel for it"
            return Finding("python", version, moved), other, other_found
    if not stuck:
        return chosen, missing, found
    raise NotAFastAPIRepository(refusal(root, how, requirements, chosen.value, allowed, stuck))


def refusal(root: Path, how: str, requirements: str, python: str, allowed: list[str], stuck: list[str]) -> str:
    """Pins no builder here can compile, with no wheel for any Python that can be built: which Pythons their wheels
    fit, and the ways out."""
    tried = ", ".join(dict.fromkeys([python, *allowed]))
    fitting = [f"3.{m}" for m in range(8, 15) if not source_builds(root, how, requirements, f"3.{m}", ())[2]]
    way = f"give init --python {fitting[-1]} where that image can be pulled, or " if fitting else ""
    hint = f"its wheels fit CPython {', '.join(fitting)}: {way}" if fitting else ""
    more = f" and {len(stuck) - 1} more" if len(stuck) > 1 else ""
    why = (
        "built with Rust, which no image compiles"
        if rust_built(*stuck[0].split("=="))
        else "published as wheels only, with no source to compile"
    )
    return (
        f"{root}: {stuck[0]}{more} pinned with no wheel for CPython {tried}, and {why}; "
        f"{hint}refresh the pins for {python} ({REFRESH.get(how, 'newer pins')})"
    )
