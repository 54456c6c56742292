"""The script init runs in the built image (`python -c`): import the app, start it as a server would (its lifespan),
and print its routes and OpenAPI document, or why it could not import, and why its startup failed, one JSON line each.

Arguments: module, attribute, "factory" or "", the code's folder, the seconds the startup may take.
Runs on every Python an image may have (3.9 on): nothing from the package, no newer syntax.
"""

import ast
import asyncio
import importlib
import inspect
import json
import logging.config  # noqa: F401 -- uvicorn and gunicorn import it before the app: an app may call it after a bare `import logging`
import os
import re
import sys
import textwrap
import threading
import traceback
from importlib.metadata import version

MARKER = "stackops-routes "
FAILED = "stackops-import-failed "
STARTUP_FAILED = "stackops-startup-failed "


def report(error, code, marker=FAILED):
    """The failure as init reads it: the app's own frame (not a dependency's) says where; a SyntaxError says it itself."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(code)] or [None]
    own = error if isinstance(error, SyntaxError) else frames[-1]
    try:
        pydantic = version("pydantic")
    except Exception:
        pydantic = ""
    root = chain(error)[-1]  # what a re-raise ("from e") hides: the first exception of the chain
    failure = {
        "kind": type(error).__name__,
        "message": str(error),
        "pydantic": pydantic,
        "root": "" if root is error else f"{type(root).__name__}: {root}",
        "file": getattr(own, "filename", ""),
        "line": getattr(own, "lineno", 0),
        "text": (getattr(error, "text", "") or "").strip(),
        "name": getattr(error, "name", "") if isinstance(error, ImportError) else "",
        "library": library(error),
        "python": f"{sys.version_info[0]}.{sys.version_info[1]}",
    }
    print("\n" + marker + json.dumps(failure), flush=True)  # on a line of its own, whatever the app printed last
    traceback.print_exception(type(error), error, error.__traceback__)


def library(error):
    """The installed distribution, with its version, whose code raised the error ("" for the app's own)."""
    frames = traceback.extract_tb(error.__traceback__)
    path = frames[-1].filename if frames else ""
    if "-packages/" not in path:
        return ""
    top = path.split("-packages/", 1)[1].split("/")[0]
    top = top[:-3] if top.endswith(".py") else top
    try:
        from importlib.metadata import packages_distributions

        name = (packages_distributions().get(top) or [top])[0]
    except ImportError:  # 3.9 has none: the module's name, as most distributions are named
        name = top
    try:
        return f"{name} {version(name)}"
    except Exception:  # no distribution of that name
        return name


def chain(error):
    found = [error]
    while found[-1].__cause__ or found[-1].__context__:
        found.append(found[-1].__cause__ or found[-1].__context__)
    return found


async def lifespan_startup(app):
    """The ASGI lifespan's startup, as a server sends it; its exception when it fails."""
    said, asked = [], asyncio.Queue()
    await asked.put({"type": "lifespan.startup"})

    async def send(message):
        said.append(message["type"])

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.ensure_future(app(scope, asked.get, send))
    while not task.done() and "lifespan.startup.complete" not in said:
        await asyncio.sleep(0.05)
    if task.done() and not task.cancelled() and task.exception():
        raise task.exception()


def startup_failure(app, seconds):
    """The exception the app's startup failed with, if it did within `seconds`; a startup that blocks is left running,
    as the process exits."""
    failed = []

    def started():
        try:
            asyncio.run(lifespan_startup(app))
        except BaseException as error:  # a SystemExit in a startup must not end the probe
            failed.append(error)

    thread = threading.Thread(target=started, daemon=True)
    thread.start()
    thread.join(seconds)
    return failed[0] if failed else None


def wrapped(app):
    """The FastAPI app inside an ASGI wrapper the module serves (socketio.ASGIApp(sio, app), a middleware's .app)."""
    for _ in range(5):
        if hasattr(app, "openapi") and hasattr(app, "routes"):
            return app
        inner = getattr(app, "other_asgi_app", None) or getattr(app, "app", None)
        if inner is None:
            return app
        app = inner
    return app


def routes_of(app):
    app = wrapped(app)
    try:  # an app can serve while its OpenAPI document fails to build (a forward reference pydantic cannot resolve)
        openapi, broken = (app.openapi() if app.openapi_url else None), ""
    except Exception as error:
        openapi, broken = None, f"{type(error).__name__}: {str(error)[:160]}"
    # Routes outside the schema too (a health route with include_in_schema=False); an included router may not say its path.
    routes = [
        [r.path, sorted(getattr(r, "methods", None) or [])] for r in app.routes if isinstance(getattr(r, "path", None), str)
    ]
    routes += [[path, sorted(m.upper() for m in ops)] for path, ops in ((openapi or {}).get("paths") or {}).items()]
    return {"openapi_url": app.openapi_url, "docs_url": app.docs_url, "routes": routes, "openapi": openapi, "broken": broken}


def guarded(app, path, seconds=5):
    """The status a GET of the document answers through the whole app, its middleware too, when that is a login's
    (401, 403: a middleware that asks every path for one); 0 otherwise, or when it does not answer in `seconds`."""
    said = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            said.append(message["status"])

    def asked():
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http"}
        scope.update(path=path, raw_path=path.encode(), query_string=b"", root_path="", headers=[(b"host", b"localhost")])
        try:
            asyncio.run(app(dict(scope, client=("127.0.0.1", 50000), server=("localhost", 80)), receive, send))
        except BaseException as error:  # what the app does with a request is its own; only the status matters here
            # An HTTPException raised in a middleware, which its server answers 500 (sajidreshmi/fastapi-crm's 401).
            said[:0] = [error.status_code] if isinstance(getattr(error, "status_code", None), int) else []
            # A write under the read-only code as it answers (a middleware's log of each request): said, as a
            # startup's would be, for init to learn where it writes (nddat1811/fastapi_demo's app/logs/*.csv).
            if isinstance(error, OSError) and error.errno == 30:
                traceback.print_exception(type(error), error, error.__traceback__)

    thread = threading.Thread(target=asked, daemon=True)
    thread.start()
    thread.join(seconds)
    return said[0] if said and said[0] in (401, 403) else 0


def always_raises(app, path):
    """Whether the path's route function raises at its top level, before anything it could return: a route written to
    fail (a demonstration of error reporting named /ping), which no health check may ask."""
    endpoint = next(
        (r.endpoint for r in wrapped(app).routes if getattr(r, "path", None) == path and hasattr(r, "endpoint")), None
    )
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(endpoint)))
    except (OSError, TypeError, SyntaxError):
        return False
    function = tree.body[0] if tree.body else None
    return isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(isinstance(s, ast.Raise) for s in function.body)


