"""Which pinned dependencies have no wheel for the image's Python, so the builder compiles them: from the lock's file
list, or for a requirements file the package index's own (PEP 691), never guessed from names alone."""

from __future__ import annotations

import os
import platform
import re
import tarfile
import tomllib
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from fastapi_stackops.adopt.file_text import text_of
from fastapi_stackops.adopt.locks import locked_files
from fastapi_stackops.adopt.package_index import (
    DEFAULT_INDEX,
    LOOKUPS_AT_ONCE,
    build_requirements,
    index_releases,
    last_upload,
    normalized,
    picked,
)
from fastapi_stackops.adopt.pipfile import pipfile_pins, pipfile_ranges
from fastapi_stackops.adopt.ranges import poetry_ranges, requirement_ranges
from fastapi_stackops.adopt.system_freeze import distributions_own
from fastapi_stackops.repository import last_commit_time

#: What a source build needs beside a C compiler, and what its extension loads at run time, by distribution.
NATIVE_LIBRARIES = {
    "psycopg2": ("libpq-dev", "libpq5"),
    "psycopg-c": ("libpq-dev", "libpq5"),  # psycopg[c]: an sdist only
    "mysqlclient": ("default-libmysqlclient-dev pkg-config", "libmariadb3"),
    "python-ldap": ("libldap2-dev libsasl2-dev", "libldap-2.5-0"),
    "cffi": ("libffi-dev", ""),  # the runtime's Python loads libffi itself
    "python-lzo": ("liblzo2-dev", "liblzo2-2"),
    # libcurl's package is named per suite (libcurl4, trixie's libcurl4t64): curl's command depends on the right one.
    "pycurl": ("libcurl4-openssl-dev libssl-dev", "curl"),
    "pycairo": ("libcairo2-dev pkg-config", "libcairo2"),  # an sdist alone for Linux (xhtml2pdf's, through rlPyCairo)
    "mariadb": ("libmariadb-dev", "libmariadb3"),  # MariaDB's own connector: its build runs mariadb_config
    "fastecdsa": ("libgmp-dev", "libgmp10"),  # before its manylinux wheels: "gmp.h: No such file or directory"
}
#: Extensions in C or C++ that need only the compiler. A lock made for Pythons none of their wheels fit records their
#: sdist alone (uv's for requires-python >= 3.14), which would otherwise read as pure Python.
C_EXTENSIONS = frozenset(
    ("asyncpg", "uvloop", "httptools", "greenlet", "ujson", "psutil", "multidict", "yarl", "frozenlist", "propcache")
    + ("msgpack", "aiohttp", "cffi", "regex", "zstandard", "xxhash", "mmh3", "ciso8601", "editdistance", "levenshtein")
)
#: Extensions written in Rust, from the first release that is: one with no wheel for the image's Python cannot be
#: compiled in the builder (no Rust toolchain is fetched), so another Python, or a refreshed lock, is the way. Releases
#: before it are C, which the builder compiles (pendulum 2, bcrypt 3).
RUST_SINCE = {
    **dict.fromkeys(("pydantic-core", "orjson", "watchfiles", "rpds-py", "jiter", "tiktoken", "tokenizers"), "0"),
    **dict.fromkeys(("polars", "ormsgpack", "granian", "robyn", "safetensors", "rtoml"), "0"),
    "cryptography": "3.4",
    "bcrypt": "4.0",
    "pendulum": "3.0",
}


#: What a Rust extension's source names to build with.
RUST_BACKENDS = re.compile(r"\b(?:maturin|setuptools[-_]rust)\b", re.I)


def rust_built(name: str, version: str) -> bool:
    """Whether this release of the package is built with Rust."""
    since = RUST_SINCE.get(normalized(name))
    return since is not None and release_key(version) >= release_key(since)


def release_key(version: str) -> tuple[int, ...]:
    """A release's numbers, to compare (3.0 < 3.0.1 < 3.10); what follows them (rc1, .post2) is left out."""
    return tuple(int(part) for part in re.findall(r"\d+", version.split("rc")[0].split("a")[0].split("b")[0])[:3])


#: Installers that resolve the dependencies when the image is built: no lock holds them.
UNLOCKED = ("requirements", "pip", "poetry-unlocked", "setup.cfg", "setup.py", "pipfile")
WHEEL = re.compile(r"^[^-]+-[^-]+(?:-\d[^-]*)?-(?P<python>[^-]+)-(?P<abi>[^-]+)-(?P<platform>[^-]+)\.whl$")


def native_libraries(name: str) -> tuple[str, str] | None:
    """What a native package needs to build and to run; a -binary variant (psycopg2-binary) builds as its source one."""
    return NATIVE_LIBRARIES.get(normalized(name).removesuffix("-binary"))


