"""The repository's worker, read from its code: an arq WorkerSettings class or a Celery app, and the command that
runs it; refused in one line when its broker is written at localhost."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fastapi_stackops.adopt.apps import builds_one_of
from fastapi_stackops.adopt.brokers import AMQP_SCHEMES
from fastapi_stackops.adopt.environment_reads import environment_bound, read_of
from fastapi_stackops.adopt.findings import Finding, NotAFastAPIRepository
from fastapi_stackops.adopt.source import AT_LOCALHOST, module_of, python_files, src_is_a_package
from fastapi_stackops.adopt.syntax import calls, every_node, parsed
from fastapi_stackops.adopt.wheels import text_of


@dataclass(frozen=True)
class Worker:
    command: str
    source: str  # path:line
    file: str  # path, relative to the root


def find_worker(root: Path, dependencies: tuple[str, ...], source_root: str = "") -> Worker | None:
    """An arq WorkerSettings class, or a Celery app: the command that runs the worker; one in the app's own folder run
    as a script (`source_root` src/api) named from that folder on, as the app is."""
    package_src = src_is_a_package(root)
    trees = {path: parsed(path) for path in python_files(root)} if {"arq", "celery"} & set(dependencies) else {}
    makers = {"Celery", *celery_factories(trees.values())} if "celery" in dependencies else set()
    for path, tree in trees.items():
        (module, _), file = module_of(path, root, package_src), str(path.relative_to(root))
        if "/" in source_root and root / source_root in path.parents:
            module = ".".join(path.relative_to(root / source_root).with_suffix("").parts)
        for node in tree.body if tree else ():
            assigned = {
                t.id for n in getattr(node, "body", []) if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
            }
            if "arq" in dependencies and isinstance(node, ast.ClassDef) and "functions" in assigned:
                return Worker(f"arq {module}.{node.name}", f"{file}:{node.lineno}", file)
            if celery_made(node, makers):
                modules = {module_of(p, root, package_src)[0]: t for p, t in trees.items() if t}
                if any(map(cloud_broker, configured_from(tree, modules))):  # no stack here runs it: no worker
                    return Worker("", f"{file}:{node.lineno}", "")
                for config, at in [(tree, path), *config_modules(tree, modules, trees)]:
                    refuse_a_local_broker(config, at.relative_to(root))
                if folder := includes_beside(node, path, root):  # its tasks' modules named from its own folder
                    module = f"--workdir {folder} -A {path.stem}"
                    return Worker(f"celery {module} worker --loglevel INFO", f"{file}:{node.lineno}", file)
                return Worker(f"celery -A {celery_app(tree, node, module)} worker --loglevel INFO", f"{file}:{node.lineno}", file)
    return None


def includes_beside(assigned: ast.stmt, path: Path, root: Path) -> str:
    """The Celery app's own folder, when the task modules its `include=[...]` names lie there and not at the top
    (krishnasism/fastapi-celery-playground's celery_app/, run from inside: "No module named 'tasks'"); "" else."""
    calls_made = [n for n in ast.walk(assigned) if isinstance(n, ast.Call)]
    named = [e.value for c in calls_made for k in c.keywords if k.arg == "include" for e in getattr(k.value, "elts", [])]
    named = [n for n in named if isinstance(n, str)]
    folder = path.parent.relative_to(root)
    beside = all(module_file(path.parent, n) and not module_file(root, n) for n in named)
    return folder.as_posix() if named and beside and folder != Path(".") else ""


def module_file(folder: Path, module: str) -> bool:
    """Whether a module by its dotted name is a file or package in the folder."""
    found = folder.joinpath(*module.split("."))
    return found.with_suffix(".py").is_file() or (found / "__init__.py").is_file()


def celery_factories(trees) -> set[str]:
    """The module-level functions that build a Celery app and return it (`create_celery_app(settings)`): a module
    assigning what one returns holds the worker's app as much as one calling Celery itself."""
    return {
        n.name for tree in trees if tree for n in tree.body if isinstance(n, ast.FunctionDef) and builds_one_of(n, {"Celery"})
    }


def celery_made(node: ast.stmt, makers: set[str]) -> bool:
    """Whether the statement binds a Celery app a worker can run: one made by Celery, or by one of its factories;
    not one thrown away (`_ = create_celery_app(settings)`, made in the web's module to be the default app)."""
    named = isinstance(node, ast.Assign) and not all(isinstance(t, ast.Name) and t.id == "_" for t in node.targets)
    return named and any(calls(node.value, maker) for maker in makers)


def celery_app(tree: ast.Module, assigned: ast.Assign, module: str) -> str:
    """What `celery -A` is given: the module, where Celery finds its app by itself; `module:name` when the module's
    `app` is another object (FastAPI's), which Celery would take first (`'FastAPI' object has no attribute ...`)."""
    name = assigned.targets[0].id if isinstance(assigned.targets[0], ast.Name) else "app"
    binds_app = any(
        isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "app" for t in n.targets) for n in tree.body
    )
    return f"{module}:{name}" if name != "app" and binds_app else module


