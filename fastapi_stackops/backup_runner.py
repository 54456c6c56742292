"""Backups and restores run: one-off helper containers on the stack's own engine (backups.py says what they run)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi_stackops import StackError
from fastapi_stackops.backups import (
    FOLDER,
    LABEL,
    LIST_SCRIPT,
    SQLITE_SEARCH,
    Database,
    backup_name,
    covering_mounts,
    database_of_backup,
    databases,
    dump_command,
    listed,
    mounted_folders,
    restore_command,
)
from fastapi_stackops.console import say, step
from fastapi_stackops.engine import service_of
from fastapi_stackops.lazy import docker
from fastapi_stackops.waiting import held_for_a_fault_test, poll, within

if TYPE_CHECKING:
    from fastapi_stackops.stack import Stack


def backups_volume(stack: Stack) -> str:
    """The project's backups volume, made on first use; Compose does not own it, so no `--volumes` removes it."""
    name = f"{stack.project}-backups"
    try:
        stack.client.volumes.get(name)
    except docker.errors.NotFound:
        stack.client.volumes.create(name, labels={LABEL: stack.project})
    return name


def one_off(client: docker.DockerClient, image: str, **options) -> tuple[int, bytes, bytes]:
    """A helper container run to its end: exit status, stdout, stderr. It goes whatever happens, Ctrl-C included (the
    SDK's own remove=True would leave it when the wait is interrupted)."""
    container = client.containers.create(image, **options)
    try:
        container.start()  # an image without the command fails here, and the container still goes
        status = container.wait()["StatusCode"]
        return status, container.logs(stdout=True, stderr=False), container.logs(stdout=False, stderr=True)
    finally:
        container.remove(force=True, v=True)  # v: the anonymous volume a database image declares, one per backup


def run_helper(stack: Stack, database: Database, spec: dict, what: str) -> bytes:
    """Run a helper container beside the database (its network, or the volumes of the container keeping the file)."""
    options = {"user": "0", "volumes": {backups_volume(stack): {"bind": FOLDER, "mode": "rw"}}}
    if database.kind == "postgres":
        options["network"] = database.network
    else:
        options["volumes_from"] = [database.container]
    status, output, errors = one_off(stack.client, database.image, **spec, **options)
    if status != 0:
        said = errors.decode(errors="replace").strip().splitlines()
        raise StackError(f"{what} of {database.service} failed: {said[-1] if said else f'exit {status}'}")
    return output


def searched_sqlite(stack: Stack, containers: list, found: list[Database]) -> list[Database]:
    """SQLite files no URL names, found by their header in the mounts of the containers holding no database."""
    holders = {d.container for d in found}
    searched: dict[str, Database] = {}
    for container in containers:
        folders = mounted_folders(container.attrs)
        if container.name in holders or not folders:
            continue
        search = {"entrypoint": ["python3", "-c", SQLITE_SEARCH], "user": "0", "volumes_from": [container.id]}
        try:
            _, output, _ = one_off(stack.client, container.image.id, command=folders, **search)
        except docker.errors.DockerException:
            continue  # an image without Python keeps no SQLite file a Python service reads
        for path in output.decode(errors="replace").split():
            searched.setdefault(path, Database("sqlite", service_of(container), container.name, container.image.id, path=path))
    return list(searched.values())


def found_databases(stack: Stack) -> list[Database]:
    running = [c for c in stack.look_again().containers() if c.status == "running"]
    found = databases(running)
    if not found:  # the search runs a helper per container: only when nothing else named a database
        found = searched_sqlite(stack, running, found)
    return found


def running_databases(stack: Stack) -> list[Database]:
    found = found_databases(stack)
    if not found:
        raise StackError(
            f"{stack.project} runs no database to back up (no PostgreSQL container, no sqlite:/// URL in a running "
            "service's environment); start the stack first (inv up)"
        )
    return found


def list_backups(stack: Stack) -> list[tuple[str, int]]:
    """Every backup file the project's volume holds, with its size in bytes."""
    image = running_databases(stack)[0].image
    volumes = {backups_volume(stack): {"bind": FOLDER, "mode": "ro"}}
    return listed(one_off(stack.client, image, command=["-c", LIST_SCRIPT], entrypoint=["sh"], volumes=volumes)[1])


def take_backup(stack: Stack, database: Database, note: str = "") -> str:
    name = backup_name(database, note=note)
    run_helper(stack, database, dump_command(database, name), "the backup")
    size = dict(list_backups(stack)).get(name, 0)
    say(f"backup  {database.service} ({database.kind}): {name}, {size} bytes, in volume {stack.project}-backups")
    return name


def back_up(stack: Stack) -> list[str]:
    """A backup of every database the stack runs."""
    return [take_backup(stack, database) for database in running_databases(stack)]


def back_up_before_migrating(stack: Stack) -> str:
    """Before a deploy's migration: a backup of every database running (none when the contract names no migration),
    their names for the release's record. A first deploy backs up the database it has just started, empty."""
    migrations = stack.config.migrations
    if not (migrations and migrations.upgrade):
        return ""
    with step("backing up the databases before the migration"):
        held_for_a_fault_test("backup")
        return " ".join(take_backup(stack, database, note="before-deploy") for database in found_databases(stack))


def users_of(stack: Stack, database: Database) -> list:
    """The running containers that use the database: the services that depend on it, or that keep the same file."""
    if database.kind == "postgres":
        model = stack.model.services
        using = {name for name, service in model.items() if database.service in service.depends_on}
        return [c for c in stack.containers() if c.status == "running" and service_of(c) in using]
    running = [c for c in stack.containers() if c.status == "running"]
    holder = next(c for c in running if c.name == database.container)
    kept = {mount_source(m) for m in covering_mounts(holder.attrs, database.path)}
    return [c for c in running if kept & {mount_source(m) for m in c.attrs.get("Mounts") or []}]


def mount_source(mount: dict) -> str:
    return mount.get("Name") or mount.get("Source", "")


def restore(stack: Stack, name: str) -> str:
    """Put a backup back: first a backup of what it replaces, then the database's users stopped, the backup restored,
    and exactly those containers started again and waited for. Returns the name of the backup taken first."""
    database = database_of_backup(name, running_databases(stack))
    if name not in dict(list_backups(stack)):
        raise StackError(f"no backup {name} in volume {stack.project}-backups; `inv backup --list` lists them")
    before = take_backup(stack, database, note="before-restore")
    stopped = users_of(stack, database)
    for container in stopped:
        container.stop()
    try:
        run_helper(stack, database, restore_command(database, name), "the restore")
    finally:
        for container in stopped:
            container.start()
        wait_until_ready(stack, stopped)
    say(f"restored {database.service} from {name} (what it replaced: {before})")
    if any(service_of(c) == stack.config.entry for c in stopped):  # an engine-chosen port is chosen anew at start
        say(f"  {stack.config.entry} answers at {stack.look_again().url()}")
    return before


def ready(container) -> bool:
    container.reload()
    health = (container.attrs["State"].get("Health") or {}).get("Status")
    return container.status == "running" and health in (None, "healthy")


def wait_until_ready(stack: Stack, containers: list) -> None:
    deadline = within(stack.settings.wait_timeout)
    late = [c.name for c in containers if not poll(lambda c=c: ready(c), deadline)]
    if late:
        raise StackError(f"restored, but {', '.join(late)} did not become healthy again; see `inv logs`")
