"""The compose.yaml and env files init writes: the app and its backing services, hardened, health-gated, on named volumes."""

from __future__ import annotations

import json

from fastapi_stackops.adopt.app_environment import app_environment, host_free, secret_variables
from fastapi_stackops.adopt.app_mode import local_mode, redirect_guards
from fastapi_stackops.adopt.brokers import RABBITMQ_PASSWORD
from fastapi_stackops.adopt.conventions import (
    AMQP_PORT,
    CODE_DIR,
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
    REDIS_PORT,
    REDIS_SERVICE,
    TEST_SERVICE,
    UID,
    WORKER,
)
from fastapi_stackops.adopt.image import python_image
from fastapi_stackops.adopt.key_files import KEYS_SERVICE, KEYS_VOLUME, key_kind, key_mounts, keys_block
from fastapi_stackops.adopt.migrations_target import migrations_environment
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.secret_formats import made_up_secret
from fastapi_stackops.adopt.server_blocks import GUEST_FROM_ANYWHERE, RABBITMQ, REDIS
from fastapi_stackops.adopt.source import string_constants
from fastapi_stackops.adopt.suite_databases import (
    SUITE_DATABASES_SERVICE,
    hosts_named,
    of_repository,
    shares_the_servers_network,
    suite_databases_text,
)
from fastapi_stackops.adopt.suite_environment import tests_environment
from fastapi_stackops.adopt.worker_service import worker_command, worker_healthcheck

HARDENED = """    read_only: true
    tmpfs: [/tmp]
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    mem_limit: {memory}
    pids_limit: 128
"""


def base_image(repo: Repository) -> str:
    """The base image, as the env files may name another (PYTHON_BASE_IMAGE): the builder's, and the one-shots'."""
    return f"${{PYTHON_BASE_IMAGE-{python_image(repo.python)}}}"


def build_text(repo: Repository, dockerfile: str, target: str = "") -> str:
    base = base_image(repo)
    # A uv workspace member builds from the workspace's root, where its lock is; its Dockerfile stays beside it.
    context, dockerfile = (repo.workspace.up, repo.workspace.source(dockerfile)) if repo.workspace else (".", dockerfile)
    named = f"      dockerfile: {dockerfile}\n" if dockerfile != "Dockerfile" else ""
    named += f"      target: {target}\n" if target else ""
    runtime = f"${{PYTHON_RUNTIME_IMAGE-{base}}}"
    return (
        f"    build:\n      context: {context}\n{named}      args:\n        PYTHON_BASE: {base}\n"
        f"        PYTHON_RUNTIME_BASE: {runtime}\n      secrets: [ca_bundle]\n"
    )


def app_blocks(repo: Repository, depends: dict[str, str], tests: bool = False) -> str:
    """The app's environment, its data, and what it waits for: the same for the server, the worker and the tests
    (tests_environment)."""
    text = ""
    environment = host_free(tests_environment(repo) if tests and repo.service_tests else app_environment(repo))
    if not tests:  # the migrations run in the app's own start, never the suite's
        environment |= migrations_environment(repo.root, repo.migrations, repo.database_server, repo.orm_dependencies)
    if environment:
        text += "    environment:\n" + "".join(f"      {k}: {v}\n" for k, v in environment.items())
    source = f"${{{DATA_FOLDER_VARIABLE}-./{repo.data_folder}}}" if repo.data_folder else "app-data"
    mounts = [f"{source}:{DATA_DIR}"] if repo.keeps_data else []
    mounts += key_mounts(repo.keys)
    if mounts:
        text += "    volumes:\n" + "".join(f"      - {mount}\n" for mount in mounts)
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
    hardened = HARDENED.format(memory=repo.memory).replace("    tmpfs: [/tmp]\n", writable_tmpfs(repo.writable))
    return text + hardened + "    restart: unless-stopped\n"


def writable_tmpfs(paths: tuple[str, ...]) -> str:
    """The tmpfs line: /tmp, and each path as a tmpfs the app's user owns, quoted as JSON, which YAML reads (a folder
    named with a backslash, `os.makedirs("uploads\\cv")`, is escaped)."""
    mounts = [json.dumps(f"{path}:uid={UID},gid={UID}") for path in paths]
    return f"    tmpfs: [{', '.join(['/tmp', *mounts])}]\n"


