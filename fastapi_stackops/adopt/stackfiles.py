"""The compose.yaml and env files init writes: the app and its backing services, hardened, health-gated, on named volumes."""

from __future__ import annotations

import json
import re
import secrets

from fastapi_stackops.adopt.app_mode import local_mode
from fastapi_stackops.adopt.app_settings import DATABASE_FIELD, SettingField, Settings, named_value
from fastapi_stackops.adopt.backing import DATABASES, RABBITMQ, REDIS
from fastapi_stackops.adopt.brokers import RABBITMQ_PASSWORD, broker_values
from fastapi_stackops.adopt.conventions import (
    CONTAINER_PORT,
    DATA_DIR,
    DATA_FOLDER_VARIABLE,
    DATA_PERMISSIONS,
    ENTRY,
    HEADER,
    PORT_VARIABLE,
    RABBITMQ_DATA,
    RABBITMQ_SERVICE,
    REDIS_DATA,
    REDIS_SERVICE,
    TEST_SERVICE,
    UID,
    WORKER,
)
from fastapi_stackops.adopt.image import python_image
from fastapi_stackops.adopt.reading import Repository

HARDENED = """    read_only: true
    tmpfs: [/tmp]
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    mem_limit: 512m
    pids_limit: 128
"""


def database_url(repo: Repository, field: SettingField | None = None) -> str:
    """The URL the app's settings (or this field of them) get in the stack: its own scheme, pointed at the database
    service or the data volume; a field named for a sync or async driver (DATABASE_ASYNC_URL) gets one."""
    default = (field.default or "") if field else repo.settings.database_default if repo.settings else ""
    scheme = default.split("://")[0] if "://" in default else ""
    named = re.search(r"(^|_)(a?sync)_", field.name.lower()) if field else None
    async_engine = named.group(2) == "async" if named else repo.async_engine
    if repo.database in DATABASES:
        database = DATABASES[repo.database]
        return database.url(database.scheme(repo.dependencies, scheme, async_engine))
    name = (default.rsplit("/", 1)[-1] if default.startswith("sqlite") else "") or f"{repo.name}.db"
    return f"{scheme or 'sqlite'}:///{DATA_DIR}/{name}"


def app_environment(repo: Repository) -> dict[str, str]:
    """Variable -> its Compose value: the database URL, Redis, RabbitMQ, and every setting the app cannot start without."""
    wired = wired_environment(repo)
    return wired | made_up_environment(repo, wired)


def wired_environment(repo: Repository) -> dict[str, str]:
    """What the stack gives the app: its database, Redis and RabbitMQ, its local mode, and --set's values."""
    settings = repo.settings
    fields = [SettingField(name, None) for name in repo.required]  # learned at its first start: wired by their names
    # The database's URL wherever the code reads one (a migration's own DB_URL too), and its parts.
    urls = [f for f in settings.others if DATABASE_FIELD.search(f.name)] + settings.database_fields if settings else []
    values = database_values(repo, urls + [f for f in fields if DATABASE_FIELD.search(f.name)], settings)
    values |= database_values(repo, [], parts_of(fields))
    named = [f.variable for f in settings.fields + settings.others] if settings else []
    values |= broker_values(named + list(repo.required), repo.redis, repo.rabbitmq)
    mode = local_mode(settings, repo.root)
    if mode:  # the app's own default, which dev and ci set to its local mode
        values[mode.variable] = f"${{{mode.variable}-{mode.default}}}"
    for name, value in repo.given.items():  # --set: a default the env files may override
        escaped = value.replace("$", "$$")
        values[name] = json.dumps(f"${{{name}-{escaped}}}") if escaped else f"${{{name}-}}"
    return values


def made_up_environment(repo: Repository, wired: dict[str, str]) -> dict[str, str]:
    """What init invents only so that the app starts: a value of each required setting's type or name, else a secret
    the env files must set."""
    required = [(f.variable, f.typed_value) for f in repo.settings.required] if repo.settings else []
    made: dict[str, str] = {}
    for variable, typed in required + [(name, named_value(name)) for name in repo.required]:
        fallback = f"-{typed}" if typed is not None else f"?set {variable} in the env file or its local overlay"
        if variable not in wired:
            made.setdefault(variable, f"${{{variable}{fallback}}}")
    return made


