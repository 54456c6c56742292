"""What the app's containers get in their environment: the stack's database, Redis and RabbitMQ where its settings
name them, values init makes up so that it starts, the secrets the env files generate, and what its tests get."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from fastapi_stackops.adopt.app_mode import compared_literals, https_redirects, local_mode, redirect_guards
from fastapi_stackops.adopt.app_settings import (
    DATABASE_FIELD,
    KINDS,
    SettingField,
    Settings,
    holds_database_url,
    placed_fields,
    setting_fields,
)
from fastapi_stackops.adopt.brokers import RABBITMQ_PARTS, RABBITMQ_PASSWORD, REDIS_PARTS, broker_by_default, broker_values
from fastapi_stackops.adopt.conventions import DATA_DIR
from fastapi_stackops.adopt.data_folders import data_values, scratch_folders
from fastapi_stackops.adopt.fitting_values import joined_to_its_folder, named_value
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.secret_formats import in_a_librarys_format
from fastapi_stackops.adopt.suite_values import committed_name
from fastapi_stackops.adopt.workers import celery_broker_reads
from fastapi_stackops.settings import PASSED_THROUGH


def database_url(repo: Repository, field: SettingField | None = None) -> str:
    """The URL the app's settings (or this field of them) get in the stack: its own scheme, pointed at the database
    service or the data volume; a field named for a sync or async driver (DATABASE_ASYNC_URL) gets one."""
    default = (field.default or "") if field else repo.settings.database_default if repo.settings else ""
    scheme = default.split("://")[0] if "://" in default else ""
    async_engine = engine_named(repo, field)
    if database := repo.database_server:
        # A plain scheme for an async engine names the sync driver, which the engine refuses: an async driver's instead,
        # unless the code rewrites the plain one itself (its sync alembic then reads it as given), whatever another
        # database's default says (an SQLite fallback's sqlite://).
        scheme = scheme if database.names(scheme) else ""
        sync_for_async = async_engine and "+" not in scheme and not repo.rewritten_scheme
        return database.url(
            database.scheme(repo.orm_dependencies, "" if sync_for_async else scheme or repo.rewritten_scheme, async_engine)
        )
    # With no default of its own, the file the code opens where it runs (linked to the volume) is the app's.
    name = (default.rsplit("/", 1)[-1] if default.startswith("sqlite") else "") or Path(
        repo.sqlite_in_code or f"{repo.name}.db"
    ).name
    # An async engine refuses pysqlite, which a bare sqlite:// names; unless the code rewrites the bare one itself.
    if scheme in ("", "sqlite") and async_engine and "aiosqlite" in repo.dependencies and not repo.rewrites_sqlite:
        scheme = "sqlite+aiosqlite"
    return f"{scheme or 'sqlite'}:///{DATA_DIR}/{name}"


#: A database URL's name saying which engine reads it: DATABASE_ASYNC_URL, SYNC_DB_URL.
ENGINE_NAMED = re.compile(r"(^|_)(a?sync)(_|$)", re.I)


def engine_named(repo: Repository, field: SettingField | None) -> bool:
    """Whether the field's URL is an async engine's: as its name says, else the other engine's than a sibling named
    for one (DATABASE_URL beside DATABASE_URL_ASYNC is the sync engine's), else as the app's engine is."""
    named = ENGINE_NAMED.search(field.name) if field else None
    if named:
        return named.group(2).lower() == "async"
    siblings = [f.name for f in repo.settings.database_fields] if field and repo.settings else []
    engines = {found.group(2).lower() for name in siblings if (found := ENGINE_NAMED.search(name))}
    return repo.async_engine if len(engines) != 1 else engines == {"sync"}


def app_environment(repo: Repository) -> dict[str, str]:
    """Variable -> its Compose value: the database URL, Redis, RabbitMQ, and every setting the app cannot start without."""
    wired = wired_environment(repo)
    return {name: value for name, value in (wired | made_up_environment(repo, wired)).items() if not COMPOSE_READS.match(name)}


def host_free(environment: dict[str, str]) -> dict[str, str]:
    """Values no host can change: a variable the tasks hand Compose from the host (USER, HOME) is written as its value,
    not `${USER-app}`, which would give the app the host's (root, a CI runner's name)."""
    return {n: re.sub(rf"^\$\{{{n}-(.*)\}}$", r"\1", v) if n in PASSED_THROUGH else v for n, v in environment.items()}


#: Variables Compose and the docker CLI read themselves: the env files hand their values to Compose, so one the app
#: reads too (an app that drives containers reads DOCKER_HOST) is never made up there: it would name Compose's engine.
COMPOSE_READS = re.compile(
    r"^(COMPOSE_\w+|DOCKER_(HOST|CONFIG|CONTEXT|CERT_PATH|TLS|TLS_VERIFY|API_VERSION|BUILDKIT|DEFAULT_PLATFORM|CONTENT_TRUST\w*))$"
)
#: A field of these types names no broker's URL, host or port, whatever its name (CELERY_BROKER: Literal['rabbitmq', 'redis']).
NO_URL = re.compile(r"^\s*(Literal|bool)\b")


def wired_environment(repo: Repository) -> dict[str, str]:
    """What the stack gives the app: its database, Redis and RabbitMQ, its local mode, and --set's values."""
    settings = repo.settings
    values = database_environment(repo)
    named = [f.variable for f in setting_fields(settings) if not NO_URL.match(f.annotation)]
    defaults = {f.variable: f.default for f in setting_fields(settings)}
    values |= broker_values(named + list(repo.required), repo.redis, repo.rabbitmq, defaults)
    values |= brokers_by_defaults(repo, values)
    # By use over a name's guess that is no URL (REDISSERVER: a host); a URL wired by name stays (a backend's rpc://).
    values |= {name: url for name, url in brokers_by_use(repo).items() if "://" not in values.get(name, "")}
    values |= {name: value for name, value in redis_by_place(repo).items() if name not in values}
    values |= data_values(repo.data_variables)
    mode = local_mode(settings, repo.root)
    if mode:  # the app's own default, which dev and ci set to its local mode
        values[mode.variable] = f"${{{mode.variable}-{mode.default}}}"
    values |= {name: f"${{{name}-false}}" for name in https_redirects(settings)}  # TLS ends in front of the stack
    values |= {name: f"${{{name}-{default}}}" for name, (_, default) in redirect_guards(settings, repo.root).items()}
    # A scratch folder's variable is the library's to read too (prometheus_client's), not only the settings'.
    values |= {name: f"${{{name}-{path}}}" for name, path in scratch_folders(settings).items()}
    values |= {name: f"${{{name}-}}" for name in repo.committed_blanks}
    for name, value in repo.given.items():  # --set: a default the env files may override
        escaped = value.replace("$", "$$")
        values[name] = json.dumps(f"${{{name}-{escaped}}}") if escaped else f"${{{name}-}}"
    return values


