"""A database the code opens at localhost, its login written out (`postgresql://app:pw@localhost:5439/appdb`), or Redis
it opens there: in a container, localhost is the container itself, so the app's image forwards those ports to the
stack's servers with socat, started by the entrypoint before the command; every container of the image (the app, a
worker, the suite) has it."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi_stackops.adopt.brokers import local_redis
from fastapi_stackops.adopt.conventions import REDIS_SERVICE
from fastapi_stackops.adopt.findings import Finding
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.source import python_files
from fastapi_stackops.adopt.syntax import parsed
from fastapi_stackops.adopt.wheels import text_of
from fastapi_stackops.adopt.workers import local_broker

#: The Debian package of the forwarder.
FORWARDER = "socat"


def forwards(repo: Repository) -> list[tuple[int, str, int]]:
    """(port at localhost, service, its port) for each server the code opens at localhost."""
    database = repo.database_server
    found = [(database.login.local_port, database.service, database.port)] if database and database.login.local_port else []
    return found + ([(repo.redis_forward, REDIS_SERVICE, 6379)] if repo.redis and repo.redis_forward else [])


def forwarder_install(repo: Repository) -> tuple[str, str]:
    """(the package, why) the runtime installs for the forwards; ("", "") for none."""
    said = ", ".join(f"localhost:{local} -> {service}:{port}" for local, service, port in forwards(repo))
    return (
        (FORWARDER, f"The code opens servers at localhost, which is the container: socat forwards {said}.") if said else ("", "")
    )


def forwarder_entry(repo: Repository) -> list[str]:
    """The entrypoint's first words: the forwarders in the background, then the command (or the next entrypoint's)."""
    started = "".join(
        f"{FORWARDER} TCP-LISTEN:{local},bind=127.0.0.1,fork,reuseaddr TCP:{service}:{port} & "
        for local, service, port in forwards(repo)
    )
    return ["sh", "-c", f'{started}exec "$@"', "forward"] if started else []


#: A Redis URL's port.
REDIS_PORT = re.compile(r"redis://[^/]*?:(\d+)")


def redis_forward(root: Path) -> tuple[int, Finding | None]:
    """The port of Redis the code opens at localhost as written (a client's, or a Celery broker's or backend's), and
    what init says of it; (0, None) for none."""
    for path in python_files(root):
        tree = parsed(path) if "edis" in text_of(path) else None
        found = local_redis(path, tree) if tree else None
        broker = local_broker(tree) if tree and not found else None
        url = found[2] if found else broker[1] if broker and broker[1].startswith("redis") else ""
        if url:
            line = found[1] if found else broker[0]
            port = int(port_found[1]) if (port_found := REDIS_PORT.match(url)) else 6379
            said = f"Redis at {url}, written in its code: localhost's port {port} forwarded to the stack's Redis"
            return port, Finding("redis", said, f"{path.relative_to(root)} line {line}")
    return 0, None