def fits(wheel: str, python: str, machine: str) -> bool:
    """Whether a wheel file installs on CPython `python` (3.11) under glibc Linux on `machine` (x86_64)."""
    tags = WHEEL.match(wheel.rsplit("/", 1)[-1].split("#")[0])
    if not tags:
        return False
    platforms = tags["platform"].split(".")
    if not any(p == "any" or (p.startswith(("manylinux", "linux_")) and p.endswith(machine)) for p in platforms):
        return False
    minor = int(python.split(".")[1])
    for tag in tags["python"].split("."):
        if tag in ("py3", f"py3{minor}", f"cp3{minor}"):
            return True
        pure = re.fullmatch(r"py3(\d+)", tag)  # py36.py37.py38-none-any installs on any later Python too
        if pure and tags["abi"] == "none" and int(pure.group(1)) <= minor:
            return True
        older = re.fullmatch(r"cp3(\d+)", tag)
        if older and tags["abi"] == "abi3" and int(older.group(1)) <= minor:
            return True
    return False


#: A requirements file's line that reads another: its requirements (-r base.txt), or its constraints (-c pins.txt).
INCLUDED = re.compile(r"^\s*(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)")


def included_files(root: Path, requirements: str) -> list[str]:
    """The files a requirements file (one the repository holds) reads with -r or -c, and theirs, as paths from the root."""
    path, found = root / requirements, []
    for line in text_of(path).splitlines() if path.is_file() else ():
        included = INCLUDED.match(line)
        named = (path.parent / included.group(2)).resolve() if included else None
        if named and named.is_file() and named.is_relative_to(root.resolve()):
            file = str(named.relative_to(root.resolve()))
            found += [file, *included_files(root, file)] if file not in found and file != requirements else []
    return list(dict.fromkeys(found))


def ranges(root: Path, requirements: str) -> dict[str, str]:
    """name -> range ("==2.9.10" for a pin) of a requirements file and the files it includes with -r."""
    found: dict[str, str] = {}
    path = root / requirements
    lines = text_of(path).splitlines()
    for line in lines:
        included = INCLUDED.match(line)
        if included and included.group(1) in ("-r", "--requirement") and (path.parent / included.group(2)).is_file():
            found |= ranges(root, str((path.parent / included.group(2)).relative_to(root)))
    found |= {normalized(name): spec.rstrip("\\ ") for name, spec in requirement_ranges(lines).items()}
    return found


def unlocked_ranges(root: Path, installer: str, requirements: str) -> dict[str, str]:
    """What an install with no lock asks pip for: a requirements file's lines, poetry's table, or [project]'s list."""
    if installer == "requirements":  # the distribution's own pins of a system freeze, which the builder leaves out, aside
        found = ranges(root, requirements)
        left_out = set(distributions_own(root, found))
        return {name: spec for name, spec in found.items() if f"{name}{spec}" not in left_out}
    if installer == "pipenv":  # exact pins, read as pip is given them
        return {normalized(name): version for name, version in pipfile_pins(root).items()}
    if installer == "pipfile":
        return pipfile_ranges(root)
    project = tomllib.loads((root / "pyproject.toml").read_text()) if (root / "pyproject.toml").is_file() else {}
    if installer == "poetry-unlocked":
        listed = poetry_ranges(project.get("tool", {}).get("poetry", {}).get("dependencies", {}))
    else:
        listed = requirement_ranges(project.get("project", {}).get("dependencies", []))
    return {normalized(name): spec for name, spec in listed.items()}


def index_url(root: Path, requirements: str) -> str:
    """The index pip would ask: the requirements file's --index-url, PIP_INDEX_URL, or PyPI."""
    named = re.search(r"^\s*(?:-i|--index-url)[\s=]+(\S+)", text_of(root / requirements), re.M) if requirements else None
    return (named.group(1) if named else os.environ.get("PIP_INDEX_URL", DEFAULT_INDEX)).rstrip("/")


def resolution_moment(root: Path, installer: str, requirements: str) -> datetime | None:
    """With no lock, the last commit's time, or just after its exact pins' last upload when that is later (a commit
    dated before the releases it pins, as a rebase can leave it): the build resolves as pip would have then."""
    committed = last_commit_time(root) if installer in UNLOCKED else None
    pins = unlocked_ranges(root, installer, requirements) if committed else {}
    uploaded = last_upload(index_url(root, requirements), pins) if pins else None
    return max(committed, uploaded + timedelta(seconds=1)) if committed and uploaded else committed


def this_machine() -> str:
    """The machine as wheels name it (x86_64, aarch64)."""
    return {"arm64": "aarch64", "amd64": "x86_64"}.get(platform.machine().lower(), platform.machine().lower())


def pinned_files(root: Path, installer: str, requirements: str) -> tuple[dict[tuple[str, str], list[str]], str]:
    """(name, version) -> file names of each release the install gets, and where that was read: the lock, or with none
    the index, as it was at the last commit."""
    index = index_url(root, requirements)
    if installer in ("uv", "poetry"):
        files = locked_files(root, installer)
        unlisted = [pin for pin, names in files.items() if not names]  # an old poetry lock's empty lists: the index's
        with ThreadPoolExecutor(max_workers=LOOKUPS_AT_ONCE) as pool:
            listed = pool.map(lambda pin: index_releases(index, pin[0]).get(pin[1], []), unlisted)
            return files | dict(zip(unlisted, listed, strict=True)), f"{installer}.lock"
    wanted, moment = unlocked_ranges(root, installer, requirements), resolution_moment(root, installer, requirements)
    with ThreadPoolExecutor(max_workers=LOOKUPS_AT_ONCE) as pool:
        chosen = pool.map(lambda item: picked(index, *item, moment), wanted.items())
        files = {(name, version): names for name, version, names in chosen if version}
    return files, f"{index.split('://')[-1].split('/')[0]}'s index"