def database_environment(repo: Repository) -> dict[str, str]:
    """The database's URL wherever the code reads one (a migration's own DB_URL too), and its parts: in the settings,
    and among the variables the app demanded at its first start (wired by their names)."""
    settings, fields = repo.settings, [SettingField(name, None, exact=True) for name in repo.required]
    handed = {name for name, part in settings.placed if part == "url"} if settings else set()  # to an engine, to alembic
    urls = [f for f in settings.others if holds_database_url(f) or {f.name, f.variable} & handed] if settings else []
    urls += settings.database_fields if settings else []
    values = database_values(repo, urls + [f for f in fields if DATABASE_FIELD.search(f.name)], settings)
    # Parts read again elsewhere, under names of their own (DB_PASS in one module, DB_PASSWORD in another), or placed
    # by a URL the code assembles (alembic.ini's, of options env.py reads).
    scattered = database_values(repo, [], replace(parts_of(list(settings.others)), placed=settings.placed)) if settings else {}
    return scattered | values | database_values(repo, [], parts_of(fields))


def brokers_by_defaults(repo: Repository, wired: dict[str, str]) -> dict[str, str]:
    """Broker settings no name places, wired by their defaults' shape (REDIS_BROKER = "localhost:6379", MQ_URL =
    "amqp://guest:guest@127.0.0.1:5672/")."""
    fields = setting_fields(repo.settings) if repo.redis or repo.rabbitmq else ()
    found = {
        f.variable: broker_by_default(f.variable, f.default, bool(repo.redis), bool(repo.rabbitmq), f.annotation)
        for f in fields
        if f.variable not in wired
    }
    return {variable: value for variable, value in found.items() if value}


