"""Compose's rendering of a stack's files (`config --format json`) kept on disk, keyed by everything it reads.

Every task renders its stack before it starts (~0.15 s of Compose starting
and reading the files). The key is the command, its environment, the Compose
program, the working folder, and the content of each Compose file and of every
path those files name (an `env_file`, an `include`, an `extends`' file; a
path not there yet counts as absent, so creating it is a change too). A later
task of the same inputs reads the answer back in about a millisecond. A
file's name that is left to a variable the key cannot resolve is not cached.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from dotenv import dotenv_values

from fastapi_stackops.compose_program import cache_folder, compose_program, installed_as

#: Renders kept; the oldest go beyond this (each is a few kilobytes).
KEPT = 64
#: A file this large is known by its size and time, not read whole (a bind-mounted database).
READ_WHOLE = 1 << 20
#: `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `${NAME:+other}`; innermost first.
BRACED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^${}]*))?\}")
PLAIN = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
#: What separates the paths a Compose file may name: YAML's syntax, quotes, and a bind mount's `host:container`.
SEPARATORS = re.compile(r"[\s\"',:\[\]{}#=]+")
COMPOSE_SUFFIXES = (".yaml", ".yml")


def renders_folder() -> Path:
    return cache_folder() / "renders"


def rendered(command: Sequence[str], environment: Mapping[str, str], render: Callable[[], str]) -> str:
    """`render()`'s answer for this command, kept from an earlier run of the same inputs, else rendered and kept."""
    key = render_key(command, environment)
    if key is None:
        return render()
    path = renders_folder() / f"{key}.json"
    try:
        return path.read_text()
    except OSError:
        text = render()
    keep(path, text)
    return text


def render_key(command: Sequence[str], environment: Mapping[str, str]) -> str | None:
    """A digest of everything the render reads, or None when a path it may read cannot be known."""
    read = files_read(command, environment)
    program = shutil.which(compose_program()[0])
    if read is None or program is None:
        return None
    digest = hashlib.sha256()
    for part in (repr(list(command)), repr(sorted(environment.items())), os.getcwd(), installed_as(program)):
        digest.update(part.encode() + b"\0")
    for path in sorted(read):
        digest.update(f"{path}\0{fingerprint(path)}\0".encode())
    return digest.hexdigest()


def files_read(command: Sequence[str], environment: Mapping[str, str]) -> set[Path] | None:
    """The Compose files, the env files, the project's `.env` when Compose reads it, and every path the Compose files
    name (those naming a Compose file are read for theirs in turn); None when one is named through a variable that
    does not resolve here."""
    compose_files = [Path(value).absolute() for value in option_values(command, "--file", "-f")]
    env_files = [Path(value).absolute() for value in option_values(command, "--env-file")]
    if not env_files and compose_files:
        env_files = [compose_files[0].parent / ".env"]
    values = {k: v for f in env_files if f.is_file() for k, v in dotenv_values(f).items() if v is not None}
    values.update(environment)
    read, scanned, pending = set(env_files) | set(compose_files), set(), list(compose_files)
    while pending:
        path = pending.pop()
        named = named_paths(path, values) if path not in scanned and path.is_file() else set()
        if named is None:
            return None
        scanned.add(path)
        pending += [p for p in named if p.suffix in COMPOSE_SUFFIXES and p not in scanned and p.is_file()]
        read |= named
    return read


def option_values(command: Sequence[str], *names: str) -> list[str]:
    return [command[i + 1] for i, word in enumerate(command[:-1]) if word in names]


def named_paths(path: Path, values: Mapping[str, str]) -> set[Path] | None:
    """Every word of a Compose file, resolved against its folder: a superset of the paths it names."""
    text = interpolated(path.read_text(errors="replace"), values)
    if text is None:
        return None
    words = {word for word in SEPARATORS.split(text) if word and not word.startswith(("http", "-"))}
    return {(path.parent / word).absolute() for word in words if len(word) < 256}


def interpolated(text: str, values: Mapping[str, str]) -> str | None:
    """The text with its variables replaced as Compose would; None when one is left (a form this does not know)."""
    text = text.replace("$$", "")
    while True:
        replaced = BRACED.sub(lambda m: substitute(m, values), text)
        if replaced == text:
            break
        text = replaced
    text = PLAIN.sub(lambda m: values.get(m.group(1), ""), text)
    return None if "$" in text else text


def substitute(match: re.Match, values: Mapping[str, str]) -> str:
    name, colon, operator, word = match.groups()
    value = values.get(name)
    given = value is not None and (value != "" or not colon)
    if operator == "+":
        return word if given else ""
    return value if given else (word if operator == "-" else "")


def fingerprint(path: Path) -> str:
    """The file's content (its size and time when large); a folder's being there; or its absence."""
    try:
        if path.is_dir():
            return "folder"
        stat = path.stat()
        if stat.st_size > READ_WHOLE:
            return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "absent"


def keep(path: Path, text: str) -> None:
    """Write the render (atomically: another task may read it meanwhile); the oldest beyond KEPT go."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        partial.write_text(text)
        os.replace(partial, path)
        kept = sorted(path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        for old in kept[:-KEPT]:
            old.unlink(missing_ok=True)
        for partial in path.parent.glob("*.partial"):  # a task killed while writing left it
            if partial.stat().st_mtime < time.time() - 3600:
                partial.unlink(missing_ok=True)
    except OSError:
        pass  # no cache folder, or another task pruned first: rendered again next time
