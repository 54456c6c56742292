"""Backups of a stack's databases, kept on the engine's own host, and restores from them.

What to back up is read from the running containers, not from the contract:
a container with the official PostgreSQL image's variables (POSTGRES_USER,
POSTGRES_PASSWORD, POSTGRES_DB) is a PostgreSQL server, dumped with its own
image's pg_dump (custom format); a container whose environment holds a
`sqlite:///` URL keeps a SQLite file, copied with SQLite's online backup API
by its own image's Python. Both run in a one-off container on the engine
that runs the stack, so a server env's backups stay on the server.

The files live in a volume of their own, `<project>-backups`, made by this
module and not by Compose: `down --volumes` and `clean --volumes` never
remove it. A restore first backs up what it replaces.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi_stackops import StackError
from fastapi_stackops.engine import service_of

FOLDER = "/backups"
LABEL = "io.stackops.backups"
POSTGRES_VARIABLES = ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB")
SQLITE_URL = re.compile(r"^sqlite(?:\+\w+)?:///([^?]+)")
NAME = re.compile(r"^[\w.-]+$")


@dataclass(frozen=True)
class Database:
    kind: str  # "postgres" or "sqlite"
    service: str
    container: str  # the running container's name
    image: str  # its image ID: the helper runs the same tools
    network: str = ""  # postgres: the network the helper joins to reach it
    user: str = "postgres"
    name: str = "postgres"
    password: str = ""
    path: str = ""  # sqlite: the file, inside the container

    @property
    def suffix(self) -> str:
        return "pgdump" if self.kind == "postgres" else "sqlite3"


def environment_of(attrs: Mapping) -> dict[str, str]:
    pairs = (item.partition("=") for item in attrs.get("Config", {}).get("Env") or [])
    return {key: value for key, _, value in pairs}


def sqlite_file(environment: Mapping[str, str], workdir: str) -> str:
    """The SQLite file a `sqlite:///` URL in the environment names ('' when none): four slashes are absolute, three
    are relative to the container's working directory."""
    for value in environment.values():
        match = SQLITE_URL.match(value.strip())
        if match and match.group(1) != ":memory:":
            return posixpath.normpath(posixpath.join(workdir or "/", match.group(1)))
    return ""


def covering_mounts(attrs: Mapping, path: str) -> list[Mapping]:
    """The container's mounts a file lies on."""
    return [m for m in attrs.get("Mounts") or [] if path.startswith(m["Destination"].rstrip("/") + "/")]


def database_of(service: str, attrs: Mapping) -> Database | None:
    """The database a running container holds or keeps, from its inspect data; None when it has none."""
    environment = environment_of(attrs)
    found = {"service": service, "container": attrs["Name"].lstrip("/"), "image": attrs["Image"]}
    if any(key in environment for key in POSTGRES_VARIABLES):
        user = environment.get("POSTGRES_USER") or "postgres"
        networks = list((attrs.get("NetworkSettings") or {}).get("Networks") or {})
        return Database(
            "postgres",
            **found,
            network=networks[0] if networks else "",
            user=user,
            name=environment.get("POSTGRES_DB") or user,
            password=environment.get("POSTGRES_PASSWORD", ""),
        )
    path = sqlite_file(environment, attrs.get("Config", {}).get("WorkingDir") or "/")
    if not path:
        return None
    if not covering_mounts(attrs, path):
        raise StackError(
            f"{service}'s SQLite file {path} is on no volume: nothing of it outlives the container; "
            "mount a volume on its folder in the Compose file"
        )
    return Database("sqlite", **found, path=path)


def databases(containers: Sequence) -> list[Database]:
    """One per database, from a project's running containers: a SQLite file kept by several services counts once."""
    found: dict[tuple[str, str], Database] = {}
    for container in containers:
        if container.status != "running":
            continue
        database = database_of(service_of(container), container.attrs)
        if database and (database.kind, database.path or database.service) not in found:
            found[(database.kind, database.path or database.service)] = database
    return list(found.values())


