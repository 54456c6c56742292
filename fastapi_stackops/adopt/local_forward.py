"""A database the code opens at localhost, its login written out (`postgresql://app:pw@localhost:5439/appdb`): in a
container, localhost is the container itself, so the app's image forwards that port to the stack's server with socat,
started by the entrypoint before the command; every container of the image (the app, a worker, the suite) has it."""

from __future__ import annotations

from fastapi_stackops.adopt.repository import Repository

#: The Debian package of the forwarder.
FORWARDER = "socat"


def forwarded(repo: Repository) -> str:
    """`localhost:PORT -> server:PORT` for a database the code opens at localhost; "" for none."""
    database = repo.database_server
    if not database or not database.login.local_port:
        return ""
    return f"localhost:{database.login.local_port} -> {database.service}:{database.port}"


def forwarder_install(repo: Repository) -> tuple[str, str]:
    """(the package, why) the runtime installs for the forward; ("", "") for none."""
    said = forwarded(repo)
    return (
        (FORWARDER, f"The code opens its database at localhost, which is the container: socat forwards {said}.")
        if said
        else ("", "")
    )


def forwarder_entry(repo: Repository) -> list[str]:
    """The entrypoint's first words: the forwarder in the background, then the command (or the next entrypoint's)."""
    database = repo.database_server
    if not forwarded(repo) or not database:
        return []
    listen = f"TCP-LISTEN:{database.login.local_port},bind=127.0.0.1,fork,reuseaddr"
    return ["sh", "-c", f'{FORWARDER} {listen} TCP:{database.service}:{database.port} & exec "$@"', "forward"]