def is_a_model(value):
    """A pydantic model's instance (a settings object), in either major version."""
    return hasattr(type(value), "model_fields") or hasattr(type(value), "__fields__")


def unheld_keys(code):
    """The key files (.pem) the app's settings name and the image lacks: an app may open them only as a request or a
    test needs them, long after it imported. Its modules' settings objects, and the models nested in them."""
    found, seen = [], set()

    def walk(model, depth):
        if depth > 3 or id(model) in seen:
            return
        seen.add(id(model))
        for value in list(getattr(model, "__dict__", {}).values()):
            if is_a_model(value):
                walk(value, depth + 1)
            elif isinstance(value, (str, os.PathLike)) and os.fspath(value).endswith(".pem"):
                path = os.path.normpath(os.path.join(code, os.fspath(value)))  # relative: to the working directory
                found.extend([] if os.path.exists(path) else [path])

    for module in list(sys.modules.values()):
        if (getattr(module, "__file__", None) or "").startswith(code):
            for value in [v for v in list(vars(module).values()) if is_a_model(v)]:
                walk(value, 0)
    return sorted(set(found))


def loaded(module, attribute, factory):
    """The app; a module (or factory) that asks for the running loop as it loads (`asyncio.get_running_loop()`) is
    loaded again inside one, as uvicorn loads it."""

    def load():
        found = getattr(importlib.import_module(module), attribute)
        return found() if factory else found

    async def inside_a_loop():
        return load()

    try:
        return load()
    except RuntimeError as error:
        if "no running event loop" not in str(error):
            raise
    return asyncio.run(inside_a_loop())


def main(module, attribute, factory, code, seconds, health=""):
    try:
        app = loaded(module, attribute, factory)
    except Exception as error:
        report(error, code)
        sys.exit(1)
    routes = routes_of(app)
    routes["keys"] = unheld_keys(code)
    failed = startup_failure(app, float(seconds))
    if failed is not None:  # what init may learn from (a path it writes, a variable it demands); the routes stand
        report(failed, code, marker=STARTUP_FAILED)
    if routes["openapi"]:
        routes["guarded"] = guarded(app, routes["openapi_url"])
    # The health-like paths a login guards (a middleware's): no check can ask them.
    paths = {p for p, methods in routes["routes"] if health and "{" not in p and re.search(health, p) and "POST" not in methods}
    routes["refusing"] = {p: status for p, status in ((p, guarded(app, p, 3)) for p in sorted(paths)[:5]) if status}
    routes["raising"] = sorted(p for p in paths if always_raises(app, p))
    print("\n" + MARKER + json.dumps(routes), flush=True)
    os._exit(0)  # a startup may have left threads (a scheduler) that would keep the process alive


if __name__ == "__main__":
    asked, health = sys.argv[1:6], sys.argv[7:8]  # the pattern of health-like paths, after the server's command
    # The app sees its server's command line, as it runs: code that parses it at import (argparse) meets no probe's.
    sys.argv = sys.argv[6:7] or ["uvicorn"]
    main(*asked, *health)