def test_block(repo: Repository, depends: dict[str, str], dockerfile: str) -> str:
    """The repository's tests in their own image, against the stack's services; `inv up` never starts it."""
    header = f"  {TEST_SERVICE}:\n    # The repository's tests (inv service-test, part of inv ci); never started by inv up.\n    profiles: [test]\n"
    depends = depends | ({SUITE_DATABASES_SERVICE: "service_completed_successfully"} if suite_databases_text(repo) else {})
    outside = tuple(p for p in repo.writable if not p.startswith(f"{CODE_DIR}/"))  # the code is the tests' user's
    text = header + build_text(repo, dockerfile, "test") + app_blocks(repo, depends, tests=True) + writable_tmpfs(outside)
    if repo.service_tests.calls_the_server:  # localhost at its port is the app's server, in its network namespace
        text += f'    network_mode: "service:{ENTRY}"  # its tests ask the app at localhost:{CONTAINER_PORT}\n'
    elif shares_the_servers_network(repo):  # localhost is the database's server, as a CI job's service container is
        text += f'    network_mode: "service:{repo.database_server.service}"  # its tests write their database at localhost\n'
    if not repo.service_tests.starts_containers:
        return text
    # Its tests start containers of their own (testcontainers), as a CI runner's job may: the engine's socket, as root
    # (the socket's group differs from host to host); what they start joins its network, as testcontainers does there.
    if "    volumes:\n" not in text:
        text += "    volumes:\n"
    text = text.replace("    volumes:\n", f"    volumes:\n      - {ENGINE_SOCKET}:/var/run/docker.sock\n", 1)
    return text + "    user: \"0\"  # the engine's socket is root's: its tests start containers (testcontainers)\n"


#: The engine's socket on the engine's own host (a bind mount's source is read there); rootless engines name theirs.
ENGINE_SOCKET = "${STACKOPS_ENGINE_SOCKET-/var/run/docker.sock}"


