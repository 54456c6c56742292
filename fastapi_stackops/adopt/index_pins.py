"""Pins a build would stop on, refused first in one line: a local version (`torch==2.6.0+cu124`) only another index
a requirements file names holds (`--extra-index-url https://download.pytorch.org/whl/cu124`), where that index does
not answer (pip sees PyPI's releases alone: "Could not find a version"); a release the index no longer holds; and a pin
pip no longer parses; and a file pip cannot read, or an index it installs from that does not answer."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.package_index import answers, unheld
from fastapi_stackops.adopt.wheels import included_files, index_url, text_of, unlocked_ranges

#: An index a requirements file names, instead of PyPI or beside it.
NAMED_INDEX = re.compile(r"^\s*(?:-i|--index-url|--extra-index-url)[\s=]+(\S+)", re.M)
#: A pin of a local version (PEP 440's `+label`), which PyPI never holds: name, version.
LOCAL_PIN = re.compile(r"^\s*([A-Za-z0-9][\w.-]*)(?:\[[^\]]*\])?\s*==\s*(\d[\w.]*\+[\w.]+)", re.M)


def refuse_unreached_local_pins(root: Path, requirements: str) -> None:
    """A local version pinned where the index that alone holds it does not answer from here: refused, naming both."""
    text = "\n".join(text_of(root / f) for f in [requirements, *included_files(root, requirements)])
    pins = LOCAL_PIN.findall(text)
    for url in NAMED_INDEX.findall(text) if pins else ():
        if not answers(url):
            name, version = pins[0]
            raise NotAFastAPIRepository(
                f"{requirements}: {name}=={version} is a local version, which {url} alone holds, and it does not answer "
                f"here: pin the release PyPI has ({name}=={version.split('+')[0]}), or build where that index answers"
            )


def refuse_unheld_pins(root: Path, requirements: str) -> None:
    """An exact pin of a release the index no longer holds, though it lists the package (azzan-amin-97's
    `install==1.3.4`, where the index lists 1.3.5 alone): refused, naming the pin and the newest release. A file that
    names an index of its own may hold it there, and is left to pip."""
    text = "\n".join(text_of(root / f) for f in [requirements, *included_files(root, requirements)])
    pins = unheld(index_url(root, requirements), unlocked_ranges(root, "requirements", requirements))
    if pins and not NAMED_INDEX.search(text):
        (pin, newest), name = pins[0], pins[0][0].split("==")[0]
        if not newest:  # a system's own package in a freeze, or a private one
            raise NotAFastAPIRepository(f"{requirements}: {pin} is no package the package index lists: take it out")
        if not re.match(r"v?\d", pin.split("==")[1], re.I):  # SPankratov2002/FastAPI-WebSocket-Chat's `==latest_version`
            raise NotAFastAPIRepository(f"{requirements}: {pin} names no version (pip refuses it): pin one, {name}=={newest}")
        raise NotAFastAPIRepository(
            f"{requirements}: {pin} is a release the package index no longer holds (the newest it lists is {newest}): "
            f"pin one it holds, {name}=={newest}"
        )


#: A version clause: an operator and the version after it.
CLAUSE = r"(?:[<>]=?|[=!~]=)\s*[\w.*+!]+"
#: Two clauses with no comma between them (`bcrypt>=3.2.0<3.3.0`), which pip 22 and later refuse as invalid.
UNSEPARATED = re.compile(rf"^\s*([A-Za-z0-9][\w.-]*(?:\[[^\]]*\])?)\s*((?:{CLAUSE}\s*){{2,}})$")


#: A pin with one = (`httpx=0.27.0`), which pip refuses ("Invalid requirement").
ONE_EQUALS = re.compile(r"^\s*([A-Za-z0-9][\w.-]*(?:\[[^\]]*\])?)\s*=(?!=)\s*([\w.*+!]+)\s*$")
#: A name followed by a word, which no requirement is (`pip freeze > requirements.txt`, two names on one line):
#: pip refuses the file ("Invalid requirement").
NOT_A_REQUIREMENT = re.compile(r"^\s*[A-Za-z0-9][\w.-]*\s+[A-Za-z]")


def refuse_unseparated_clauses(root: Path, requirements: str) -> None:
    """A pin whose version clauses lack the comma between them: refused with the file, the line, and the pin mended;
    a line that is no requirement at all, with the file and the line."""
    for file in [requirements, *included_files(root, requirements)]:
        for number, line in enumerate(text_of(root / file).splitlines(), 1):
            if NOT_A_REQUIREMENT.match(line.split("#")[0]):
                raise NotAFastAPIRepository(
                    f"{file} line {number}: {line.strip()} is no requirement, and pip refuses it: delete it"
                )
            if found := ONE_EQUALS.match(line.split("#")[0].split(";")[0]):
                raise NotAFastAPIRepository(
                    f"{file} line {number}: {line.strip()} pins with one =, which pip refuses: write {found[1]}=={found[2]}"
                )
            if found := UNSEPARATED.match(line.split("#")[0].split(";")[0]):
                mended = found[1] + ",".join(c.replace(" ", "") for c in re.findall(CLAUSE, found[2]))
                raise NotAFastAPIRepository(
                    f"{file} line {number}: {line.strip()} has two version clauses with no comma between them, which "
                    f"pip refuses: write {mended}"
                )


def refuse_undecodable(root: Path, requirements: str) -> None:
    """A requirements file pip cannot decode: a UTF-16 one (PowerShell's `pip freeze >` writes that) with a line
    added in another encoding after it, an odd byte at its end (KrupaR026/fastapi_postgresql_crud: pip's own
    UnicodeDecodeError, after a build)."""
    for file in [requirements, *included_files(root, requirements)]:
        try:
            text_of(root / file, errors="strict")
        except UnicodeDecodeError as error:
            said = f"{error.encoding.upper()}, as its byte-order mark says" if "16" in error.encoding else "UTF-8"
            raise NotAFastAPIRepository(
                f"{file} does not decode as {said} ({error.reason} at byte {error.start}), and pip cannot read it: "
                "save it again as UTF-8"
            ) from None


#: The index a requirements file installs everything from, instead of PyPI.
MAIN_INDEX = re.compile(r"^\s*(?:-i|--index-url)[\s=]+(\S+)", re.M)


def refuse_unreached_index(root: Path, requirements: str) -> None:
    """An index the file installs everything from (a regional mirror of PyPI) that does not answer from here: pip
    would find no release of anything in it ("from versions: none"; qianxunslimg/my_fastapi_service, after a build)."""
    for file in [requirements, *included_files(root, requirements)]:
        for number, line in enumerate(text_of(root / file).splitlines(), 1):
            if (named := MAIN_INDEX.match(line)) and not answers(named[1]):
                raise NotAFastAPIRepository(
                    f"{file} line {number}: the index {named[1]}, which it installs everything from, does not answer "
                    "here: delete the line to install from PyPI, or build where that index answers"
                )


def refuse_unbuildable_pins(root: Path, requirements: str) -> None:
    """Each pin of the requirements file a build would stop on, refused before it."""
    refuse_undecodable(root, requirements)
    refuse_unreached_index(root, requirements)
    refuse_unreached_local_pins(root, requirements)
    refuse_unseparated_clauses(root, requirements)
    refuse_unheld_pins(root, requirements)