def parts_of(fields: list[SettingField]) -> Settings:
    """Fields learned at the app's first start, read as a settings class would be: which name a database's parts."""
    return Settings("", "", tuple(fields), "its first start")


def database_values(repo: Repository, url_fields: list[SettingField], settings: Settings | None) -> dict[str, str]:
    """Variable -> its Compose value, for fields holding the database's URL and for the settings' database parts."""
    values = {f.variable: f"${{{f.variable}-{database_url(repo, f)}}}" for f in url_fields if repo.database}
    if settings and repo.database in DATABASES:
        by_name, database = {f.name: f for f in settings.fields}, DATABASES[repo.database]
        schemes = (database.scheme(repo.dependencies, "", engine) for engine in (repo.async_engine, False))
        parts = database.parts(*schemes)
        for name, part in settings.database_parts.items():
            field = by_name[name]
            # A DB_TYPE whose default names a driver (sqlite+aiosqlite) is the URL's whole scheme, not the kind alone.
            part = "driver" if part == "kind" and "+" in (field.default or "") else part
            values[field.variable] = f"${{{field.variable}-{parts[part]}}}"
    return values


def worker_healthcheck(command: str, broker: bool) -> str:
    """The worker's own health: arq's --check, celery's ping of this worker (the image's HTTP check does not apply).
    A Celery broker other than Redis or RabbitMQ (kombu's SQLAlchemy transport, say) may not carry a ping: then the worker's own
    process answering is all there is to tell (Compose's --wait refuses a service whose check is switched off)."""
    words = command.split()
    if words[0] == "celery" and not broker:
        test = '["CMD", "python", "-c", "import os; os.kill(1, 0)"]'
    elif words[0] == "arq":
        test = f'["CMD", "arq", "--check", "{words[1]}"]'
    else:
        test = f'["CMD-SHELL", "celery -A {words[2]} inspect ping --destination celery@$$HOSTNAME"]'
    return f"    healthcheck:\n      test: {test}\n      interval: 5s\n      timeout: 10s\n      start_period: 20s\n"


def build_text(repo: Repository, dockerfile: str, target: str = "") -> str:
    base = f"${{PYTHON_BASE_IMAGE-{python_image(repo.python)}}}"
    named = f"      dockerfile: {dockerfile}\n" if dockerfile != "Dockerfile" else ""
    named += f"      target: {target}\n" if target else ""
    runtime = f"${{PYTHON_RUNTIME_IMAGE-{base}}}"
    return (
        f"    build:\n      context: .\n{named}      args:\n        PYTHON_BASE: {base}\n"
        f"        PYTHON_RUNTIME_BASE: {runtime}\n      secrets: [ca_bundle]\n"
    )


def tests_environment(repo: Repository) -> dict[str, str]:
    """The app's environment as the repository's own CI would give its tests: their committed values (.env.test) for
    what init only made up, no broker the app's settings leave unset by default (None): a suite tests that case, and
    the variables only the suite reads."""
    environment = app_environment(repo)
    own = set(repo.service_tests.own_values) & set(made_up_environment(repo, wired_environment(repo)))
    fields = repo.settings.fields + repo.settings.others if repo.settings else ()
    unset = [f.variable for f in fields if f.default == "" and re.search(r"\bNone\b", f.default_code)]
    optional = set(broker_values(unset, repo.redis, repo.rabbitmq))
    # What only the suite reads, with no default: a value its name says, else empty (MYSQL_DRIVER beside PostgreSQL).
    only_read = {name: json.dumps(named_value(name) or "") for name in repo.service_tests.reads if name not in environment}
    return {k: v for k, v in environment.items() if k not in own | optional} | only_read


def app_blocks(repo: Repository, depends: dict[str, str], tests: bool = False) -> str:
    """The app's environment, its data, and what it waits for: the same for the server, the worker and the tests
    (tests_environment)."""
    text = ""
    environment = tests_environment(repo) if tests and repo.service_tests else app_environment(repo)
    if environment:
        text += "    environment:\n" + "".join(f"      {k}: {v}\n" for k, v in environment.items())
    if repo.database == "sqlite":
        source = f"${{{DATA_FOLDER_VARIABLE}-./{repo.data_folder}}}" if repo.data_folder else "app-data"
        text += f"    volumes:\n      - {source}:{DATA_DIR}\n"
    if depends:
        text += "    depends_on:\n" + "".join(f"      {k}:\n        condition: {v}\n" for k, v in depends.items())
    return text


