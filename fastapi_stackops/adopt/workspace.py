"""A uv workspace member: a service whose lock lies at the workspace's root, above its folder. Its image builds from
that root (the lock, the root's pyproject.toml and the member's), with only the member's own code copied in."""

from __future__ import annotations

import fnmatch
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from fastapi_stackops import StackError


@dataclass(frozen=True)
class Workspace:
    top: Path  # the workspace's root, where uv.lock lies
    member: str  # the service's folder, relative to it (api, services/orders)
    package: str  # the member's project name, as `uv sync --package` takes it

    @property
    def up(self) -> str:
        """The way from the member's folder back to the root (.., ../..)."""
        return "/".join([".."] * len(Path(self.member).parts))

    def source(self, path: str) -> str:
        """A path of the member, as the build context (the workspace's root) names it."""
        return f"{self.member}/{path}".removesuffix("/.")


def workspace_of(root: Path, project: dict) -> Workspace | None:
    """The uv workspace `root` is a member of, when it has no lock of its own and one of its parents (four levels at
    most) has a uv.lock and lists it among its members."""
    if (root / "uv.lock").is_file():
        return None
    for top in list(root.resolve().parents)[:4]:
        path = top / "pyproject.toml"
        table = tomllib.loads(path.read_text()) if path.is_file() else {}
        members = table.get("tool", {}).get("uv", {}).get("workspace", {}).get("members", [])
        inside = root.resolve().relative_to(top).as_posix()
        if (top / "uv.lock").is_file() and any(fnmatch.fnmatch(inside, member) for member in members):
            return Workspace(top, inside, project.get("project", {}).get("name", root.name))
    return None


def read_toml(path: Path) -> dict:
    """A lock as uv and poetry may write it: TOML 1.1, whose inline tables may span lines (`sdist = {` then a line
    each), which Python's tomllib (TOML 1.0) refuses; such a table is read joined onto one line."""
    text = path.read_text()
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        joined = joined_inline_tables(text)
        try:
            return tomllib.loads(joined)
        except tomllib.TOMLDecodeError:
            raise StackError(f"{path.name} is not TOML Python can read ({error}): write it again with its tool") from None


def joined_inline_tables(text: str) -> str:
    """The text with each line break inside an inline table `{ }` (outside a string) made a space."""
    out, depth, quote, escaped = [], 0, "", False
    for char in text:
        if quote and escaped:
            escaped = False
        elif quote:
            escaped, quote = char == "\\" and quote == '"', "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "{}":
            depth += 1 if char == "{" else -1
        elif char == "\n" and depth > 0:
            char = " "
        out.append(char)
    return "".join(out)


def lock_file(root: Path, name: str) -> Path:
    """The lock `name` beside the project, else its workspace's (a uv workspace member has none of its own)."""
    found = workspace_of(root, {}) if name == "uv.lock" else None
    return found.top / name if found else root / name


def scratch_copy(root: Path, scratch: Path, ignore) -> Path:
    """A copy of the repository at `root` to try a setup in; a workspace member's sits in its workspace's root project
    and lock, as the build needs them (and no other member)."""
    found = workspace_of(root, {})
    top = scratch / (found.top.name if found else "")
    copy = top / found.member if found else scratch / root.name
    shutil.copytree(root, copy, ignore=ignore, symlinks=True)  # as a build context has them: a dangling one too
    for name in ("pyproject.toml", "uv.lock") if found else ():
        shutil.copy2(found.top / name, top / name)
    return copy
