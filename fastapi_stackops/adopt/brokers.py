"""Redis and RabbitMQ beside the app: whether it is a client of each (read from its dependencies), and what a setting
naming one gets in the stack (a host, a port, a URL)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote

from fastapi_stackops.adopt.backing import Login
from fastapi_stackops.adopt.conventions import RABBITMQ_SERVICE, REDIS_SERVICE
from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.package_index import normalized
from fastapi_stackops.adopt.source import (
    AT_LOCALHOST,
    LOCAL_HOSTS,
    imported_names,
    python_files,
    written_strings,
    written_templates,
)
from fastapi_stackops.adopt.syntax import absolute_imports, calls, every_node, parsed
from fastapi_stackops.adopt.wheels import text_of

#: Clients that speak AMQP themselves: the app needs RabbitMQ, not a broker URL Redis could stand in for.
RABBITMQ_CLIENTS = ("aio-pika", "pika", "aiormq", "taskiq-aio-pika")
#: The variable holding the password of the stack's RabbitMQ user (generated in the env files, as a database's).
RABBITMQ_PASSWORD = "RABBITMQ_PASSWORD"
#: A dependency with its redis extra (celery[redis], fastapi-cache2[redis]), which brings the redis package to speak to
#: Redis: as a requirement's line, or a poetry table's extras.
REDIS_EXTRA = re.compile(r"([\w.-]+)\[[^\]]*\bredis\b|^([\w.-]+)\s*=\s*\{[^}]*extras\s*=\s*\[[^\]]*\bredis\b", re.M | re.I)
CELERY_BROKER = r"^celery_?(broker|result_backend)(_url)?|^broker_url|^result_backend"
#: A taskiq broker's URL (TASKIQ_URL, a nested group's APP__TASKIQ__URL): the broker its taskiq-redis or
#: taskiq-aio-pika dependency speaks to.
TASKIQ_URL = r"(^|_)taskiq_(\w+_)?(url|uri|dsn)"


#: Servers no Debian suite ships, so no image of one is built here: each one's clients (dependency -> the module the
#: code imports), what it is, and what init runs instead.
UNRUN_SERVERS = {
    "Kafka": (
        {"aiokafka": "aiokafka", "confluent-kafka": "confluent_kafka", "kafka-python": "kafka"},
        "a broker",
        "Redis, RabbitMQ",
    ),
    "Elasticsearch": (
        {"elasticsearch": "elasticsearch", "elasticsearch-async": "elasticsearch_async", "opensearch-py": "opensearchpy"},
        "a search engine",
        "",
    ),
    "Temporal": ({"temporalio": "temporalio"}, "a workflow engine", ""),
}


def faststream_brokers(root: Path, dependencies: tuple[str, ...]) -> set[str]:
    """The brokers the code speaks through FastStream, by the module it imports (faststream.rabbit, faststream.kafka,
    faststream.confluent, faststream.redis, faststream.nats): one package for each, its extras bringing the client."""
    if "faststream" not in dependencies:
        return set()
    modules = (module for path in python_files(root) for _, module in absolute_imports(parsed(path) or ast.Module([], [])))
    return {module.split(".")[1] for module in modules if module.startswith("faststream.") and "." in module}


def refuse_unrun_servers(root: Path, dependencies: tuple[str, ...]) -> None:
    """Refuses, in one line, an app whose code speaks to a server init runs no image of (Kafka, Elasticsearch,
    Temporal): a client of it the app depends on and imports (a dependency never imported is no server the app
    needs), or FastStream's Kafka broker."""
    imported = imported_names(root)
    kafka = {"kafka", "confluent"} & faststream_brokers(root, dependencies)
    for server, (clients, what, instead) in UNRUN_SERVERS.items():
        client = next((d for d, module in clients.items() if d in dependencies and module in imported), "")
        client = client or (f"faststream (faststream.{kafka.pop()})" if kafka and server == "Kafka" else "")
        if client:
            raise NotAFastAPIRepository(
                f"the app speaks {server} (the {client} dependency, which its code imports), {what} init runs no image of"
                + (
                    f" ({instead}): run its {server} yourself beside the stack, or move the app to one of those"
                    if instead
                    else f": run its {server} yourself beside the stack"
                )
            )