def service_block(
    name: str, repo: Repository, command: list[str] | None, depends: dict[str, str], port: bool, dockerfile: str
) -> str:
    text = f"  {name}:\n{build_text(repo, dockerfile)}"
    if command:
        text += f"    command: {command!r}\n".replace("'", '"')
    if port:
        text += f'    ports:\n      - "127.0.0.1:${{{PORT_VARIABLE}-{CONTAINER_PORT}}}:{CONTAINER_PORT}"\n'
    text += app_blocks(repo, depends)
    if not port:
        text += worker_healthcheck(repo.worker, repo.redis or repo.rabbitmq)
    hardened = HARDENED
    if repo.writable:  # paths the app writes under its code: tmpfs its user owns, the rest stays read-only
        mounts = ", ".join(f'"{path}:uid={UID},gid={UID}"' for path in repo.writable)
        hardened = hardened.replace("tmpfs: [/tmp]", f"tmpfs: [/tmp, {mounts}]")
    return text + hardened + "    restart: unless-stopped\n"


def test_block(repo: Repository, depends: dict[str, str], dockerfile: str) -> str:
    """The repository's tests in their own image, against the stack's services; `inv up` never starts it."""
    header = f"  {TEST_SERVICE}:\n    # The repository's tests (inv service-test, part of inv ci); never started by inv up.\n    profiles: [test]\n"
    return header + build_text(repo, dockerfile, "test") + app_blocks(repo, depends, tests=True) + "    tmpfs: [/tmp]\n"


def data_permissions(repo: Repository) -> str:
    """A one-shot service that hands the host folder to the app's UID: the engine creates it root-owned."""
    return f"""  {DATA_PERMISSIONS}:
    image: ${{PYTHON_BASE_IMAGE-{python_image(repo.python)}}}
    entrypoint: ["chown", "{UID}:{UID}", "{DATA_DIR}"]
    user: "0"
    volumes:
      - ${{{DATA_FOLDER_VARIABLE}-./{repo.data_folder}}}:{DATA_DIR}
    cap_drop: [ALL]
    cap_add: [CHOWN]
    security_opt: ["no-new-privileges:true"]
    network_mode: none
    restart: "no"
"""


def compose_text(repo: Repository, dockerfile: str = "Dockerfile") -> str:
    database = DATABASES.get(repo.database)
    backing = {database.service: "service_healthy"} if database else {}
    backing |= {REDIS_SERVICE: "service_healthy"} if repo.redis else {}
    backing |= {RABBITMQ_SERVICE: "service_healthy"} if repo.rabbitmq else {}
    backing |= {DATA_PERMISSIONS: "service_completed_successfully"} if repo.data_folder else {}
    # Migrations run in the api's own start, before the server (the image's CMD).
    blocks = [service_block(ENTRY, repo, None, backing, True, dockerfile)]
    if repo.worker:
        blocks.append(service_block(WORKER, repo, repo.worker.split(), backing, False, dockerfile))
    blocks += [test_block(repo, backing, dockerfile)] if repo.service_tests else []
    blocks += [data_permissions(repo)] if repo.data_folder else []
    blocks += [database.compose_block()] if database else []
    blocks += [REDIS.format(name=REDIS_SERVICE, data=REDIS_DATA)] if repo.redis else []
    blocks += [RABBITMQ.format(name=RABBITMQ_SERVICE, data=RABBITMQ_DATA)] if repo.rabbitmq else []
    volumes = ["app-data"] if repo.database == "sqlite" else []
    volumes += ["db-data"] if database else []
    volumes += ["redis-data"] if repo.redis else []
    volumes += ["rabbitmq-data"] if repo.rabbitmq else []
    text = HEADER + "services:\n" + "\n".join(blocks)
    text += "\nvolumes:\n" + "".join(f"  {v}:\n" for v in volumes) if volumes else ""
    return text + "\nsecrets:\n  ca_bundle:\n    file: ${BUILD_CA_BUNDLE-/dev/null}\n"


