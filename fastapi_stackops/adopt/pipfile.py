"""What a Pipfile says the image installs, and its lock (Pipfile.lock) when there is one: pins, ranges, the Python."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from fastapi_stackops.adopt.file_text import text_of
from fastapi_stackops.adopt.package_index import normalized


def pipfile_pins(root: Path) -> dict[str, str]:
    """Pipfile.lock's main pins, name -> ==version; an entry with no version (a git or path source) is left out."""
    locked = json.loads(text_of(root / "Pipfile.lock") or "{}").get("default", {})
    return {name: entry["version"] for name, entry in locked.items() if isinstance(entry, dict) and entry.get("version")}


def pipfile_python(root: Path) -> str:
    """The Python minor Pipfile.lock was made for (its _meta's python_version: "3.11"), or with no lock the one the
    Pipfile requires; "" without one."""
    lock = root / "Pipfile.lock"
    meta = (
        json.loads(text_of(lock) or "{}").get("_meta", {}) if lock.is_file() else {"requires": pipfile(root).get("requires", {})}
    )
    version = str(meta.get("requires", {}).get("python_version", ""))
    return version if re.fullmatch(r"3\.\d+", version) else ""


def pipfile(root: Path) -> dict:
    """The Pipfile, parsed ({} without one, or for one that is no TOML)."""
    try:
        return tomllib.loads(text_of(root / "Pipfile")) if (root / "Pipfile").is_file() else {}
    except tomllib.TOMLDecodeError:
        return {}


def pipfile_ranges(root: Path, section: str = "packages") -> dict[str, str]:
    """A Pipfile's packages (or dev-packages), name -> range ("" for any), as pip is given them with no lock; a git or
    path source is left out."""
    listed = {name: {"version": spec} if isinstance(spec, str) else spec for name, spec in pipfile(root).get(section, {}).items()}
    sources = {"git", "path", "file", "editable"}
    return {normalized(n): str(s.get("version", "*")).replace("*", "") for n, s in listed.items() if not sources & set(s)}


def pipfile_python_said(root: Path) -> tuple[str, str]:
    """The Python the Pipfile asks, as a specifier ("==3.11.*"), and where it is said; ("", "") for none."""
    version = pipfile_python(root)
    said = f"{'Pipfile.lock' if (root / 'Pipfile.lock').is_file() else 'Pipfile'}'s python_version"
    return (f"=={version}.*", said) if version else ("", "")
