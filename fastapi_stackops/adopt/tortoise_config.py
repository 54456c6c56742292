"""What a Tortoise ORM config written as a dict says of where its database is: a connection's engine
(`tortoise.backends.asyncpg`) and its credentials' host, which init cannot move when the code writes it out."""

from __future__ import annotations

import ast
from pathlib import Path

from fastapi_stackops.adopt.environment_reads import constant_text
from fastapi_stackops.adopt.source import AT_LOCALHOST, LOCAL_HOSTS

#: Tortoise's backends, by the database kind's URL scheme.
BACKENDS = {"asyncpg": "postgres", "psycopg": "postgres", "mysql": "mysql", "sqlite": "sqlite"}


def local_tortoise(path: Path, tree: ast.Module, urls: dict[str, str]) -> tuple[Path, int, str] | None:
    """A Tortoise connection at localhost as written, as (file, line, URL): credentials naming it (`"host": "localhost"`
    beside `"engine": "tortoise.backends.asyncpg"`), or a connection's URL at it (`"connections": {"default": URL}`,
    a literal or a name `urls` holds); a host or URL read from a setting or the environment is not."""
    for node in (n for n in ast.walk(tree) if isinstance(n, ast.Dict)):
        entries = {constant_text(k): v for k, v in zip(node.keys, node.values, strict=True) if k is not None}
        if found := local_connection(entries.get("connections"), urls):
            return path, node.lineno, found
        engine = constant_text(entries.get("engine")) or ""
        credentials = entries.get("credentials")
        if not (engine.startswith("tortoise.backends.") and isinstance(credentials, ast.Dict)):
            continue
        given = {constant_text(k): constant_text(v) for k, v in zip(credentials.keys, credentials.values, strict=True) if k}
        if given.get("host") in LOCAL_HOSTS:
            kind = BACKENDS.get(engine.rsplit(".", 1)[-1], "postgres")
            return path, node.lineno, f"{kind}://{given['host']}:{given.get('port') or ''}".rstrip(":")
    return None


def local_connection(connections: ast.AST | None, urls: dict[str, str]) -> str:
    """The URL at localhost among a Tortoise config's connections, written out or by a name bound to one; "" else."""
    for value in connections.values if isinstance(connections, ast.Dict) else ():
        url = urls.get(value.id, "") if isinstance(value, ast.Name) else constant_text(value) or ""
        if AT_LOCALHOST.match(url):
            return url
    return ""