def secret_variables(repo: Repository) -> list[str]:
    """Variables that hold secrets: the app's settings without a default (the database's parts aside), and the
    passwords of the database and RabbitMQ init runs."""
    # What the stack wires (the database, Redis, RabbitMQ), a typed field's value and --set's value stand: none is generated.
    wired = {name for name, value in app_environment(repo).items() if "?set " not in value}
    names = [f.variable for f in repo.settings.required if f.variable not in wired] if repo.settings else []
    names += [name for name in repo.required if name not in wired and name not in names]
    names += [DATABASES[repo.database].password] if repo.database in DATABASES else []
    return names + ([RABBITMQ_PASSWORD] if repo.rabbitmq else [])


def mode_lines(repo: Repository) -> str:
    mode = local_mode(repo.settings, repo.root)
    if not mode:
        return ""
    return f"# The app runs in its local mode here; prod keeps its own default ({mode.default}).\n{mode.variable}={mode.local}\n"


def env_texts(
    repo: Repository, env_dir: str, system_ca: bool, kept: dict[str, dict[str, str]], host_port: int = CONTAINER_PORT
) -> dict[str, str]:
    """The env files: dev (a fixed port), ci (an engine-chosen port), prod; dev's secrets in its git-ignored overlay.

    `kept`: values already in the ci file and the dev overlay, by file; a secret generated once stays.
    """
    ca = "BUILD_CA_BUNDLE=system\n" if system_ca else ""
    ci, overlay = f"{env_dir}/ci.env.docker", f"{env_dir}/dev.local.env.docker"
    names = secret_variables(repo)
    ci_secrets = {k: kept.get(ci, {}).get(k) or f"ci-{secrets.token_hex(16)}" for k in names}
    dev_secrets = {k: kept.get(overlay, {}).get(k) or f"dev-{secrets.token_hex(16)}" for k in names}
    files = {
        f"{env_dir}/dev.env.docker": f"# Local runs. Secrets: {overlay} (git-ignored).\n"
        f"COMPOSE_PROJECT_NAME={repo.name}-dev\n{PORT_VARIABLE}={host_port}\n{ca}{mode_lines(repo)}",
        ci: "# CI: an engine-chosen port, and throwaway secrets no other env shares.\n"
        f"COMPOSE_PROJECT_NAME={repo.name}-ci\n{PORT_VARIABLE}=0\n{ca}{mode_lines(repo)}"
        + (
            f"# The data on a volume of its own, which ci deletes, not in the host folder.\n{DATA_FOLDER_VARIABLE}=app-data\n"
            if repo.data_folder
            else ""
        )
        + "".join(f"{k}={v}\n" for k, v in ci_secrets.items()),
        f"{env_dir}/prod.env.docker": f"# Production. Its secrets go in {env_dir}/prod.local.env.docker (git-ignored), never here.\n"
        f"COMPOSE_PROJECT_NAME={repo.name}\n{PORT_VARIABLE}={host_port}\n",
    }
    if names:
        files[overlay] = "# Generated by fastapi-stackops init for this machine; git-ignored.\n" + "".join(
            f"{k}={v}\n" for k, v in dev_secrets.items()
        )
    return files


def example_text(repo: Repository) -> str:
    """.env.docker.example: every variable the stack reads, and what it is for."""
    lines = [
        "COMPOSE_PROJECT_NAME=  # the Compose project; each env its own",
        f"{PORT_VARIABLE}={CONTAINER_PORT}  # host port on 127.0.0.1; 0 lets the engine choose",
        "BUILD_CA_BUNDLE=  # a CA bundle builds trust (system: this machine's), for a TLS-intercepting proxy",
        f"PYTHON_BASE_IMAGE={python_image(repo.python)}  # the base image",
    ]
    for variable, value in app_environment(repo).items():
        secret = variable in secret_variables(repo)
        lines.append(f"{variable}=  # {'a secret: in the local overlay' if secret else 'default: ' + value}")
    if repo.database in DATABASES:
        lines.append(f"{DATABASES[repo.database].password}=  # a secret: in the local overlay (ci has a throwaway one)")
    return HEADER + "# Every variable the stack reads; the env files set them per environment.\n" + "\n".join(lines) + "\n"