def brokers_by_use(repo: Repository) -> dict[str, str]:
    """Variables handed to Celery as its broker or result backend, whatever their names: the stack's Redis URL, else
    RabbitMQ's."""
    url = REDIS_PARTS["url"][1] if repo.redis else RABBITMQ_PARTS["url"][1] if repo.rabbitmq else ""
    return dict.fromkeys(celery_broker_reads(repo.root), url) if url and repo.worker else {}


def redis_by_place(repo: Repository) -> dict[str, str]:
    """Settings a Redis URL the code assembles places, whatever their names (RDS_HOST, RDS_PORT): the stack's Redis's
    parts, where init made up a secret for each (a port of "ci-Secret...": "Port could not be cast to integer")."""
    fields = setting_fields(repo.settings) if repo.redis else ()
    placed = {name: part.split()[1] for name, part in repo.settings.placed if part.startswith("redis ")} if fields else {}
    variables = {f.name: f.variable for f in fields}
    return {variables[name]: REDIS_PARTS[part][1] for name, part in placed_fields(fields, placed).items()}


def made_up_environment(repo: Repository, wired: dict[str, str]) -> dict[str, str]:
    """What init invents only so that the app starts: a value of each required setting's type or name, or the path of
    the repository's a committed env file gives it, else a secret the env files must set."""
    required = [(f.variable, f.typed_value) for f in repo.settings.required] if repo.settings else []
    made: dict[str, str] = {}
    paths = dict(repo.committed_paths)  # a committed env file's path of the repository
    variables = {variable for variable, _ in required} | set(repo.required) | set(wired)
    for variable, typed in required + [(name, named_value(name)) for name in repo.required]:
        typed = paths.get(variable, joined_to_its_folder(variable, typed, variables))
        typed = None if in_a_librarys_format(variable, repo.formatted) else typed  # a secret of the library's format
        fallback = f"-{typed}" if typed is not None else f"?set {variable} in the env file or its local overlay"
        if variable not in wired:
            made.setdefault(variable, f"${{{variable}{fallback}}}")
    # A number the committed .env gives a read with no default: the repository's own Compose file passed it.
    return made | {name: f"${{{name}-{value}}}" for name, value in repo.committed_numbers if name not in wired}


def parts_of(fields: list[SettingField]) -> Settings:
    """Fields learned at the app's first start, read as a settings class would be: which name a database's parts."""
    return Settings("", "", tuple(fields), "its first start")


def database_values(repo: Repository, url_fields: list[SettingField], settings: Settings | None) -> dict[str, str]:
    """Variable -> its Compose value, for fields holding the database's URL, the settings' database parts, and an SQLite
    file's bare path."""
    values = {f.variable: f"${{{f.variable}-{database_url(repo, f)}}}" for f in url_fields if repo.database}
    if repo.database == "sqlite" and settings:  # a bare path the code puts in a URL: the file goes on the data volume
        values |= {
            f.variable: f"${{{f.variable}-{DATA_DIR}/{(f.default or 'app.db').rsplit('/', 1)[-1]}}}"
            for f in settings.sqlite_files
        }
        values |= sqlite_parts(repo, settings)
    if settings and (database := repo.database_server):
        by_name = {f.name: f for f in settings.fields}
        schemes = (database.scheme(repo.orm_dependencies, repo.rewritten_scheme, engine) for engine in (repo.async_engine, False))
        parts = database.parts(*schemes)
        # Beside two engines, a driver setting defaulting to a scheme a declared driver serves is the sync one's.
        served = {scheme for driver, (scheme, _) in database.schemes.items() if driver in repo.orm_dependencies}
        compared = compared_literals(repo.root, {by_name[name].variable for name in settings.database_parts})
        for name, part in scheme_pieces(settings.database_parts, by_name).items():
            field = by_name[name]
            # MySQL's schema is its database (DATABASE_SCHEMA = 'shop'); PostgreSQL's is a namespace in one: kept, or
            # with no default its own public one (a made-up secret made `CREATE SCHEMA ci-Secret...` fail).
            postgres_schema = "schema" if field.default is None else ""
            part = ("name" if repo.database == "mysql" else postgres_schema) if part == "schema" else part
            kept = part == "driver" and repo.both_engines and field.default in served
            value = field.default if kept else spelt_as_compared(parts.get(part, ""), field, database.kind, compared)
            value = (committed_name(repo.root, field.variable) or value) if part == "schema" else value  # migrations' own
            values |= {field.variable: f"${{{field.variable}-{value}}}"} if part else {}
    return values