def data_permissions(repo: Repository) -> str:
    """A one-shot service that hands the host folder to the app's UID: the engine creates it root-owned."""
    return f"""  {DATA_PERMISSIONS}:
    image: {base_image(repo)}
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


def aliased(block: str, service: str, port: int, repo: Repository, written: tuple[str, ...] = ()) -> str:
    """A backing service's block, answering also to the names the prestart script waits on at its port (`nc -z db
    5432`: the repository's own Compose service was called db), and to the hosts URLs the repository writes name."""
    names = [host for host, waited in repo.waited_on if waited == port and host != service]
    names += [host for host in written if host and host not in names and host != service]
    if not names:
        return block
    said = f"    # Also {', '.join(names)}: the name its prestart script waits on, or a URL it writes names.\n"
    return block + f"{said}    networks:\n      default:\n        aliases: [{', '.join(names)}]\n"


def compose_text(repo: Repository, dockerfile: str = "Dockerfile") -> str:
    database = repo.database_server
    backing = {database.service: "service_healthy"} if database else {}
    backing |= {REDIS_SERVICE: "service_healthy"} if repo.redis else {}
    backing |= {RABBITMQ_SERVICE: "service_healthy"} if repo.rabbitmq else {}
    backing |= {DATA_PERMISSIONS: "service_completed_successfully"} if repo.data_folder else {}
    backing |= {KEYS_SERVICE: "service_completed_successfully"} if repo.keys else {}
    # Migrations run in the api's own start, before the server (the image's CMD).
    blocks = [service_block(ENTRY, repo, None, backing, True, dockerfile)]
    if repo.worker:
        blocks.append(service_block(WORKER, repo, worker_command(repo.worker, repo.python), backing, False, dockerfile))
    blocks += [test_block(repo, backing, dockerfile)] if repo.service_tests else []
    blocks += [data_permissions(repo)] if repo.data_folder else []
    blocks += [keys_block(repo.keys, base_image(repo), key_kind(string_constants(repo.root)))] if repo.keys else []
    if database:
        hosts = (database.login.host, *hosts_named(of_repository(repo), database.service))
        blocks.append(aliased(database.compose_block(repo.init_scripts), database.service, database.port, repo, hosts))
        blocks += [suite] if (suite := suite_databases_text(repo)) else []
    blocks += [aliased(REDIS.format(name=REDIS_SERVICE, data=REDIS_DATA), REDIS_SERVICE, REDIS_PORT, repo)] if repo.redis else []
    blocks += [rabbitmq_block(repo)] if repo.rabbitmq else []
    volumes = ["app-data"] if repo.keeps_data else []
    volumes += [KEYS_VOLUME] if repo.keys else []
    volumes += ["db-data"] if database else []
    volumes += ["redis-data"] if repo.redis else []
    volumes += ["rabbitmq-data"] if repo.rabbitmq else []
    text = HEADER + "services:\n" + "\n".join(blocks)
    text += "\nvolumes:\n" + "".join(f"  {v}:\n" for v in volumes) if volumes else ""
    return text + "\nsecrets:\n  ca_bundle:\n    file: ${BUILD_CA_BUNDLE-/dev/null}\n"


def rabbitmq_block(repo: Repository) -> str:
    """RabbitMQ, serving the login an AMQP URL the code writes out (guest's from any host) under the name it writes."""
    login = repo.rabbitmq_login
    user = login.user if login else "app"
    guest = GUEST_FROM_ANYWHERE if user == "guest" else ""
    block = RABBITMQ.format(name=RABBITMQ_SERVICE, data=RABBITMQ_DATA, user=user, guest=guest)
    return aliased(block, RABBITMQ_SERVICE, AMQP_PORT, repo, (login.host,) if login else ())


def mode_lines(repo: Repository) -> str:
    mode = local_mode(repo.settings, repo.root)
    guards = redirect_guards(repo.settings, repo.root)
    text = "".join(
        f"# No redirect to HTTPS here (prod keeps {k}={d}): TLS ends in front.\n{k}={v}\n" for k, (v, d) in guards.items()
    )
    if not mode:
        return text
    return f"# The app runs in its local mode here; prod keeps its own default ({mode.default}).\n{mode.variable}={mode.local}\n{text}"


def committed_secrets(repo: Repository) -> dict[str, str]:
    """The secrets CI takes from a committed .env, as the repository's own CI runs: its suite may
    assert them (a test resets the superuser's password to that very value). Not those the app refused at import (a
    placeholder it allows only in a mode of its own): ci makes up its own for them."""
    committed = dict(repo.service_tests.committed_env_values) if repo.service_tests else {}
    names = set(secret_variables(repo)) - set(repo.refused_committed)
    return {name: value for name, value in committed.items() if name in names}


def written_secrets(repo: Repository) -> dict[str, str]:
    """The database's and RabbitMQ's passwords URLs the repository writes out log in with: the app uses no other, in
    any env; an empty one for a login written with none (the migrations' URL of the stack's then has none either)."""
    database, rabbitmq, login = repo.database_server, repo.rabbitmq_login, repo.login
    written = {database.password: login.password} if database and login and (login.password or login.passwordless) else {}
    return written | ({RABBITMQ_PASSWORD: rabbitmq.password} if rabbitmq else {})


def env_texts(
    repo: Repository, env_dir: str, system_ca: bool, kept: dict[str, dict[str, str]], host_port: int = CONTAINER_PORT
) -> dict[str, str]:
    """The env files: dev (a fixed port), ci (an engine-chosen port), prod; dev's secrets in its git-ignored overlay.

    `kept`: values already in the ci file and the dev overlay, by file; a secret generated once stays.
    """
    ca = "BUILD_CA_BUNDLE=system\n" if system_ca else ""
    ci, overlay = f"{env_dir}/ci.env.docker", f"{env_dir}/dev.local.env.docker"
    names = secret_variables(repo)
    committed = committed_secrets(repo)
    kept_ci = {k: v for k, v in kept.get(ci, {}).items() if k not in repo.refused_committed}  # the app refused those
    written = written_secrets(repo)
    made_up = {env: {k: made_up_secret(k, repo.formatted, env) for k in names} for env in ("ci", "dev")}
    ci_secrets = {k: written[k] if k in written else kept_ci.get(k) or committed.get(k) or made_up["ci"][k] for k in names}
    dev_secrets = {k: written[k] if k in written else kept.get(overlay, {}).get(k) or made_up["dev"][k] for k in names}
    files = {
        f"{env_dir}/dev.env.docker": f"# Local runs. Secrets: {overlay} (git-ignored).\n"
        f"COMPOSE_PROJECT_NAME={repo.name}-dev\n{PORT_VARIABLE}={host_port}\n{ca}{mode_lines(repo)}",
        ci: "# CI: an engine-chosen port, and throwaway secrets no other env shares (or your committed .env's).\n"
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
    secret = set(secret_variables(repo))
    for variable, value in app_environment(repo).items():
        lines.append(f"{variable}=  # {'a secret: in the local overlay' if variable in secret else 'default: ' + value}")
    if repo.database_server:
        lines.append(f"{repo.database_server.password}=  # a secret: in the local overlay (ci has a throwaway one)")
    return HEADER + "# Every variable the stack reads; the env files set them per environment.\n" + "\n".join(lines) + "\n"
