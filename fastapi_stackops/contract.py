"""Reading the contract: the `[tool.stackops]` table of the nearest pyproject.toml, parsed and validated.

Every mistake is one line naming the file and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi_stackops.hardening import HARDENING
from fastapi_stackops.project import (
    DEFAULT_FORBIDDEN,
    DEFAULT_MIN_UID,
    HOOK_REFERENCE,
    HTTP_METHODS,
    TABLE,
    ContractError,
    DeclaredBase,
    Migrations,
    Persistence,
    Probe,
    ProjectConfig,
    ServiceContract,
    display,
)
from fastapi_stackops.substitutes import SUBSTITUTES


class _Table:
    """A TOML table being read: typed getters whose errors name file and key."""

    def __init__(self, data: Mapping[str, Any], file: Path, key: str, known: tuple[str, ...]):
        self.data, self.file, self.key = data, file, key
        if not isinstance(data, Mapping):
            self.fail("", f"must be a table, got {type(data).__name__}")
        unknown = sorted(set(data) - set(known))
        if unknown:
            self.fail(unknown[0], f"is not a known key; known: {', '.join(known)}")

    def fail(self, leaf: str, problem: str):
        raise ContractError(f"{display(self.file)}: [{self.key}]{' ' + leaf if leaf else ''} {problem}")

    def get(self, leaf: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        value = self.data.get(leaf, default)
        if value is not default and not isinstance(value, kind) or isinstance(value, bool) and kind is int:
            names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            self.fail(leaf, f"must be {names}, got {value!r}")
        return value

    def text(self, leaf: str, default: str = "") -> str:
        return self.get(leaf, str, default)

    def strings(self, leaf: str) -> tuple[str, ...]:
        values = self.get(leaf, list, [])
        if not all(isinstance(v, str) for v in values):
            self.fail(leaf, f"must be a list of strings, got {values!r}")
        return tuple(values)

    def path(self, leaf: str, default: str = "") -> str:
        value = self.text(leaf, default)
        if value and not value.startswith("/"):
            self.fail(leaf, f"must be a URL path starting with /, got {value!r}")
        return value

    def hook(self, leaf: str, value: str) -> str:
        if not HOOK_REFERENCE.match(value):
            self.fail(leaf, f"must name a function as module:function (e.g. checks.smoke:login), got {value!r}")
        return value

    def sub(self, leaf: str, known: tuple[str, ...]) -> _Table:
        return _Table(self.data[leaf], self.file, f"{self.key}.{leaf}", known)


PROBE_KEYS = ("path", "method", "status", "json", "expect-json", "expect-keys", "contains", "name")


def _probe(table: _Table) -> Probe:
    if "path" not in table.data:
        table.fail("path", "is missing: every probe needs a path such as /healthz")
    method = table.text("method", "GET").upper()
    if method not in HTTP_METHODS:
        table.fail("method", f"must be one of {', '.join(HTTP_METHODS)}, got {method!r}")
    status = table.get("status", int, 200)
    if not 100 <= status <= 599:
        table.fail("status", f"must be an HTTP status (100-599), got {status}")
    return Probe(
        path=table.path("path"),
        method=method,
        status=status,
        json=table.data.get("json"),
        expect_json=table.get("expect-json", dict, {}),
        expect_keys=table.strings("expect-keys"),
        contains=table.text("contains"),
        name=table.text("name"),
    )


def _probes(table: _Table, leaf: str) -> tuple[Probe, ...]:
    items = table.get(leaf, list, [])
    return tuple(_probe(_Table(item, table.file, f"{table.key}.{leaf}[{index}]", PROBE_KEYS)) for index, item in enumerate(items))


SERVICE_KEYS = ("port", "health", "ready", "metrics", "docs", "probes", "hooks", "requires", "relax", "min-uid")


def _service(name: str, table: _Table) -> ServiceContract:
    port = table.get("port", int)
    if port is not None and not 1 <= port <= 65535:
        table.fail("port", f"must be a port number (1-65535), got {port}")
    min_uid = table.get("min-uid", int, DEFAULT_MIN_UID)
    if not 1 <= min_uid <= 2**31 - 1:
        table.fail("min-uid", f"must be a UID above 0 (root), got {min_uid}")
    relax = table.strings("relax")
    for item in relax:
        if item not in HARDENING:
            table.fail("relax", f"names {item!r}, which is not a hardening check; known: {', '.join(HARDENING)}")
    return ServiceContract(
        name=name,
        port=port,
        health=table.path("health"),
        ready=table.path("ready"),
        metrics=table.path("metrics"),
        docs=table.path("docs"),
        probes=_probes(table, "probes"),
        hooks=tuple(table.hook("hooks", h) for h in table.strings("hooks")),
        requires=table.strings("requires"),
        relax=relax,
        min_uid=min_uid,
    )


PERSISTENCE_KEYS = ("service", "write", "read", "id-from", "delete", "hook", "guessed")


def _persistence(table: _Table, entry: str) -> Persistence:
    hook = table.text("hook")
    if hook:
        table.hook("hook", hook)
        if "write" in table.data or "read" in table.data:
            table.fail("hook", "replaces write and read; give either a hook or a write/read scenario")
    elif "write" not in table.data or "read" not in table.data:
        table.fail("", "needs a write and a read probe (or a hook = module:function)")
    write = _probe(table.sub("write", PROBE_KEYS)) if "write" in table.data else None
    read = _probe(table.sub("read", PROBE_KEYS)) if "read" in table.data else None
    if read and "{" not in f"{read.path}{read.json}":
        table.fail(
            "read",
            "must use what was written, in its path or json: {id}, {marker} or a field of the write's answer "
            f"such as {{user.name}}; got path {read.path!r}",
        )
    return Persistence(
        service=table.text("service", entry),
        write=write,
        read=read,
        id_from=table.text("id-from", "id"),
        delete=table.path("delete"),
        hook=hook,
        guessed=table.get("guessed", bool, False),
    )


def _base_images(declared: Mapping[str, Any], file: Path) -> tuple[DeclaredBase, ...]:
    keys = ("image", "substitute", "follows")
    return tuple(_base_image(v, _Table(body, file, f"{TABLE}.base-images.{v}", keys), declared) for v, body in declared.items())


def _base_image(variable: str, table: _Table, declared: Mapping[str, Any]) -> DeclaredBase:
    if not re.match(r"^[A-Z_][A-Z0-9_]*$", variable):
        table.fail("", "must be named after the Compose variable that holds the image, such as PYTHON_BASE_IMAGE")
    substitute = table.text("substitute")
    if substitute and substitute not in SUBSTITUTES:
        table.fail("substitute", f"must be one of {', '.join(SUBSTITUTES)}, got {substitute!r}")
    follows = table.text("follows")
    if follows and (follows == variable or not isinstance(declared.get(follows), dict) or "follows" in declared[follows]):
        others = ", ".join(sorted(v for v, body in declared.items() if v != variable and "follows" not in body))
        table.fail("follows", f"must name another base image of this table that names its own image ({others}), got {follows!r}")
    if not table.text("image") and not follows:
        table.fail("image", "is missing: the official image, such as python:3.11-slim-bookworm")
    return DeclaredBase(variable, table.text("image"), substitute, follows)


#: The image size the smoke check allows a built image when the contract names none.
IMAGE_SIZE_BUDGET_MB = 500
#: How long a service's suite may run under inv ci before it is stopped (a hung test), by default.
TESTS_TIMEOUT_MINUTES = 30
TOP_KEYS = (
    "entry",
    "env-dir",
    "compose-files",
    "ci-env",
    "services",
    "persistence",
    "migrate",
    "service-tests",
    "base-images",
    "forbidden-in-image",
    "image-size-budget-mb",
    "tests-timeout-minutes",
    "lint",
    "kubernetes",
)


def parse_contract(data: Mapping[str, Any], file: Path) -> ProjectConfig:
    """Validate the `[tool.stackops]` table (already parsed TOML)."""
    top = _Table(data, file, TABLE, TOP_KEYS)
    entry = top.text("entry")
    if not entry:
        top.fail("entry", 'is missing: name the Compose service a person browses to, such as entry = "web"')
    services = {
        name: _service(name, _Table(body, file, f"{TABLE}.services.{name}", SERVICE_KEYS))
        for name, body in top.get("services", dict, {}).items()
    }
    persistence = _persistence(top.sub("persistence", PERSISTENCE_KEYS), entry) if "persistence" in data else None
    migrations = None
    if "migrate" in data:
        table = top.sub("migrate", ("service", "upgrade", "current", "new"))
        migrations = Migrations(table.text("service", entry), table.text("upgrade"), table.text("current"), table.text("new"))
    base_images = _base_images(top.get("base-images", dict, {}), file)
    root = file.parent
    return ProjectConfig(
        root=root,
        file=file,
        entry=entry,
        env_dir=root / top.text("env-dir", "env"),
        compose_files=top.strings("compose-files") or ("compose.yaml",),
        ci_env=top.text("ci-env", "ci"),
        services=services,
        persistence=persistence,
        migrations=migrations,
        service_tests=top.text("service-tests"),
        base_images=base_images,
        forbidden_in_image=DEFAULT_FORBIDDEN + top.strings("forbidden-in-image"),
        image_size_budget_mb=_positive(top, "image-size-budget-mb", IMAGE_SIZE_BUDGET_MB, "a size in MB"),
        tests_timeout_minutes=_positive(top, "tests-timeout-minutes", TESTS_TIMEOUT_MINUTES, "minutes"),
        lint=top.strings("lint"),
        kubernetes=top.strings("kubernetes"),
    )


def _positive(top: _Table, key: str, default: int, what: str) -> int:
    """A whole number above zero under `key`, else `default`."""
    value = top.get(key, int, default)
    if value < 1:
        top.fail(key, f"must be {what} above zero, got {value}")
    return value


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` that has a [tool.stackops] table."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "[tool.stackops" in candidate.read_text(encoding="utf-8", errors="replace"):
            return candidate
    return None


def load_project(start: Path | None = None) -> ProjectConfig:
    """The contract of the project the current directory belongs to."""
    start = (start or Path.cwd()).resolve()
    file = find_pyproject(start)
    if file is None:
        raise ContractError(
            f"no pyproject.toml with a [{TABLE}] table at or above {start}; "
            "add one (stackops' README: Adopt your service), or run inv from your project's folder"
        )
    try:
        document = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ContractError(f"{display(file)}: not valid TOML ({error})") from None
    return parse_contract(document.get("tool", {}).get("stackops", {}), file)
