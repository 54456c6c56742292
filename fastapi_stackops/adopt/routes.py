"""The app's real routes, asked of the built image, and what init makes of them: health paths and a persistence scenario."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from fastapi_stackops import StackError
from fastapi_stackops.adopt.source import App
from fastapi_stackops.commands import last_words
from fastapi_stackops.stack import Stack

MARKER = "stackops-routes "
PROBE = """
import importlib, json
found = getattr(importlib.import_module({module!r}), {attribute!r})
app = found() if {factory!r} else found
openapi = app.openapi() if app.openapi_url else None
# Routes outside the schema too (a health route with include_in_schema=False); an included router may not say its path.
routes = [[r.path, sorted(getattr(r, "methods", None) or [])] for r in app.routes if isinstance(getattr(r, "path", None), str)]
routes += [[path, sorted(m.upper() for m in ops)] for path, ops in ((openapi or {{}}).get("paths") or {{}}).items()]
print({marker!r} + json.dumps({{"openapi_url": app.openapi_url, "docs_url": app.docs_url, "routes": routes, "openapi": openapi}}))
"""
HEALTH = re.compile(r"(^|/)(health|healthz|healthcheck|health-check|livez|liveness|ping|status)/?$", re.I)
READY = re.compile(r"(^|/)(ready|readyz|readiness)/?$", re.I)
METRICS = re.compile(r"(^|/)metrics/?$")


@dataclass
class Routes:
    health: str = ""
    ready: str = ""
    metrics: str = ""
    docs: str = ""
    openapi_url: str = ""
    persistence: dict | None = None
    remarks: list[str] = field(default_factory=list)  # what init says about them

    @property
    def probe_path(self) -> str:
        """The path the image's HEALTHCHECK asks."""
        return self.ready or self.health or self.openapi_url or "/"


#: What an app that reaches its database at import says when there is none: worth asking again with the stack up.
UNREACHED = re.compile(
    r"Can't connect|Connection refused|could not translate host name|Name or service not known|"
    r"Temporary failure in name resolution|ConnectionRefusedError|connection to server at|Errno 111|Errno 99"
)
#: An app that writes under its code at import (a logs/ folder): the root filesystem is read-only.
READ_ONLY = re.compile(r"Read-only file system: '([^']+)'")


def advice(words: str) -> str:
    """What to do about an import failure, by its cause."""
    if READ_ONLY.search(words):
        return (
            f"it writes {READ_ONLY.search(words).group(1)} beside its code at import, on a read-only root filesystem: "
            "write logs to stdout, or under a folder of their own (logs/), which init then mounts writable"
        )
    if UNREACHED.search(words) and re.search(r"localhost|127\.0\.0\.1", words):
        return (
            "it connects at import to a database at localhost, an address its code writes instead of reading it from "
            "the environment: read it from a variable (os.getenv, or a settings field), and init points it at the stack's"
        )
    return (
        "if it needs a variable init could not read from its code, give it with --set NAME=VALUE; "
        "if this is not the app, name it with --app module:attribute"
    )


class ImportFailed(StackError):
    """The built image could not import the app: why, in the app's own last words."""

    def __init__(self, app: App, words: str):
        self.words = words
        super().__init__(f"the built image could not import {app.reference} to read its routes ({words}); {advice(words)}")

    @property
    def unreached(self) -> bool:
        return bool(UNREACHED.search(self.words))

    @property
    def read_only_path(self) -> str:
        found = READ_ONLY.search(self.words)
        return found.group(1) if found else ""


def ask_image(stack: Stack, service: str, app: App, base: dict, with_deps: bool = False) -> dict:
    """The app's routes and OpenAPI document, as the built image's own Python imports them (`compose run`); with_deps
    starts the services it depends on first (an app that connects to its database at import)."""
    script = PROBE.format(module=app.module, attribute=app.attribute, factory=app.factory, marker=MARKER)
    run = ["run", "--rm", *([] if with_deps else ["--no-deps"]), "-T", "--entrypoint", "python", service, "-c", script]
    output = stack.compose(run, capture=True, check=False, extra_env=base)
    for line in output.stdout.splitlines():
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    raise ImportFailed(app, last_words(output))