def redis_client(root: Path, dependencies: tuple[str, ...]) -> str:
    """What makes the app a Redis client: redis or arq, a library's Redis flavour (taskiq-redis), or a dependency of
    its with the redis extra (celery[redis], fastapi-cache2[redis]). Celery alone may use another broker (kombu's
    SQLAlchemy transport over the app's database), and without the redis package cannot reach Redis."""
    named = next((d for d in dependencies if d in ("redis", "arq") or d.endswith("-redis")), "")
    named = named or ("faststream (faststream.redis)" if "redis" in faststream_brokers(root, dependencies) else "")
    texts = [root / "pyproject.toml", *root.glob("requirements*.txt")]
    extras = [m[1] or m[2] for path in texts if path.is_file() for m in REDIS_EXTRA.finditer(text_of(path))]
    return named or next((f"{name}[redis]" for name in extras if normalized(name) in dependencies), "")


#: An AMQP URL that logs in at a host by name, on RabbitMQ's port: `pyamqp://guest:guest@rabbitmq:5672//`; the host
#: may be an f-string's field (NUL), and the password left to the client's default (guest).
AMQP_LOGIN = re.compile(
    r"^(py)?amqps?://(?P<user>[\w.-]+)(:(?P<password>[^@/\s\0]+))?@(?P<host>[A-Za-z][\w.-]*|\0)(:5672)?(/[^\s\0]*)?$"
)


#: RabbitMQ's URL schemes (Celery's pyamqp:// among them).
AMQP_SCHEMES = ("amqp://", "amqps://", "pyamqp://")
#: Clients' connections that log in as RabbitMQ's guest when given no URL and no login (`connect_robust(host=...)`).
GUEST_CONNECTS = ("aio_pika.connect_robust", "aio_pika.connect", "aiormq.connect")


def written_amqp_login(root: Path) -> Login | None:
    """The login of an AMQP URL the code writes out at a host by name (a Celery conf's broker_url), or guest's, which a
    client's connection given no URL and no login logs in as (FeistyAryan/FastAPI-Todo's `connect_robust(host=...)`):
    the code logs in with it whatever the stack's environment says; None for none. One at localhost is refused
    elsewhere."""
    for text, where in [*written_strings(root), *written_templates(root)]:
        if (found := AMQP_LOGIN.match(text)) and found["host"] != "localhost":
            password = unquote(found["password"] or "guest")  # the clients' default
            return Login(found["user"], password, "", found["host"].strip("\0"), where)
    for path in python_files(root):
        tree = parsed(path)
        for node in every_node(tree) if tree else ():
            if isinstance(node, ast.Call) and ast.unparse(node.func) in GUEST_CONNECTS and as_guest(node):
                host = next((k.value.value for k in node.keywords if k.arg == "host" and isinstance(k.value, ast.Constant)), "")
                return Login("guest", "guest", "", str(host), f"{path.relative_to(root)} line {node.lineno}")
    return None


def as_guest(call: ast.Call) -> bool:
    """Whether a client's connection is given no URL and no login, as guest's default is."""
    return not call.args and not {k.arg for k in call.keywords} & {None, "url", "login", "password"}


def rabbitmq_client(root: Path, dependencies: tuple[str, ...], defaults: Iterable[str], names: Iterable[str] = ()) -> str:
    """What makes the app a RabbitMQ client: a library that speaks AMQP (FastStream's RabbitMQ broker among them), or
    Celery whose broker setting defaults to an amqp:// URL or whose code writes one out, or with settings naming
    RabbitMQ's host or URL (kombu speaks AMQP through its own client)."""
    named = next((d for d in dependencies if d in RABBITMQ_CLIENTS), "")
    named = named or ("faststream (faststream.rabbit)" if "rabbit" in faststream_brokers(root, dependencies) else "")
    if named or "celery" not in dependencies:
        return named
    if any(str(d).startswith(("amqp://", "pyamqp://")) for d in defaults):
        return "celery (an amqp:// broker)"
    if written := written_amqp_login(root):
        return f"celery (the amqp:// broker at {written.source})"
    rabbit = (RABBITMQ_PARTS["host"][0], RABBITMQ_PARTS["url"][0])
    found = next((name for name in names if any(pattern.search(one_delimiter(name)) for pattern in rabbit)), "")
    return f"celery (its {found} setting)" if found else ""


