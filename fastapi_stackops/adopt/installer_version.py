"""The installer's version a project requires: uv's or poetry's own setting, or the poetry an old lock needs."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi_stackops.adopt.locks import read_lock
from fastapi_stackops.adopt.workspace import read_toml


def installer_version(root: Path, project: dict, installer: str) -> str:
    """The installer at the version the project requires of it ([tool.uv] required-version, or uv.toml's; poetry's
    requires-poetry), as pip installs it ("uv~=0.9.7"), or "" for any: uv and poetry refuse to run at another."""
    tool = project.get("tool", {})
    if installer == "uv":
        own = read_toml(root / "uv.toml") if (root / "uv.toml").is_file() else {}
        required = own.get("required-version") or tool.get("uv", {}).get("required-version", "")
    elif installer == "poetry":
        required = tool.get("poetry", {}).get("requires-poetry", "") or before_lock_versions(root)
    else:
        return ""
    required = re.sub(r"\s+", "", str(required))
    return f"{installer}{'==' if required[:1].isdigit() else ''}{required}" if required else ""


def before_lock_versions(root: Path) -> str:
    """ "<2" for a poetry.lock older than lock-version 1.1 (poetry before 1.1 wrote none), which poetry 2 refuses as "not
    compatible with the current version" and poetry 1.8 still reads (yoophi/todo-fastapi); "" for any other."""
    metadata = read_lock(root, "poetry").get("metadata", {}) if (root / "poetry.lock").is_file() else {}
    return "<2" if metadata and "lock-version" not in metadata else ""
