"""Files the app opened at import that the image lacked, and the repository holds: at that path (copied into the
image), or in the app's own folder, opened from where the app runs, as its own Dockerfile ran it (linked there)."""

from __future__ import annotations

from pathlib import Path

from fastapi_stackops.adopt.conventions import CODE_DIR
from fastapi_stackops.adopt.failure_advice import MISSING_FILE
from fastapi_stackops.adopt.repository import Repository


def held_file(words: str, root: Path) -> str:
    """A file the app opened at import and the image lacked, which the repository holds (pyproject.toml, read for the
    app's version), as a path in it; "" for none."""
    return next((path for path in opened_paths(words) if (root / path).is_file()), "")


def held_beside(words: str, repo: Repository) -> str:
    """A file the app opened at import by a path from where it runs, which the repository holds in the app's own
    folder instead (casbin's model.conf in app/, where its own Dockerfile ran it), as the image would have it opened;
    "" for none."""
    held = [path for path in opened_paths(words) if (repo.root / repo.app.folder / path).is_file()]
    return f"{CODE_DIR}/{held[0]}" if held and repo.app.folder != "." else ""


def opened_paths(words: str) -> list[str]:
    """The relative paths (from where the app runs) of the files the failure says the app could not open."""
    opened = [found.removeprefix(f"{CODE_DIR}/") for found in MISSING_FILE.findall(words)]
    return [path for path in opened if not path.startswith("/")]
