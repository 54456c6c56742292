"""What the package index serves (PEP 691 JSON): each release's files as they were at a moment, and what a source
distribution names to build with."""

from __future__ import annotations

import io
import re
import tarfile
import tomllib
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import requests

from fastapi_stackops.adopt.ranges import allows, newest_allowed, release
from fastapi_stackops.substitutes import PYTHON_PATCH

DEFAULT_INDEX = "https://pypi.org/simple"
#: PyPI's own hosts: the build installs from them, so they are never asked whether they answer.
PYPI_HOSTS = ("pypi.org", "files.pythonhosted.org")
#: Index lookups in flight at once: one per package (a hundred for a large requirements file), each mostly waiting.
LOOKUPS_AT_ONCE = 16
#: A source distribution larger than this is not read for its build requirements (most are well under 5 MB).
LARGEST_SDIST = 32 * 2**20


def normalized(name: str) -> str:
    """A distribution's name as the index keys it (PEP 503): `Flask_SQLAlchemy` is `flask-sqlalchemy`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def release_of(filename: str) -> tuple[str, str]:
    """(normalized name, version) of a wheel or sdist file name."""
    if filename.endswith(".whl"):
        name, version = filename.split("-")[:2]
    else:
        name, _, version = re.sub(r"\.(tar\.gz|tar\.bz2|zip|tgz)$", "", filename).rpartition("-")
    return normalized(name), version


def answers(url: str) -> bool:
    """Whether the URL's host answers from here: any HTTP answer within 5 s counts, and PyPI's hosts always do."""
    if (urlsplit(url).hostname or "") in PYPI_HOSTS:
        return True
    try:
        requests.head(url, timeout=5)
    except requests.RequestException:
        return False
    return True


def upload_time(file: dict) -> datetime | None:
    """When the index's file was uploaded (PEP 700's upload-time); None when the index does not say."""
    stamp = file.get("upload-time")
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def uploaded_by(file: dict, moment: datetime | None) -> bool:
    """Whether the index's file was there at that moment (a file whose upload time is not known is kept)."""
    uploaded = upload_time(file)
    return moment is None or uploaded is None or uploaded <= moment


@lru_cache(maxsize=1)
def index_session() -> requests.Session:
    """One session for every lookup: its connections are kept, where a new one per package (a TLS handshake, through
    a proxy here) made a hundred lookups take 9 s instead of 1."""
    session = requests.Session()
    session.mount("https://", requests.adapters.HTTPAdapter(pool_maxsize=LOOKUPS_AT_ONCE))
    return session


@lru_cache(maxsize=1024)
def index_files(index: str, name: str) -> tuple[dict, ...]:
    """Every file the index lists for a package, each with its URL made absolute."""
    page = f"{index}/{name}/"
    answer = index_session().get(page, headers={"Accept": "application/vnd.pypi.simple.v1+json"}, timeout=15)
    answer.raise_for_status()
    return tuple({**file, "url": urljoin(page, file.get("url", ""))} for file in answer.json()["files"])


@lru_cache(maxsize=1024)
def index_releases(index: str, name: str, moment: datetime | None = None) -> dict[str, list[str]]:
    """version -> file names of each release the index lists for a package, as it was at `moment`."""
    releases: dict[str, list[str]] = {}
    for file in index_files(index, name):
        found, version = release_of(file["filename"])
        if found == name and uploaded_by(file, moment):
            releases.setdefault(version, []).append(file["filename"])
    return releases


def pinned_pages(index: str, pins: dict[str, str]) -> dict[tuple[str, str], tuple[dict, ...] | None] | None:
    """(name, version) -> every file the index lists for that package, for each exact pin (name -> "==version"), None
    for a package it has no page of; None when the index does not answer, or its answer does not parse."""
    exact = [(normalized(name), spec[2:]) for name, spec in pins.items() if re.fullmatch(r"==[\w.]+", spec)]
    try:
        with ThreadPoolExecutor(max_workers=LOOKUPS_AT_ONCE) as pool:
            listed = list(pool.map(lambda pin: listed_files(index, pin[0]), exact))
    except (OSError, ValueError):  # requests' errors are OSErrors; an answer that does not parse
        return None
    return dict(zip(exact, listed, strict=True))


def listed_files(index: str, name: str) -> tuple[dict, ...] | None:
    """The index's files of a package; None for one it answers it has no page of (404: pip's "from versions: none")."""
    try:
        return index_files(index, name)
    except requests.HTTPError as error:
        if error.response is not None and error.response.status_code == 404:
            return None
        raise


def pinned_releases(index: str, pins: dict[str, str]) -> dict[tuple[str, str], list[dict]] | None:
    """(name, version) -> the index's files of that release, for each exact pin; None when the index does not answer."""
    pages = pinned_pages(index, pins)
    return None if pages is None else {pin: [f for f in files or () if same_release(f, pin)] for pin, files in pages.items()}


def same_release(file: dict, pin: tuple[str, str]) -> bool:
    """Whether the index's file is of that release (1.0 is 1.0.0, as PEP 440 compares them)."""
    name, version = release_of(file["filename"])
    return (name, UNPADDED.sub("", version.lower())) == (pin[0], UNPADDED.sub("", pin[1].lower()))


#: A version's trailing zero parts, which PEP 440 ignores in comparing.
UNPADDED = re.compile(r"(\.0)+$")


