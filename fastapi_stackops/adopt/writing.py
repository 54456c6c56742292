"""Applying what init wrote to the repository: nothing overwritten unasked, a second run changes nothing, --dry-run writes nothing."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.adopt.contract_table import TABLE_HEADER, with_contract
from fastapi_stackops.adopt.conventions import BUILD_CACHE
from fastapi_stackops.adopt.file_text import text_of
from fastapi_stackops.envfiles import read_env_files

#: Lines init makes sure the repository's .gitignore has.
#: What init adds to .gitignore: personal secrets, the reports `inv ci` writes, and the build cache a GitLab job keeps.
IGNORED = ("*.local.env.docker", "reports/", f"{BUILD_CACHE}/")


@dataclass(frozen=True)
class Change:
    path: str  # relative to the repository
    text: str  # what the file would hold
    status: str  # new, unchanged, kept, overwritten, updated

    @property
    def writes(self) -> bool:
        return self.status in ("new", "overwritten", "updated")

    def line(self) -> str:
        said = {
            "new": "written",
            "unchanged": "unchanged",
            "kept": "kept as it is (it differs from what init would write; --force overwrites it)",
            "overwritten": "overwritten (--force)",
            "updated": "updated",
        }[self.status]
        return f"  {self.path:<32} {said}"


def current(root: Path, path: str) -> str | None:
    """A file's text as it is now, None for none: UTF-8, or UTF-16 by its byte-order mark (a Windows editor's
    .gitignore, of which git reads nothing), which init writes back as UTF-8."""
    file = root / path
    try:
        return text_of(file, errors="strict") if file.is_file() else None
    except UnicodeDecodeError:
        raise StackError(f"{path} is neither UTF-8 nor UTF-16 text: save it as UTF-8, then run init again") from None


def planned(root: Path, files: dict[str, str], force: bool) -> list[Change]:
    """Each file: new, unchanged, kept (differs, no --force) or overwritten."""
    changes = []
    for path, text in files.items():
        now = current(root, path)
        status = "new" if now is None else "unchanged" if now == text else "overwritten" if force else "kept"
        changes.append(Change(path, text, status))
    return changes


def pyproject_change(root: Path, contract: str, force: bool) -> Change:
    """The contract appended to pyproject.toml; one already there is replaced only with --force."""
    now = current(root, "pyproject.toml") or ""
    if TABLE_HEADER.search(now):
        wanted = with_contract(now, contract)
        status = "unchanged" if wanted == now else "updated" if force else "kept"
        return Change("pyproject.toml", wanted, status)
    return Change("pyproject.toml", with_contract(now, contract) if now else contract, "updated" if now else "new")


def gitignore_change(root: Path) -> Change:
    now = current(root, ".gitignore")
    missing = [line for line in IGNORED if line not in (now or "").splitlines()]
    if not missing:
        return Change(".gitignore", now or "", "unchanged")
    text = (now or "").rstrip("\n") + ("\n\n" if now else "") + "# stackops: secrets, personal overrides, ci reports\n"
    return Change(".gitignore", text + "\n".join(missing) + "\n", "updated" if now is not None else "new")


def kept_values(root: Path, paths: list[str]) -> dict[str, str]:
    """Values already in these env files: a second init keeps the secrets the first one generated."""
    existing = [root / p for p in paths if (root / p).is_file()]
    return {key: entry.value for key, entry in read_env_files(existing).items()} if existing else {}


def diff(root: Path, change: Change) -> str:
    before = (current(root, change.path) or "").splitlines(keepends=True)
    after = change.text.splitlines(keepends=True)
    return "".join(difflib.unified_diff(before, after, f"a/{change.path}", f"b/{change.path}"))


def apply(root: Path, changes: list[Change]) -> None:
    for change in changes:
        if change.writes:
            target = root / change.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(change.text)
