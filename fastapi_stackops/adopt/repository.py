"""What init knows of a repository before it writes anything: one object, built by reading.read_repository and
changed only by what a first start teaches (dataclasses.replace)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi_stackops.adopt.app_settings import Settings
from fastapi_stackops.adopt.apps import App
from fastapi_stackops.adopt.backing import Database, Login, database_for
from fastapi_stackops.adopt.findings import Finding
from fastapi_stackops.adopt.testing import ServiceTests
from fastapi_stackops.adopt.wheels import UVICORN_WORKER
from fastapi_stackops.adopt.workspace import Workspace

#: The app's memory limit in the stack init writes, its own or an override beside the user's.
MEMORY_LIMIT = "512m"


@dataclass
class Repository:
    """What init knows of a repository before it writes anything."""

    root: Path
    name: str
    python: str
    installer: str  # uv, poetry, requirements or pip
    requirements: str  # the requirements file, for `requirements`
    dependencies: tuple[str, ...]
    app: App
    server: str  # uvicorn or gunicorn
    settings: Settings | None
    database: str  # postgres, sqlite or ""
    redis: bool
    worker: str  # the worker's command, "" without one
    migrations: str  # the command that migrates, "" without one
    docker_files: tuple[str, ...]  # Dockerfile and Compose files already there
    data_folder: str = ""  # a folder of the repository the SQLite file lives in, mounted from the host
    compiled: tuple[str, ...] = ()  # name==version pins with no wheel for the image's Python: the builder compiles them
    other_systems: tuple[str, ...] = ()  # pins with files for other systems only (pywin32): the install leaves them out
    libraries: tuple[str, ...] = ()  # Debian packages of shared libraries a pure-Python driver loads (libpq5 for psycopg)
    programs: tuple[tuple[str, str], ...] = ()  # (program, Debian package) the prestart script runs: nc, netcat-openbsd
    waited_on: tuple[tuple[str, int], ...] = ()  # (host, port) the prestart script waits on, or a URL the code assembles, names
    service_tests: ServiceTests | None = None  # the repository's pytest suite, for a test image
    start: tuple[str, ...] = ()  # the repository's own server command (a Procfile's), bound to the container port
    gunicorn_worker: str = UVICORN_WORKER  # uvicorn's worker class, under gunicorn
    extras: tuple[str, ...] = ()  # the extras that bring the framework, when the main dependencies do not
    groups: tuple[str, ...] = ()  # groups beside main the image installs: poetry's runtime ones, uv's bringing fastapi
    async_engine: bool = False  # the code makes an async SQLAlchemy engine (create_async_engine)
    both_engines: bool = False  # and a sync one beside it (create_engine): a driver setting may be the sync one's
    requires_python: str = ""  # the project's own specifier, as written
    writable: tuple[str, ...] = ()  # paths under the code the app writes at import: tmpfs in a read-only container
    keys: tuple[str, ...] = ()  # key files the app opens and the repository lacks: a pair made in a volume (key_files)
    copied: tuple[str, ...] = ()  # files the repository holds that the app opened at import: copied into the image too
    examples: tuple[str, ...] = ()  # examples of files the app opened at import that git leaves out: linked as those files
    beside_app: tuple[str, ...] = ()  # files it opened from where it runs, held in its own folder: links to them there
    linked: tuple[str, ...] = ()  # files beside the code the app writes at import (app.log): links into the /tmp tmpfs
    required: tuple[str, ...] = ()  # variables the app demanded at import that no settings class declares: secrets
    own_distribution: str = ""  # "name version": the metadata the code reads of itself, which the image writes
    placeholders: tuple[str, ...] = ()  # git-ignored env files the app reads at import: empty in the image
    dotenv_files: tuple[str, ...] = ()  # files the code reads with dotenv_values(), not the environment: written from it
    folders: tuple[str, ...] = ()  # folders the app needs at import that another build makes (static/): empty here
    installer_version: str = ""  # the uv or poetry its project requires, as pip installs it ("uv~=0.9.7")
    added: tuple[str, ...] = ()  # the server or alembic pins the app's dependencies lack (kept among dev ones)
    given: dict[str, str] = field(default_factory=dict)  # values --set gave, and those a first start's type errors taught
    refused_committed: tuple[str, ...] = ()  # secrets whose committed .env value the app refused at its first start
    findings: list[Finding] = field(default_factory=list)
    extension: str = ""  # a PostgreSQL extension its database needs: pgvector, postgis (backing.EXTENSIONS)
    unreached_index: str = ""  # the host of the index its uv.lock or poetry.lock was made against, not answering here
    init_scripts: str = ""  # its SQL (a file or folder) PostgreSQL runs at its first start, mounted from the repository
    rabbitmq: bool = False  # the app speaks AMQP (aio-pika, pika, Celery on an amqp:// broker): RabbitMQ beside it
    resolved_as_of: str = ""  # with no lock: the last commit's time (UTC), which the build's resolution keeps to
    lenient_install: bool = False  # a pin's metadata is not PEP 440 (uvicorn 0.14.0's >=3.6.*): uv installs, not pip
    worker_file: str = ""  # the file the worker's command names, relative to the root: the image carries it
    workspace: Workspace | None = None  # the uv workspace it is a member of: the build starts from the workspace's root

    @property
    def database_server(self) -> Database | None:
        """The database server its stack runs (None for SQLite or none), serving the login its code writes out, with
        TLS when the code requires it."""
        return database_for(self.database, self.extension, self.login, self.ssl)

    @property
    def orm_dependencies(self) -> tuple[str, ...]:
        """The dependencies less an ORM the code never imports: which one speaks to the database decides its scheme."""
        return tuple(d for d in self.dependencies if d not in self.never_imported)

    @property
    def keeps_data(self) -> bool:
        """Whether the app keeps files on a volume of its own: an SQLite file, or folders of data it writes."""
        return self.database == "sqlite" or bool(self.data_variables)

    @property
    def keeps_records(self) -> bool:
        """Whether a record could outlive a restart: a database, a volume of data, Redis's, or its own Compose file's."""
        return bool(self.database or self.keeps_data or self.redis or self.docker_files)

    never_imported: tuple[str, ...] = ()  # SQLAlchemy or SQLModel declared and never imported (a Tortoise app's leftover)
    data_variables: tuple[str, ...] = ()  # settings naming a folder of data the app makes at run time: on its volume
    sqlite_in_code: str = ""  # an SQLite file the code names under its folder (database.db): a link to the volume
    sqlite_alias: str = ""  # alembic.ini's other SQLite file beside the code (./test.db): a link to the app's file
    committed_blanks: tuple[str, ...] = ()  # settings defaulting to None its committed .env leaves empty: given empty
    committed_numbers: tuple[tuple[str, str], ...] = ()  # reads with no default its committed .env gives a number
    committed_paths: tuple[tuple[str, str], ...] = ()  # variables a committed env file gives a path or file it holds
    ssl: bool = False  # the code requires TLS of its PostgreSQL (sslmode=require): the stack's has it on
    rewritten_scheme: str = ""  # the plain scheme its code rewrites into a driver's itself: its URLs are given in it
    rewrites_sqlite: bool = False  # its code gives a bare sqlite URL its async driver itself: the URL stays bare
    formatted: tuple[tuple[str, str], ...] = ()  # (variable or field, format) of secrets a library takes: a Fernet key
    login: Login | None = None  # the database login a URL the repository writes out logs in with: served as written
    rabbitmq_login: Login | None = None  # the login an AMQP URL the code writes out logs in with: served as written
    redis_forward: int = 0  # the port of Redis the code opens at localhost: the image forwards it (local_forward)
    rabbitmq_forward: int = 0  # the same of RabbitMQ, which serves the login its URL gives (rabbitmq_login)
    memory: str = MEMORY_LIMIT  # the app's memory limit: more when its first start was killed for want of it
    package: str = ""  # the folder's own name, which its code imports itself as (run from the parent): a link in the image
