"""Parse `.env.docker` files with python-dotenv, rejecting what it would skip.

python-dotenv only warns about a line it cannot parse and then drops it; a
stack configured from that file would silently miss a value, so here such a
line is an error naming the file and the line.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from fastapi_stackops import StackError
from fastapi_stackops.project import display

VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class EnvFileError(StackError):
    pass


@dataclass(frozen=True)
class EnvValue:
    value: str
    path: Path
    line: int

    @property
    def where(self) -> str:
        return f"{display(self.path)}:{self.line}"


def check_syntax(text: str, path: Path) -> dict[str, int]:
    """Line number of each key's last definition; an unparsable line is an error."""
    lines: dict[str, int] = {}
    for binding in parse_stream(io.StringIO(text)):
        where = f"{display(path)}:{binding.original.line}"
        snippet = binding.original.string.strip()[:60]
        if binding.error:
            raise EnvFileError(
                f"{where}: cannot parse {snippet!r}; write KEY=VALUE and quote a value that holds spaces, quotes or #"
            )
        if binding.key is None:
            continue  # a blank or comment line
        if not VARIABLE_NAME.match(binding.key):
            raise EnvFileError(f"{where}: {binding.key!r} is not a variable name; use letters, digits and _")
        if binding.value is None:
            raise EnvFileError(f"{where}: {binding.key} has no '='; write {binding.key}= for an empty value")
        lines[binding.key] = binding.original.line
    return lines


def read_env_files(paths: list[Path]) -> dict[str, EnvValue]:
    """Values of the files, later files overriding earlier ones, as python-dotenv resolves them.

    `${NAME}` expands as python-dotenv does it (from earlier lines or files,
    inside quotes too); a lone `$` is kept as written.
    """
    texts, origin = [], {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise EnvFileError(f"{display(path)}: cannot read ({error.strerror})") from None
        for key, line in check_syntax(text, path).items():
            origin[key] = (path, line)
        texts.append(text if text.endswith("\n") else text + "\n")
    # One stream, so a local file's ${NAME} sees the base file's values.
    values = dotenv_values(stream=io.StringIO("".join(texts)), interpolate=True)
    resolved = {key: EnvValue(values[key] or "", *origin[key]) for key in origin}
    for key, value in resolved.items():
        check_single_line(key, value)
    return resolved


def leniently(path: Path, interpolate: bool = True) -> dict[str, str | None]:
    """A file the project does not own (a repository's .env.test), read as python-dotenv reads it, where read_env_files
    refuses what dotenv would skip; quietly: dotenv's warning names a line of no file ("could not parse statement
    starting at line 2"), which said amid init's own lines only puzzled."""
    logger = logging.getLogger("dotenv.main")
    level, logger.level = logger.level, logging.ERROR
    try:
        return dotenv_values(path, interpolate=interpolate)
    finally:
        logger.setLevel(level)


def names_in(path: Path) -> list[str]:
    """The variables a file the project does not own sets."""
    return list(leniently(path))


def literal_values(path: Path) -> dict[str, str]:
    """The values a file the project does not own sets as they are written (no `${...}` expanded)."""
    return {key: value for key, value in leniently(path, interpolate=False).items() if value is not None}


def check_single_line(key: str, value: EnvValue) -> None:
    """A line break cannot travel in an environment variable intact.

    Compose, the docker CLI and the programs reading them take a variable as
    one line (PostgreSQL's initdb keeps a password's first line only), so a
    multi-line value would arrive changed, silently.
    """
    if "\n" in value.value or "\r" in value.value:
        raise EnvFileError(
            f"{value.where}: {key} holds a line break, which does not reach a container intact; "
            "put the value on one line (a multi-line secret belongs in a file, mounted as a Compose secret)"
        )