#: Brokers that are a cloud's queue service (kombu's transports for them): no container stands in for one.
CLOUD_BROKERS = ("sqs://", "azureservicebus://", "gcpubsub://")


def cloud_broker(tree: ast.Module) -> bool:
    """Whether the Celery app's module names a cloud queue as its broker (`"broker_url": "sqs://"`)."""
    strings = (n.value for n in every_node(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str))
    return any(value.startswith(CLOUD_BROKERS) for value in strings)


def configured_from(tree: ast.Module, modules: dict[str, ast.Module], hops: int = 2) -> list[ast.Module]:
    """The Celery app's module and those its configuration comes from: the ones it names to `config_from_object` or
    imports from, and theirs in turn (a config module whose broker URL is a constants module's default)."""
    found, frontier = [tree], [tree]
    for _ in range(hops):
        nodes = [n for t in frontier for n in every_node(t)]
        named = config_objects(nodes) | {n.module for n in nodes if isinstance(n, ast.ImportFrom) and n.module}
        frontier = [modules[m] for m in named if isinstance(m, str) and m in modules and modules[m] not in found]
        found += frontier
    return found


def config_objects(nodes: list[ast.AST]) -> set:
    """The modules these nodes name to a Celery app's `config_from_object`, as written."""
    return {a.value for n in nodes if calls(n, "config_from_object") for a in n.args if isinstance(a, ast.Constant)}


def config_modules(tree: ast.Module, modules: dict[str, ast.Module], trees: dict[Path, ast.Module]) -> list:
    """(tree, path) of each module the Celery app's module names to `config_from_object`: Celery reads its names."""
    named = [m for m in config_objects(list(every_node(tree))) if isinstance(m, str)]
    return [(t, p) for p, t in trees.items() if any(modules.get(m) is t for m in named)]


BROKER_KEYS = frozenset({"broker", "backend", "broker_url", "result_backend"})


def local_brokers(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Each Celery broker or result backend written in the code at localhost, as (line, URL): `Celery(broker=...)`,
    `conf.update(broker_url=...)`, `conf.broker_url = ...`. One read from a setting (or the environment) is not."""
    for node in every_node(tree):
        pairs = []
        if isinstance(node, ast.Call):
            pairs = [(k.arg, k.value) for k in node.keywords]
        elif isinstance(node, ast.Assign):
            pairs = [(getattr(t, "attr", None) or getattr(t, "id", ""), node.value) for t in node.targets]
        for key, value in pairs:
            literal = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else ""
            if key in BROKER_KEYS and AT_LOCALHOST.match(literal):
                yield value.lineno, literal


def refuse_a_local_broker(tree: ast.Module, path: Path) -> None:
    """A broker at localhost written in the code; not Redis or RabbitMQ, which the image forwards there (local_forward)."""
    for line, url in local_brokers(tree):
        if not url.startswith(("redis", "rediss", *AMQP_SCHEMES)):
            raise NotAFastAPIRepository(
                f"{path} line {line}: the Celery app's broker or backend is {url}, at localhost, written in its code "
                "(in a container that is the container itself): read it from a setting, and init points it at the stack's own"
            )


def worker_fields(worker: Worker | None) -> dict[str, str]:
    return {"worker": worker.command if worker else "", "worker_file": worker.file if worker else ""}


def worker_findings(worker: Worker | None) -> list[Finding]:
    if worker and not worker.command:
        return [
            Finding(
                "worker", "none: its Celery broker is a cloud queue service (SQS and the like) no stack here runs", worker.source
            )
        ]
    return [Finding("worker", worker.command, worker.source)] if worker else []


def celery_broker_reads(root: Path) -> set[str]:
    """The variables handed to Celery as its broker or result backend (`Celery("w", broker=BROKER)` beside `BROKER =
    os.getenv("REDISSERVER")`): a broker's URL by use, whatever they are called (antoniorobertojr/Docker-Celery-
    FastApi-Stocks' REDISSERVER was given a host, and kombu took it for an AMQP one)."""
    found = set()
    for tree in (parsed(path) for path in python_files(root) if "Celery" in text_of(path)):
        bound = environment_bound(tree) if tree else {}
        for call in (n for n in every_node(tree) if calls(n, "Celery")) if tree else ():
            handed = [k.value for k in call.keywords if k.arg in ("broker", "backend")]
            # a settings object's field (`settings.BROKER_URL`) is wired by its name, prefix and all: not a variable
            found |= {read_of(v, bound) for v in handed if not isinstance(v, ast.Attribute) or ast.unparse(v) in bound}
    return found - {""}
