"""Dependencies installed from a folder, not an index: one outside the service's folder never reaches its image, whose
build context is that folder alone. Refused in one line before any build (matthannigan/fastapi-streamlit-llm-starter:
poetry's `{path = "../shared"}` failed its build with pip's "does not appear to be a Python project")."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.wheels import text_of
from fastapi_stackops.adopt.workspace import workspace_of

#: A requirements line naming a folder: `-e ../shared`, `../shared`, `file:./lib`, `name @ file:///abs/path`.
FOLDER_LINE = re.compile(r"^\s*(?:-e\s+|--editable[\s=]+)?(?:[\w.-]+\s*@\s*)?((?:file:)?(?:\.{1,2}/|/)\S*)", re.I)


def as_folder(base: Path, written: str) -> Path:
    """The folder a path or file: URL names, from `base` (where the naming file is)."""
    if written.startswith("file:"):
        parts = urlsplit(written)
        written = unquote(parts.path if parts.netloc in ("", "localhost") else f"//{parts.netloc}{parts.path}")
    return (base / written.split(";")[0].strip()).resolve()


def dependency_folders(root: Path, project: dict, how: str, requirements: str) -> list[tuple[str, str, Path]]:
    """(where it is named, what, the folder) for each dependency the chosen install takes from a folder."""
    found = []
    if how in ("poetry", "poetry-unlocked"):
        for name, spec in project.get("tool", {}).get("poetry", {}).get("dependencies", {}).items():
            if isinstance(spec, dict) and spec.get("path"):
                found.append(("pyproject.toml", name, as_folder(root, spec["path"])))
    if how in ("uv", "pip"):
        for name, spec in project.get("tool", {}).get("uv", {}).get("sources", {}).items():
            if isinstance(spec, dict) and spec.get("path"):
                found.append(("pyproject.toml", name, as_folder(root, spec["path"])))
        for line in project.get("project", {}).get("dependencies", []):
            named = FOLDER_LINE.match(line)
            if named and "@" in line:
                found.append(("pyproject.toml", line.split("@")[0].strip(), as_folder(root, named.group(1))))
    if how == "requirements" and requirements:
        for line in text_of(root / requirements).splitlines():
            named = FOLDER_LINE.match(line.split(" #")[0])
            if named:
                found.append((requirements, named.group(1), as_folder((root / requirements).parent, named.group(1))))
    return found


def refuse_folders_outside(root: Path, project: dict, how: str, requirements: str) -> None:
    """Refuses a dependency the install takes from a folder outside the service's; a uv workspace member's image is
    built from the workspace, so its siblings are in it."""
    if how == "uv" and workspace_of(root, project):
        return
    here = root.resolve()
    for where, name, folder in dependency_folders(root, project, how, requirements):
        if folder != here and here not in folder.parents:
            shown = os.path.relpath(folder, here) if here.parent in folder.parents else folder  # ../shared
            raise NotAFastAPIRepository(
                f"{where}: the dependency {name} is installed from the folder {shown}, outside the service's folder, "
                "which is all its image is built from: run init from a folder that holds both, or install it from an index"
            )