#: Redis given in parts (REDIS_HOST, REDIS_PORT, ...) or as a URL (REDIS_URL, CELERY_BROKER_URL): the stack's Redis.
REDIS_PARTS = {
    # REDIS_HOST, and one of several Redis uses (REDIS_QUEUE_HOST, REDIS_CACHE_PORT): the stack's one Redis.
    "host": (re.compile(r"redis(_[a-z]+)*_?(host|server|hostname|ip)$", re.I), REDIS_SERVICE),
    "port": (re.compile(r"redis(_[a-z]+)*_?port$", re.I), "6379"),
    "number": (re.compile(r"redis_?(db|database)$", re.I), "0"),
    # The stack's Redis has none: an empty string, quoted, as YAML's bare empty value would leave it unset.
    "password": (re.compile(r"redis_?pass(word)?$", re.I), '""'),
    # Nor an ACL user: a default's user (REDIS_USERNAME = "guest") would log in as one the server does not know.
    "user": (re.compile(r"redis_?user(name)?$", re.I), '""'),
    # REDIS_URL, and a Redis result backend's URL (QUEUE_REDIS_RESULT_BACKEND).
    "url": (
        re.compile(rf"(redis.*_?(url|uri|dsn|backend)|{TASKIQ_URL}|{CELERY_BROKER})$", re.I),
        f"redis://{REDIS_SERVICE}:6379/0",
    ),
}
RABBIT = r"(^|_)(rabbit_?(mq)?|amqp|taskiq|mq)_?"  # RABBITMQ_, RABBIT_MQ_, MQ_ (beside RabbitMQ only)
#: RabbitMQ given in parts (RABBITMQ_HOST, RABBITMQ_USER, ...) or as a URL (RABBITMQ_URL, AMQP_URL, a nested group's
#: DEPENDENCIES__RABBITMQ_URL). The vhost is "/", which a URL spells %2F.
RABBITMQ_PARTS = {
    "host": (re.compile(rf"{RABBIT}(host|server|hostname|ip)$", re.I), RABBITMQ_SERVICE),
    "port": (re.compile(rf"{RABBIT}port$", re.I), "5672"),
    "user": (re.compile(rf"{RABBIT}(user|username|login)$", re.I), "app"),
    "password": (re.compile(rf"{RABBIT}pass(word)?$", re.I), f"${{{RABBITMQ_PASSWORD}}}"),
    "vhost": (re.compile(rf"{RABBIT}(v_?host|virtual_host)$", re.I), "/"),
    "url": (
        re.compile(rf"{RABBIT}(\w+_)?(url|uri|dsn)$", re.I),
        f"amqp://app:${{{RABBITMQ_PASSWORD}}}@{RABBITMQ_SERVICE}:5672/%2F",
    ),
}


def one_delimiter(name: str) -> str:
    """A variable's name with a nested group's delimiter (`__`) read as one underscore, as the patterns spell parts."""
    return re.sub(r"_{2,}", "_", name)


def redis_value(name: str) -> str | None:
    """What a setting naming Redis gets in the stack: its host, port, database number or URL; None for anything else.
    A nested group's delimiter (APP__REDIS__HOST) reads as one underscore."""
    name = one_delimiter(name)
    return next((value for pattern, value in REDIS_PARTS.values() if pattern.search(name)), None)


#: A default that is an address of a server: host:port, or a redis:// URL.
HOST_AND_PORT = re.compile(r"^[\w.-]+:\d{2,5}$")


def broker_by_default(name: str, default: str | None, redis: bool, rabbitmq: bool, annotation: str = "") -> str | None:
    """What a setting no name pattern places gets when its default is a broker's address: RabbitMQ's URL for an
    amqp:// one (MQ_URL), whatever the name; Redis in its default's shape for a setting naming Redis; Redis's URL for
    one typed as pydantic's RedisDsn (a nested group's BROKER__URL), whatever its name and default."""
    if rabbitmq and re.match(r"^amqps?://", default or ""):
        return RABBITMQ_PARTS["url"][1]
    if redis and re.search(r"\bRedisDsn\b", annotation):
        return REDIS_PARTS["url"][1]
    return redis_by_default(name, default) if redis else None


def redis_by_default(name: str, default: str | None) -> str | None:
    """What a setting no name pattern places gets when its default is Redis's address: the stack's Redis in the
    default's shape. A redis:// URL is Redis whatever the name (WS_MESSAGE_QUEUE); a bare host:port only in a setting
    naming Redis (REDIS_BROKER = "localhost:6379", which a validator splits). None when the default is no address."""
    if re.match(r"^rediss?://", default or "") or (default is None and re.search(r"redis\w*_broker$", name, re.I)):
        return REDIS_PARTS["url"][1]  # a required REDIS_BROKER (KappaRoss2/fastapi-todo-list's Celery broker): a URL
    named = "redis" in name.lower() and HOST_AND_PORT.match(default or "")
    return f"{REDIS_SERVICE}:6379" if named else None