# A SQLite file named by no URL (a default in the code): found in the container's mounts by its header.
SQLITE_SEARCH = """
import os, sys
for top in sys.argv[1:]:
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if folder.count("/") - top.count("/") < 2]
        for name in files:
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as file:
                    if file.read(16) == b"SQLite format 3\\0":
                        print(path)
            except OSError:
                pass
"""


def mounted_folders(attrs: Mapping) -> list[str]:
    """Where a container keeps data that outlives it: its volumes' and bind mounts' destinations."""
    return [m["Destination"] for m in attrs.get("Mounts") or [] if m.get("Type") in ("volume", "bind")]


def backup_name(database: Database, now: datetime | None = None, note: str = "") -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{database.service}-{stamp}{'-' + note if note else ''}.{database.suffix}"


def database_of_backup(name: str, found: Sequence[Database]) -> Database:
    """The database a backup file belongs to, by its service and kind; one line naming what exists otherwise."""
    if not NAME.match(name):
        raise StackError(f"{name!r} is not a backup name; `inv backup --list` lists them")
    for database in found:
        if name.startswith(f"{database.service}-") and name.endswith(f".{database.suffix}"):
            return database
    running = ", ".join(f"{d.service} ({d.kind})" for d in found) or "none"
    raise StackError(f"{name} is a backup of no running database (running: {running}); start the stack first (inv up)")


# Both copy with SQLite's online backup API: into a backup in place of a ".partial" file first, so that a name that
# is listed is a whole backup; back into the database in place (its journal files stay consistent).
SQLITE_COPY = """
import os, sqlite3, sys
source, target, partial = sys.argv[1], sys.argv[2], sys.argv[3] == "partial"
owner = os.stat(os.path.dirname(target))
written = target + ".partial" if partial else target
with sqlite3.connect(source) as src, sqlite3.connect(written) as dst:
    src.backup(dst)
os.chown(written, owner.st_uid, owner.st_gid)
if partial:
    os.replace(written, target)
"""
# pg_dump into a ".partial" file, renamed once it is whole.
PG_DUMP = 'pg_dump "$@" --format=custom --file "$0.partial" && mv "$0.partial" "$0"'


def dump_command(database: Database, name: str) -> dict:
    """The helper container that writes a backup: its entrypoint, command and environment."""
    target = f"{FOLDER}/{name}"
    if database.kind == "postgres":
        args = [target, "-h", database.service, "-U", database.user, "-d", database.name]
        return {"entrypoint": ["sh", "-c", PG_DUMP], "command": args, "environment": {"PGPASSWORD": database.password}}
    return {"entrypoint": ["python3", "-c", SQLITE_COPY], "command": [database.path, target, "partial"], "environment": {}}


def restore_command(database: Database, name: str) -> dict:
    """The helper container that puts a backup back in place of what the database holds."""
    source = f"{FOLDER}/{name}"
    if database.kind == "postgres":
        args = ["-h", database.service, "-U", database.user, "-d", database.name]
        args += ["--clean", "--if-exists", "--no-owner", "--exit-on-error", source]
        return {"entrypoint": ["pg_restore"], "command": args, "environment": {"PGPASSWORD": database.password}}
    return {"entrypoint": ["python3", "-c", SQLITE_COPY], "command": [source, database.path, "in-place"], "environment": {}}


# POSIX sh, so any image lists them (PostgreSQL's has no Python; Alpine's find has no -printf).
LIST_SCRIPT = (
    f'for f in {FOLDER}/*; do [ -f "$f" ] && [ "${{f%.partial}}" = "$f" ] && echo "$(wc -c < "$f") ${{f##*/}}"; done; true'
)


def listed(output: bytes) -> list[tuple[str, int]]:
    """`size name` lines, as LIST_SCRIPT prints them, oldest name first."""
    rows = (line.split(None, 1) for line in output.decode(errors="replace").splitlines() if line.strip())
    return sorted((name, int(size)) for size, name in rows)