#: The words a database's kind goes by in code that compares a setting with them.
KIND_WORDS = {"postgres": ("postgresql", "postgres", "pg", "psql"), "mysql": ("mysql", "mariadb")}


def spelt_as_compared(value: str, field: SettingField, kind: str, compared: dict[str, list[str]]) -> str:
    """A kind or driver setting's value as the code's comparisons spell the database (`DB_ENGINE == "postgres"`, where
    a URL says postgresql, and anything else raises): the stack's own where the code compares it with none, or with it."""
    if value.split("+")[0] not in KINDS:
        return value
    words = compared.get(field.variable, [])
    if not words or value in words:
        return value
    return next((word for word in words if word.lower().split("+")[0] in KIND_WORDS.get(kind, ())), value)


#: The modules a database URL's scheme names after its + (postgresql+asyncpg): a driver field defaulting to one alone.
DRIVER_MODULES = frozenset("asyncpg psycopg psycopg2 pg8000 aiomysql asyncmy pymysql mysqldb mysqlconnector aiosqlite".split())


def scheme_pieces(named: dict[str, str], by_name: dict[str, SettingField]) -> dict[str, str]:
    """The database parts, a driver or kind field read by its default: a DB_TYPE defaulting to a whole scheme
    (sqlite+aiosqlite) is one; a dialect (postgresql) beside a driver defaulting to a module alone (asyncpg), which the
    code joins with a +, is the kind, and the driver keeps its own default."""
    defaults = {name: (by_name[name].default or "").lower() for name in named}
    pieces = {n: "driver" if part == "kind" and "+" in defaults[n] else part for n, part in named.items()}
    # A driver defaulting to a word that is neither a kind nor a driver's module ("postgress", a typo), with no other
    # scheme field beside it for the code to join it to, is the whole scheme: it gets the stack's.
    schemes = [n for n, part in pieces.items() if part in ("kind", "driver")]
    alone = [
        n
        for n, part in pieces.items()
        if part == "driver"
        and re.fullmatch(r"[a-z]\w*", defaults[n])
        and defaults[n] not in KINDS
        and (len(schemes) > 1 or defaults[n] in DRIVER_MODULES)
    ]
    if not alone:  # a driver beside a kind (DB_TYPE, then DB_DRIVER) is its module alone: the code joins them with a +
        drivers = [n for n, part in pieces.items() if part == "driver"]
        if len(drivers) > 1:  # DB_ENGINE beside DB_DRIVER, both read as a scheme: the one not named driver is the kind
            pieces |= {n: "kind" for n in drivers if "driver" not in by_name[n].variable.lower()}
        module = "kind" in pieces.values()
        return {n: "module" if module and part == "driver" else part for n, part in pieces.items()}
    kinds = {n: "kind" for n, part in pieces.items() if part == "driver" and defaults[n] in KINDS}
    return {n: part for n, part in (pieces | kinds).items() if n not in alone}


def sqlite_parts(repo: Repository, settings: Settings) -> dict[str, str]:
    """SQLite given in parts (DATASOURCE__DIALECT, DATASOURCE__DATABASE): its kind, and its file on the data volume;
    a driver field stays the code's own."""
    parts = settings.database_parts
    values = {}
    for field in (f for f in settings.fields if f.name in parts):
        kind = parts[field.name] == "kind" or re.search(r"dialect|type|kind", field.name, re.I)
        value = "sqlite" if kind else f"{DATA_DIR}/{repo.name}.db" if parts[field.name] == "name" else ""
        values |= {field.variable: f"${{{field.variable}-{value}}}"} if value else {}
    return values


def secret_variables(repo: Repository) -> list[str]:
    """Variables that hold secrets: the app's settings without a default (the database's parts aside), and the
    passwords of the database and RabbitMQ init runs."""
    # What the stack wires (the database, Redis, RabbitMQ), a typed field's value and --set's value stand: none is generated.
    wired = {name for name, value in app_environment(repo).items() if "?set " not in value}
    names = [f.variable for f in repo.settings.required if f.variable not in wired] if repo.settings else []
    names += [name for name in repo.required if name not in wired and name not in names]
    names = [name for name in names if not COMPOSE_READS.match(name)]
    names += [repo.database_server.password] if repo.database_server else []
    return names + ([RABBITMQ_PASSWORD] if repo.rabbitmq else [])
