"""A database URL the code assembles from parts in an f-string (`f"postgresql://{user}:{password}@{server}:{port}/{db}"`):
each part's variable is known by its place in the URL, whatever it is called (USER, SERVER), where names alone say
nothing."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from fastapi_stackops.adopt.environment_reads import environment_bound, read_of
from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.syntax import parsed

#: A URL's text with each replacement field as \0: scheme://user:password@host[:port]/name, each part one field, the
#: scheme a database's or a field itself.
PLACED = re.compile(r"^(?P<scheme>(?:postgres(?:ql)?|mysql|mariadb)(?:\+\w+)?|\0)://\0:\0@\0(?::\0)?/\0(?:\?.*)?$", re.I | re.S)
#: A scheme's field that names a database (DB_POSTGRES_SCHEMA, DATABASE_DRIVER), not a broker's (BROKER_PROTOCOL).
DATABASE_SCHEME = re.compile(r"db|database|postgres|pg|sql|maria", re.I)


def placed_parts(root: Path) -> dict[str, str]:
    """Variable (or settings field) -> the part of the database its place in such a URL names."""
    found: dict[str, str] = {}
    for path in python_files(root):
        if not (tree := parsed(path)) or "://" not in ast.unparse(tree):
            continue
        bound = environment_bound(tree)
        for node in (n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)):
            text = "".join(v.value if isinstance(v, ast.Constant) else "\0" for v in node.values)
            if placed := PLACED.match(text):
                reads = [read_of(v.value, bound) for v in node.values if isinstance(v, ast.FormattedValue)]
                parts = [
                    "user",
                    "password",
                    "host",
                    *(["port"] if text.count("\0") - (placed["scheme"] == "\0") == 5 else []),
                    "name",
                ]
                parts = ["driver", *parts] if placed["scheme"] == "\0" else parts
                if parts[0] != "driver" or DATABASE_SCHEME.search(reads[0]):
                    found |= {read: part for read, part in zip(reads, parts, strict=True) if read}
    return found