def rabbitmq_value(name: str, redis: bool) -> str | None:
    """What a setting naming RabbitMQ gets in the stack; a Celery broker's too, unless Redis is the broker (Celery's
    result backend then answers over AMQP: rpc://). None for anything else."""
    name = one_delimiter(name)  # a nested group's (APP__RABBITMQ__HOST)
    if re.search(rf"({CELERY_BROKER})$", name, re.I) and not redis:
        return "rpc://" if "result" in name.lower() else RABBITMQ_PARTS["url"][1]
    return next((value for pattern, value in RABBITMQ_PARTS.values() if pattern.search(name)), None)


def broker_values(
    variables: Iterable[str], redis: bool, rabbitmq: bool, defaults: Mapping[str, str | None] = {}
) -> dict[str, str]:
    """Variable -> its value in the stack, for each setting that names the stack's Redis or RabbitMQ (`defaults`: the
    settings' own, whose shape a Redis URL keeps)."""
    values = {}
    for variable in variables:
        value = (rabbitmq_value(variable, redis) if rabbitmq else None) or (redis_value(variable) if redis else None)
        if value is not None:
            values[variable] = numbered_as(value, defaults.get(variable))
    return values


#: A Redis URL with no database number (`redis://redis:6379`), to which code may add its own (`f"{REDIS_URL}/0"`).
UNNUMBERED = re.compile(r"^rediss?://[^/\s]+/?$")


def numbered_as(value: str, default: str | None) -> str:
    """The stack's Redis URL with no database number when the default has none; any other value as it is."""
    return value.rsplit("/", 1)[0] if value == REDIS_PARTS["url"][1] and UNNUMBERED.match(default or "") else value


#: RabbitMQ clients' calls that take its host or URL first: pika's parameters, aio-pika's and aiormq's connections.
AMQP_CALLS = ("ConnectionParameters", "URLParameters", *GUEST_CONNECTS)


def local_rabbitmq(path: Path, tree: ast.Module) -> tuple[Path, int, str] | None:
    """RabbitMQ opened at localhost as the code writes it (`ConnectionParameters("localhost")`, `host="127.0.0.1"`, an
    amqp:// URL at localhost), as (file, line, URL); one read from a setting or the environment is not."""
    for node in (n for n in every_node(tree) if isinstance(n, ast.Call)):
        if not any(calls(node, name) if "." not in name else ast.unparse(node.func) == name for name in AMQP_CALLS):
            continue
        given = [*node.args[:1], *(k.value for k in node.keywords if k.arg in ("host", "url"))]
        for text in (g.value for g in given if isinstance(g, ast.Constant) and isinstance(g.value, str)):
            if text in LOCAL_HOSTS or (text.startswith("amqp") and AT_LOCALHOST.match(text)):
                return path, node.lineno, text if "://" in text else f"amqp://{text}"
    return None


#: A Redis client's keywords that say where its server is, any one of them.
ADDRESSED_BY = {"host", "url", "unix_socket_path", "connection_pool", None}  # None: **settings, whatever they hold


def local_redis(path: Path, tree: ast.Module) -> tuple[Path, int, str] | None:
    """Redis opened at localhost as the code writes it, as (file, line, URL): a host or URL keyword of a call naming
    Redis (`Redis(host="localhost")`, a client class of the code's own around it, arq's RedisSettings), a client's host
    given first (`redis.Redis("localhost")`) or none (its default), a redis:// URL at localhost given first
    (`from_url`); one read from a setting or the environment is not."""
    for node in (n for n in every_node(tree) if isinstance(n, ast.Call) and "redis" in ast.unparse(n.func).lower()):
        called = ast.unparse(node.func).split(".")[-1]
        if called.endswith(("Dsn", "Url", "URL")) or called.startswith("Fake"):  # a setting's type; an in-memory server
            continue
        client = called in ("Redis", "StrictRedis")
        if client and not node.args and not {k.arg for k in node.keywords} & ADDRESSED_BY:  # its default: localhost
            return path, node.lineno, "redis://localhost:6379"
        given = [(node.args[0], client)] if node.args else []
        given += [(k.value, True) for k in node.keywords if k.arg in ("host", "url")]
        for text, host_too in ((g.value, h) for g, h in given if isinstance(g, ast.Constant) and isinstance(g.value, str)):
            if (host_too and text in LOCAL_HOSTS) or (text.startswith("redis") and AT_LOCALHOST.match(text)):
                return path, node.lineno, text if "://" in text else f"redis://{text}"
    return None
