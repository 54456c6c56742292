"""Redis and RabbitMQ the code opens at localhost as written (a client's, or a Celery broker's or backend's): in a
container that is the container itself, so the app's image forwards the port to the stack's server (local_forward), and
the stack's RabbitMQ serves the login the URL gives."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

from fastapi_stackops.adopt.backing import Login
from fastapi_stackops.adopt.brokers import AMQP_SCHEMES, local_redis
from fastapi_stackops.adopt.code_databases import opened_at_localhost
from fastapi_stackops.adopt.conventions import AMQP_PORT, REDIS_PORT
from fastapi_stackops.adopt.findings import Finding
from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.syntax import parsed
from fastapi_stackops.adopt.wheels import text_of
from fastapi_stackops.adopt.workers import local_brokers
from fastapi_stackops.failure_bundle import masked

#: A URL's login and port: `amqp://guest:guest@localhost:5672//`, `redis://:pw@127.0.0.1:6380/0`.
URL_PARTS = re.compile(r"^[\w+]+://((?P<user>[^:@/]*)(:(?P<password>[^@/]*))?@)?[^:/@]+(:(?P<port>\d+))?")


def redis_forward(root: Path) -> tuple[int, Finding | None]:
    """The port of Redis the code opens at localhost as written, and what init says of it; (0, None) for none."""
    url, where = celery_or_client(root, local_redis, ("redis://", "rediss://"), "edis")
    if not url:
        return 0, None
    port = port_of(url, REDIS_PORT)
    said = f"Redis at {url}, written in its code: localhost's port {port} forwarded to the stack's Redis"
    return port, Finding("redis", said, where)


def rabbitmq_forward(root: Path) -> tuple[int, Login | None, Finding | None]:
    """The port of RabbitMQ the code opens at localhost as written (a client's URL or host, a URL of its own handed on,
    a Celery broker's), the login the URL gives (the clients' default, guest, when it gives none), and what init says
    of both; (0, None, None) for none."""
    url, where = next(((u, w) for u, w in opened_at_localhost(root) if u.startswith(AMQP_SCHEMES)), ("", ""))
    url, where = (url, where) if url else celery_or_client(root, None, AMQP_SCHEMES, "amqp")
    if not url:
        return 0, None, None
    parts = URL_PARTS.match(url)
    user, password = unquote(parts and parts["user"] or "guest"), unquote(parts and parts["password"] or "guest")
    port = port_of(url, AMQP_PORT)
    login = Login(user, password, "", "", where, local_port=port)
    said = f"RabbitMQ at {masked(url, set())}, written in its code: localhost's port {port} forwarded to the stack's"
    return port, login, Finding("rabbitmq", f"{said} RabbitMQ, user {user}", where)


def celery_or_client(root: Path, client: Callable | None, schemes: tuple[str, ...], hint: str) -> tuple[str, str]:
    """The first URL at localhost the code opens as written by a client (`client` reads a module for one, as (file,
    line, URL)) or as a Celery broker or backend of those schemes, and "file line N"; ("", "") for none. Only modules
    whose text holds `hint` are read."""
    for path in python_files(root):
        tree = parsed(path) if hint in text_of(path) else None
        found = client(path, tree) if tree and client else None
        broker = next((b for b in local_brokers(tree) if b[1].startswith(schemes)), None) if tree and not found else None
        if found or broker:
            line, url = (found[1], found[2]) if found else broker
            return url, f"{path.relative_to(root)} line {line}"
    return "", ""


def port_of(url: str, default: int) -> int:
    """The port a URL names, else its server's default."""
    parts = URL_PARTS.match(url)
    return int(parts["port"]) if parts and parts["port"] else default
