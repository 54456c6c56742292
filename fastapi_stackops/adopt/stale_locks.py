"""A lock older than pyproject.toml, or made for another project: refused before any build, in one line saying what
it lacks and to lock again. Its installer would refuse it in the build, or install without what it lacks."""

from __future__ import annotations

from pathlib import Path

from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.locks import read_lock
from fastapi_stackops.adopt.package_index import normalized
from fastapi_stackops.adopt.poetry_hash import stale
from fastapi_stackops.adopt.workspace import read_toml


def unlocked(root: Path, installer: str, dependencies: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """The dependencies pyproject.toml declares that its lock does not pin (a lock older than the file), and the lock."""
    if installer not in ("uv", "poetry"):
        return (), ""
    pinned = {normalized(p["name"]) for p in read_lock(root, installer).get("package", [])}
    return tuple(d for d in dependencies if normalized(d) not in pinned), f"{installer}.lock"


def refuse_a_stale_lock(root: Path, installer: str, dependencies: tuple[str, ...]) -> None:
    """A lock older than pyproject.toml: refused before any build, in one line naming what it lacks (a uv.lock's sync
    installs without it; poetry refuses to export: "changed significantly since poetry.lock was last generated"), or
    saying a poetry.lock's content-hash is another's (nelttjen/fastapi-social_nw, tomaszbk/fastapi-bank-web-application),
    or a uv.lock's project another name (moulinh/Fastapi-MobileNetv2)."""
    missing, lock = unlocked(root, installer, dependencies)
    if missing and len(missing) < len(dependencies):  # a lock pinning none of them is no lock its installer wrote
        named = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise NotAFastAPIRepository(
            f"{lock} pins no {named}, which pyproject.toml declares: the lock is older than pyproject.toml; "
            f"lock again ({installer} lock) and commit it"
        )
    text = (root / "poetry.lock").read_text(errors="replace") if installer == "poetry" else ""
    if text and stale(read_toml(root / "pyproject.toml"), read_toml(root / "poetry.lock"), text):
        raise NotAFastAPIRepository(
            "poetry.lock was made from another pyproject.toml (its content-hash is not this one's), and poetry refuses "
            "to export it: lock again (poetry lock) and commit it"
        )
    made_for = lock_made_for(root, installer)
    named = read_toml(root / "pyproject.toml").get("project", {}).get("name", "")
    if made_for and named and normalized(made_for) != normalized(named):
        raise NotAFastAPIRepository(
            f'uv.lock was made for the project {made_for}, and pyproject.toml names {named} (uv refuses it: "Missing '
            'workspace member"): lock again (uv lock) and commit it'
        )


def lock_made_for(root: Path, installer: str) -> str:
    """The project a uv.lock beside pyproject.toml was made for (its package at `.`); "" for another lock, or none."""
    if installer != "uv" or not (root / "uv.lock").is_file():
        return ""
    packages = read_toml(root / "uv.lock").get("package", [])
    here = (
        p
        for p in packages
        if isinstance(p.get("source"), dict) and "." in (p["source"].get("virtual"), p["source"].get("editable"))
    )
    return next((p.get("name", "") for p in here), "")