def first(paths: list[str], pattern: re.Pattern) -> str:
    return min((p for p in paths if pattern.search(p)), key=len, default="")


def choose_routes(asked: dict) -> Routes:
    """Health, ready, metrics and docs paths from the real routes; with no health-like route, the OpenAPI document."""
    plain = [path for path, methods in asked["routes"] if "{" not in path and ("GET" in methods or not methods)]
    routes = Routes(
        health=first(plain, HEALTH),
        ready=first(plain, READY),
        metrics=first(plain, METRICS),
        docs=asked.get("docs_url") or "",
        openapi_url=asked.get("openapi_url") or "",
    )
    if not (routes.health or routes.ready):
        routes.ready = routes.openapi_url
        routes.remarks.append(f"no health-like route: readiness is the OpenAPI document {routes.openapi_url or '(none)'}")
    routes.persistence, reason = scenario(asked.get("openapi") or {})
    if reason:
        routes.remarks.append(f"no persistence scenario: {reason}")
    return routes


def schema_of(openapi: dict, schema: dict | None) -> dict:
    """A schema with its $ref followed into components."""
    while schema and "$ref" in schema:
        schema = openapi.get("components", {}).get("schemas", {}).get(schema["$ref"].rsplit("/", 1)[-1], {})
    return schema or {}


def sample(name: str, schema: dict) -> object | None:
    """A value the field takes that carries the record's {marker}; None when init cannot make one up."""
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "string":
        if schema.get("format") == "email":
            return "u{marker}@example.com"
        return "p{marker}" if schema.get("maxLength", 99) >= 16 else None
    return {"integer": 1, "number": 1.5, "boolean": True}.get(kind)


def json_body(operation: dict, openapi: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = schema_of(openapi, content.get("schema"))
    properties = schema.get("properties") or {}
    body = {name: sample(name, schema_of(openapi, properties[name])) for name in schema.get("required", [])}
    return body if body and None not in body.values() and any("{marker}" in str(v) for v in body.values()) else None


def secured(operation: dict, openapi: dict) -> bool:
    """Whether an operation needs credentials (its own security, or the document's): a scenario cannot log in."""
    return bool(operation.get("security", openapi.get("security")))


def scenario(openapi: dict) -> tuple[dict | None, str]:
    """A write (POST with a body carrying the marker) and a read (GET of the item) from the OpenAPI document."""
    paths = openapi.get("paths") or {}
    for path, operations in paths.items():
        post = operations.get("post")
        body = json_body(post, openapi) if post and not secured(post, openapi) else None
        items = [p for p in paths if re.fullmatch(re.escape(path.rstrip("/")) + r"/\{[^/}]+\}/?", p) and "get" in paths[p]]
        items = [p for p in items if not secured(paths[p]["get"], openapi)]
        if not (body and items):
            continue
        status = next((int(code) for code in post.get("responses", {}) if code in ("201", "200")), 200)
        answer = post["responses"][str(status)].get("content", {}).get("application/json", {}).get("schema")
        if "id" not in (schema_of(openapi, answer).get("properties") or {}):
            continue
        item = re.sub(r"\{[^/}]+\}", "{id}", items[0])
        checked = {k: v for k, v in body.items() if "{marker}" in str(v)}
        found = {"write": {"method": "POST", "path": path, "json": body, "status": status}, "id-from": "id"}
        found["read"] = {"path": item, "expect-json": checked}
        if "delete" in paths[items[0]]:
            found["delete"] = item
        return found, ""
    return None, "no POST with a JSON body and an id in its answer has a GET of the item beside it, both without a login"