def without_wheels(root: Path, installer: str, requirements: str, python: str) -> tuple[list[str], str, dict[str, str]]:
    """The name==version pins no wheel fits, where that was read, and those of them no builder here can compile (built
    with Rust, or published as wheels only), each with why; raises requests' errors when the index fails."""
    machine, index = this_machine(), index_url(root, requirements)
    files, source = pinned_files(root, installer, requirements)
    missing = {(name, version): names for (name, version), names in files.items() if compiled_here(name, names, python, machine)}
    missing = {pin: names for pin, names in missing.items() if not wheels_only(names) or for_linux(names, machine)}
    with ThreadPoolExecutor(max_workers=LOOKUPS_AT_ONCE) as pool:
        whys = dict(zip(missing, pool.map(lambda item: uncompilable(index, *item[0], item[1]), missing.items()), strict=True))
    stuck = {f"{n}=={v}": why for (n, v), why in sorted(whys.items()) if why}
    return sorted(f"{n}=={v}" for n, v in missing), source, stuck


def uncompilable(index: str, name: str, version: str, files: list[str]) -> str:
    """Why no builder here compiles a release no wheel fits, "" when one does: no source, or Rust (known by name, or by
    what its source names to build with: no Rust toolchain is fetched)."""
    if wheels_only(files):
        return "published as wheels only, with no source to compile"
    sdist = next((f for f in files if not f.endswith(".whl")), "")
    if normalized(name) in RUST_SINCE:
        rust = rust_built(name, version)
    elif normalized(name) in C_EXTENSIONS or native_libraries(name) or not sdist:
        rust = False
    else:
        rust = bool(RUST_BACKENDS.search(" ".join(sdist_build_requirements(index, name, sdist))))
    return "built with Rust, which no image compiles" if rust else ""


def sdist_build_requirements(index: str, name: str, sdist: str) -> tuple[str, ...]:
    """What the sdist names to build with; () when it cannot be read, as a build would then tell."""
    try:
        return build_requirements(index, name, sdist)
    except (OSError, ValueError, tarfile.TarError, zipfile.BadZipFile):  # requests' errors are OSErrors; TOML's ValueErrors
        return ()


def wheels_only(files: list[str]) -> bool:
    """A release with no source distribution: nothing a builder could compile."""
    return bool(files) and all(f.endswith(".whl") for f in files)


def for_linux(wheels: list[str], machine: str) -> bool:
    """Whether any wheel installs on Linux on this machine, for some Python; none (pywin32): a lock's pin for other
    systems, which their markers keep out of a Linux image."""
    return any(fits(wheel, f"3.{minor}", machine) for wheel in wheels for minor in range(8, 15))


def pure_python(wheel: str) -> bool:
    """A wheel for any platform and no ABI: the project is pure Python, whichever Pythons the wheel names."""
    tags = WHEEL.match(wheel.rsplit("/", 1)[-1].split("#")[0])
    return bool(tags) and tags["abi"] == "none" and tags["platform"] == "any"


def compiled_here(name: str, files: list[str], python: str, machine: str) -> bool:
    """No wheel fits, and the release is an extension: wheels for other platforms only, or a known native one.
    Another sdist alone is taken for pure Python, which pip builds without a compiler."""
    if not files or any(fits(f, python, machine) or pure_python(f) for f in files):  # kappa's py2-none-any: pure
        return False
    known = normalized(name) in C_EXTENSIONS | RUST_SINCE.keys() or native_libraries(name) is not None
    return any(f.endswith(".whl") for f in files) or known


#: uvicorn's worker classes for gunicorn: its own (uvloop and httptools when installed), and asyncio's with h11.
UVICORN_WORKER, H11_WORKER = "uvicorn.workers.UvicornWorker", "uvicorn.workers.UvicornH11Worker"


def uvicorn_needing_uvloop(root: Path, installer: str, requirements: str) -> str:
    """The uvicorn release the install gets when its UvicornWorker insists on uvloop and httptools (before 0.14) while
    nothing installs them (uvicorn itself did before 0.12; after, only its standard extra does); "" otherwise, and when
    the index does not answer."""
    try:
        files, _ = pinned_files(root, installer, requirements)
    except (OSError, ValueError):  # requests' errors are OSErrors; an answer that does not parse
        return ""
    version = next((v for (name, v) in files if name == "uvicorn"), "")
    installed = {name for name, _ in files}
    old = bool(version) and (0, 12) <= release_key(version)[:2] < (0, 14)
    return version if old and not {"uvloop", "httptools"} <= installed else ""
