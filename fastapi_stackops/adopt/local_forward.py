"""A database, Redis or RabbitMQ the code opens at localhost (`postgresql://app:pw@localhost:5439/appdb`): in a
container, localhost is the container itself, so the app's image forwards those ports to the stack's servers with
socat, started by the entrypoint before the command; every container of the image (the app, a worker, the suite) has
it. What the code opens is read in code_databases and local_servers."""

from __future__ import annotations

from fastapi_stackops.adopt.conventions import AMQP_PORT, RABBITMQ_SERVICE, REDIS_PORT, REDIS_SERVICE
from fastapi_stackops.adopt.repository import Repository

#: The Debian package of the forwarder.
FORWARDER = "socat"


def forwards(repo: Repository) -> list[tuple[int, str, int]]:
    """(port at localhost, service, its port) for each server the code opens at localhost."""
    database = repo.database_server
    found = [(database.login.local_port, database.service, database.port)] if database and database.login.local_port else []
    found += [(repo.redis_forward, REDIS_SERVICE, REDIS_PORT)] if repo.redis and repo.redis_forward else []
    return found + ([(repo.rabbitmq_forward, RABBITMQ_SERVICE, AMQP_PORT)] if repo.rabbitmq and repo.rabbitmq_forward else [])


def forwarder_install(repo: Repository) -> tuple[str, str]:
    """(the package, why) the runtime installs for the forwards; ("", "") for none."""
    said = ", ".join(f"localhost:{local} -> {service}:{port}" for local, service, port in forwards(repo))
    return (
        (FORWARDER, f"The code opens servers at localhost, which is the container: socat forwards {said}.") if said else ("", "")
    )


#: Where a MySQL client finds the server at `localhost`, a socket, not a port (mysqlclient, MariaDB's connector): under
#: the writable /tmp, which the clients' MYSQL_UNIX_PORT names (okymikhael/fastapi-hospital-restAPI's migrations: "Can't
#: connect to local MySQL server through socket '/run/mysqld/mysqld.sock'").
MYSQL_SOCKET = "/tmp/mysqld.sock"


def forwarder_entry(repo: Repository) -> list[str]:
    """The entrypoint's first words: the forwarders in the background, then the command (or the next entrypoint's)."""
    started = "".join(
        f"{FORWARDER} TCP-LISTEN:{local},bind=127.0.0.1,fork,reuseaddr TCP:{service}:{port} & "
        for local, service, port in forwards(repo)
    )
    if repo.database == "mysql" and any(service == repo.database_server.service for _, service, _ in forwards(repo)):
        server = f"{repo.database_server.service}:{repo.database_server.port}"
        started += f"export MYSQL_UNIX_PORT={MYSQL_SOCKET}; {FORWARDER} UNIX-LISTEN:{MYSQL_SOCKET},fork TCP:{server} & "
    return ["sh", "-c", f'{started}exec "$@"', "forward"] if started else []