def last_upload(index: str, pins: dict[str, str]) -> datetime | None:
    """When the last file of the newest release the exact pins (name -> "==version") name reached the index; None when
    the index does not say (no PEP 700 upload-time), or does not answer."""
    uploads = [upload_time(f) for files in (pinned_releases(index, pins) or {}).values() for f in files]
    return max((uploaded for uploaded in uploads if uploaded), default=None)


def undated(index: str, pins: dict[str, str]) -> list[str]:
    """The exact pins whose package the index lists a file of with no upload time (PEP 700): pip's --uploaded-prior-to
    reads every file of the page and refuses ("does not provide upload-time metadata"); [] when the index does not
    answer."""
    listed = pinned_pages(index, pins) or {}
    return [f"{name}=={version}" for (name, version), files in listed.items() if any(not upload_time(f) for f in files or ())]


def unheld(index: str, pins: dict[str, str]) -> list[tuple[str, str]]:
    """("name==version", the newest release listed, "" for a package the index has no page of) for each exact pin the
    index holds no release of (deleted from it, as pip says after a build: "Could not find a version"); [] when the
    index does not answer."""
    pages = pinned_pages(index, pins) or {}
    found = [
        (pin, files) for pin, files in pages.items() if files is None or (files and not any(same_release(f, pin) for f in files))
    ]
    return [(f"{name}=={version}", newest_release(files) if files else "") for (name, version), files in found]


def newest_release(files: tuple[dict, ...]) -> str:
    """The version of the file the index got last: by its upload time, else its place on the page (an order the index
    picks: a page sorted by file name puts 1.10.0 before 1.9.0)."""
    last = max(enumerate(files), key=lambda n_file: (upload_time(n_file[1]) is not None, upload_time(n_file[1]) or 0, n_file[0]))
    return release_of(last[1]["filename"])[1]


def first_upload(index: str, name: str, version: str) -> datetime | None:
    """When a release's first file reached the index; None when the index does not say, or does not answer."""
    pin = (normalized(name), version)
    try:
        times = [upload_time(f) for f in index_files(index, normalized(name)) if release_of(f["filename"]) == pin]
    except (OSError, ValueError):  # requests' errors are OSErrors; an answer that does not parse
        return None
    return min((moment for moment in times if moment), default=None)


def requires_python(index: str, name: str, version: str) -> str:
    """The Pythons a release's files require (PEP 691's requires-python), "" when they do not all say the same."""
    pin = (normalized(name), version)
    specs = {f.get("requires-python") or "" for f in index_files(index, normalized(name)) if release_of(f["filename"]) == pin}
    return specs.pop() if len(specs) == 1 else ""


def for_other_pythons(index: str, pins: dict[str, str], python: str) -> dict[str, str]:
    """ "name==version" -> the Pythons it requires, for each exact pin whose release requires other Pythons than this
    one, at the patch release the image runs (backports.asyncio.runner 1.2.0, for <3.11, in a freeze made on 3.10;
    redis-om 0.1.0, for <=3.11, which 3.11.2 is not): pip finds no release of it here."""
    exact = [(name, spec[2:]) for name, spec in pins.items() if re.fullmatch(r"==[\w.]+", spec)]
    with ThreadPoolExecutor(max_workers=LOOKUPS_AT_ONCE) as pool:
        specs = dict(zip(exact, pool.map(lambda pin: requires_python(index, *pin), exact), strict=True))
    runs = release(f"{python}.{PYTHON_PATCH.get(python, 0)}")  # the patch release the image runs
    return {f"{n}=={v}": spec for (n, v), spec in specs.items() if spec and allows(spec, runs) is False}


def picked(index: str, name: str, spec: str, moment: datetime | None = None) -> tuple[str, str, list[str]]:
    """The release pip would install for a range (its newest final one at `moment`), and its files."""
    releases = index_releases(index, name, moment)
    version = newest_allowed(spec, list(releases))
    return name, version, releases.get(version, [])


@lru_cache(maxsize=256)
def build_requirements(index: str, name: str, sdist: str) -> tuple[str, ...]:
    """What a source distribution's pyproject.toml names to build with ([build-system] requires and build-backend);
    () when the index does not list it, it has no pyproject.toml, or it is too large to read."""
    url = next((file["url"] for file in index_files(index, normalized(name)) if file["filename"] == sdist), "")
    if not url:
        return ()
    with index_session().get(url, timeout=60, stream=True) as answer:
        answer.raise_for_status()
        data = answer.raw.read(LARGEST_SDIST + 1, decode_content=True)
    table = tomllib.loads(top_level_file(data, "pyproject.toml")).get("build-system", {}) if len(data) <= LARGEST_SDIST else {}
    return (*table.get("requires", []), table.get("build-backend", ""))


def top_level_file(archive: bytes, name: str) -> str:
    """A file at an sdist's top (`uuid_utils-0.9.0/pyproject.toml`), "" when it has none."""
    if archive[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(archive)) as unpacked:
            found = [n for n in unpacked.namelist() if n.count("/") == 1 and n.endswith(f"/{name}")]
            return unpacked.read(found[0]).decode(errors="replace") if found else ""
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as unpacked:
        member = next((m for m in unpacked if m.name.count("/") == 1 and m.name.endswith(f"/{name}")), None)
        read = unpacked.extractfile(member) if member else None
        return read.read().decode(errors="replace") if read else ""
