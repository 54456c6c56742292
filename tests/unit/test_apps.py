"""fastapi_stackops/adopt/apps.py: where the app is, and the module name its code is imported by."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from fastapi_stackops.adopt.app_choice import the_app
from fastapi_stackops.adopt.apps import find_apps, on_pytest_path, runs_from_its_folder
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
FACTORY = "from fastapi import FastAPI\n\n\ndef create_app():\n    return FastAPI()\n"


@pytest.mark.parametrize(
    ("files", "module", "source_root"),
    [
        ({"src/lens/__init__.py": "", "src/lens/main.py": APP}, "lens.main", "src"),  # a src layout
        ({"src/lens/__init__.py": "", "src/lens/main.py": "from .db import x\n" + APP, "src/lens/db.py": ""}, "lens.main", "src"),
        ({"src/__init__.py": "", "src/app.py": APP}, "src.app", ""),  # src/ a package of its own
        ({"main.py": "from src.db import create\n", "src/app.py": APP, "src/db.py": ""}, "src.app", ""),  # imported by name
        ({"src/app.py": "from .routes import router\n" + APP, "src/routes.py": ""}, "src.app", ""),  # relative, in src/
    ],
)
def test_src_is_a_source_root_unless_the_code_makes_it_a_package(tmp_path: Path, files, module, source_root):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    app = find_apps(tmp_path)[0]
    assert (app.module, app.source_root) == (module, source_root)


def test_a_file_is_parsed_once_per_version_and_again_when_it_changes(tmp_path):
    from fastapi_stackops.adopt.syntax import every_node, parsed

    module = tmp_path / "main.py"
    module.write_text("app = 1\n")
    first = parsed(module)
    assert parsed(module) is first and every_node(first) is every_node(first)  # shared across passes
    module.write_text("app = 2  # edited\n")  # another size: another version
    assert ast.unparse(parsed(module)) == "app = 2"


SOCKETIO = "import socketio\nfrom fastapi import FastAPI\n\nsio = socketio.AsyncServer()\nfast_app = FastAPI()\n"


@pytest.mark.parametrize(
    ("files", "reference"),
    [
        # SharkTrchBrasil/back_end_python_fastAPI: src/main.py serves socketio's wrapper of its FastAPI app, and a stray
        # `app = FastAPI()` in a utility module was taken instead (whose import then failed on a missing API key).
        (
            {
                "src/main.py": "from src.utils import mail\n" + SOCKETIO + "app = socketio.ASGIApp(sio, fast_app)\n",
                "src/utils/mail.py": APP,
            },
            "src.main:app",
        ),
        ({"main.py": APP + "app = SentryAsgiMiddleware(app=app)\n"}, "main:app"),  # a keyword, the same name again
        ({"main.py": APP + "handler = Mangum(app)\n"}, "main:app"),  # a wrapper for elsewhere named otherwise: the app
        ({"main.py": "from fastapi import FastAPI\n\napi = FastAPI()\nsettings = load(debug=True)\n"}, "main:api"),
    ],
)
def test_an_asgi_wrapper_of_the_modules_app_is_what_it_serves(tmp_path: Path, files, reference):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    app = find_apps(tmp_path)[0]
    assert f"{app.module}:{app.attribute}" == reference


def test_the_probe_reads_the_routes_of_the_app_inside_a_wrapper():
    from types import SimpleNamespace

    from fastapi_stackops.adopt.app_probe import wrapped

    inner = SimpleNamespace(openapi=lambda: {}, routes=[])
    assert wrapped(SimpleNamespace(other_asgi_app=inner)) is inner  # socketio's
    assert wrapped(SimpleNamespace(app=SimpleNamespace(app=inner))) is inner  # middleware over middleware
    assert wrapped(inner) is inner


BUILDER = "from fastapi import FastAPI\n\n\nclass AppBuilder:\n    {decorator}\n    def create_app({arguments}):\n        return FastAPI()\n"


@pytest.mark.parametrize(
    ("decorator", "arguments", "call"),
    [
        # 5ou1e/CryptoStorage-FastApi-backend: `app = AppBuilder.create_app()` was "no FastAPI app found".
        ("@staticmethod", "", "AppBuilder.create_app()"),
        ("@classmethod", "cls", "AppBuilder.create_app()"),
        ("", "self", "AppBuilder().create_app()"),
    ],
)
def test_the_app_a_classs_method_builds_at_module_level_is_the_entry(tmp_path: Path, decorator, arguments, call):
    (tmp_path / "app").mkdir()
    (tmp_path / "app/builder.py").write_text(BUILDER.format(decorator=decorator, arguments=arguments))
    (tmp_path / "app/main.py").write_text(f"from app.builder import AppBuilder\n\napp = {call}\n")
    assert [app.reference for app in find_apps(tmp_path)] == ["app.main:app"]


SERVER = "from fastapi import FastAPI\n\n\nclass Server:\n    def build(self):\n        api = FastAPI()\n        return api\n"


@pytest.mark.parametrize(
    ("code", "said"),
    [
        # 1owkeyme/fastapi-clean-architecture-example: the app built in a server class's method, run by a start script;
        # init said "name it with --app module:attribute", which cannot name it.
        (SERVER, "the FastAPI app is built in Server.build (server.py:6), and no module-level name holds it"),
        (
            "from fastapi import FastAPI\nimport uvicorn\n\ndef main():\n    uvicorn.run(FastAPI())\n",
            "built in main (server.py:5)",
        ),
        ("import os\n", "no FastAPI app found"),
    ],
)
def test_an_app_no_module_level_name_holds_is_refused_naming_where_it_is_built(tmp_path: Path, code, said):
    from fastapi_stackops.adopt.app_choice import the_app
    from fastapi_stackops.adopt.findings import NotAFastAPIRepository

    (tmp_path / "server.py").write_text(code)
    with pytest.raises(NotAFastAPIRepository, match=re.escape(said)):
        the_app(tmp_path)


CREATOR = "from fastapi import FastAPI\n\n\nclass AppCreator:\n    def __init__(self):\n        self.app = FastAPI()\n"


@pytest.mark.parametrize(
    ("main", "references"),
    [
        # jujumilk3/fastapi-clean-architecture: `self.app = FastAPI(...)` in a class's __init__, then `app = creator.app`
        # at module level; init found no app at all.
        ("creator = AppCreator()\napp = creator.app\n", ["app.main:app"]),
        ("app = AppCreator().app\n", ["app.main:app"]),
        ("creator = AppCreator()\nname = creator.title\n", []),  # another attribute: no app
        ("creator = Other()\napp = creator.app\n", []),  # another class's instance
    ],
)
def test_the_app_an_instance_holds_is_the_entry_a_module_level_name_binds(tmp_path: Path, main, references):
    (tmp_path / "app").mkdir()
    (tmp_path / "app/creator.py").write_text(CREATOR)
    (tmp_path / "app/main.py").write_text(f"from app.creator import AppCreator\n\n{main}")
    assert [app.reference for app in find_apps(tmp_path)] == references


@pytest.mark.parametrize(
    ("files", "source_root"),
    [
        # Ezhkin-Kot/fastapi-backend: src/main.py imports `app` (src/app.py) as a script run from src/ does, while the
        # rest imports `src.core`: the image could not import it.
        (
            {
                "src/main.py": "from app import create_app\n\napp = create_app()\n",
                "src/app.py": "from src.core import db\n" + FACTORY,
                "src/core/db.py": "",
            },
            "src",
        ),
        ({"api/main.py": "import routers\n" + APP, "api/routers.py": ""}, "api"),
        ({"src/main.py": "from src.app import create_app\n\napp = create_app()\n", "src/app.py": FACTORY}, ""),
        ({"api/main.py": "import routers\n" + APP, "api/routers.py": "", "routers.py": ""}, ""),  # the top's wins
        ({"main.py": "import routers\n" + APP, "routers.py": ""}, ""),  # at the top already
        # finalsa/base-fastapi-api: app/app/main.py imports its neighbours core/ and db/ by bare name, run from app/app;
        # init served app.app.main: "imports core, which none of its dependencies installs".
        ({"svc/api/main.py": "import routers\n" + APP, "svc/api/routers.py": ""}, "svc/api"),
        (
            {"app/app/__init__.py": "", "app/app/main.py": "from core.config import s\n" + APP, "app/app/core/config.py": ""},
            "app/app",
        ),
        # pavelekshin/fastapi-restapi: src/main.py's `import redis.asyncio` beside src/redis.py, which wraps the installed
        # package; src went on the path, and the wrapper shadowed redis ("redis.asyncio ... does not hold")
        ({"src/__init__.py": "", "src/main.py": "import redis.asyncio\n" + APP, "src/redis.py": ""}, ""),
        ({"src/main.py": "import routers.users\n" + APP, "src/routers/users.py": ""}, "src"),  # a package's submodule
        # iam-abbas/FastAPI-Production-Boilerplate: core/server.py imports fastapi and its own core.fastapi package;
        # core went on the path, and core/fastapi/ shadowed the library ("cannot import name 'Depends' from 'fastapi'").
        (
            {"core/__init__.py": "", "core/fastapi/__init__.py": "", "core/server.py": "from core.fastapi import d\n" + APP},
            "",
        ),
        # MikeZ77/fastapi-crms-demo: app/main.py runs alembic's upgrade (`from alembic.config import Config`) beside its
        # migrations in app/alembic/; app went on the path, and init refused: "no alembic/config.py".
        (
            {
                "app/__init__.py": "",
                "app/alembic/__init__.py": "",
                "app/alembic/env.py": "",
                "app/main.py": "from alembic.config import Config\nfrom app.orm import m\n" + APP,
            },
            "",
        ),
        ({"app/__init__.py": "", "app/alembic/__init__.py": "", "app/main.py": "import alembic.x\n" + APP}, "app"),  # no env.py
        # camillehe1992/fastapi-project: app/main.py imports app.settings and its neighbour utils/ by bare name, as its
        # pytest.ini's `pythonpath = app` lets it: both the top and app/ go on the path.
        (
            {"app/__init__.py": "", "app/utils/x.py": "", "app/main.py": "from app.settings import s\nimport utils.x\n" + APP},
            "app",
        ),
        # eladgunders/fastapi-todos: todos/app/main.py imports `app.api`, as its pipeline's PYTHONPATH=./todos lets it;
        # init served todos.app.main, whose import of `app` failed.
        ({"todos/__init__.py": "", "todos/app/__init__.py": "", "todos/app/main.py": "from app.api import r\n" + APP}, "todos"),
        ({"todos/app/__init__.py": "", "todos/app/main.py": "from app.api import r\n" + APP, "app/api.py": ""}, ""),
        ({"todos/app/__init__.py": "", "todos/app/main.py": "from todos.app.api import r\n" + APP}, ""),
        # rjalexa/fastapi-async: src/api/main.py, a service run from its folder in a src layout, imports its neighbour
        # config.py by bare name; init served api.main with src/ on the path: "imports config, which none ... installs".
        ({"src/api/main.py": "from config import settings\n" + APP, "src/api/config.py": ""}, "src/api"),
        ({"src/api/main.py": "from config import settings\n" + APP, "src/config.py": ""}, "src"),  # src/'s own
        ({"src/x/api/main.py": "from config import s\n" + APP, "src/x/api/config.py": ""}, "src"),  # deeper
        # hsw0905/fastapi-order: app/__init__.py makes the app and imports the library fastapi beside its own
        # app/fastapi/ package; init stopped on a defect of its own (IndexError) taking app/ for a script's folder.
        ({"app/__init__.py": APP, "app/fastapi/__init__.py": ""}, ""),
    ],
)
def test_an_app_importing_its_neighbours_as_top_level_modules_runs_with_its_folder_on_the_path(tmp_path, files, source_root):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    app = next(a for a in find_apps(tmp_path) if a.attribute == "app")
    ran = runs_from_its_folder(tmp_path, app)
    assert ran.source_root == source_root
    named_from = {"todos": "todos.", "src/api": "api.", "svc/api": "svc.api.", "app/app": "app.app."}.get(
        source_root, ""
    )  # todos/app/main.py is app.main
    assert ran.module == app.module.removeprefix(named_from)


@pytest.mark.parametrize(
    ("main", "reference"),
    [
        # mitanshubhatt/fastapi-auth: main.py makes a bare app (exception handlers, no routes) and serves another,
        # `uvicorn.run(app="app.server:app")`; init chose main's, whose import read no settings, and ci crash-looped.
        ('import uvicorn\n\n{app}\n\nuvicorn.run(app="app.server:app", port=8000)\n', "app.server:app"),
        ('import uvicorn\n\n{app}\n\nif __name__ == "__main__":\n    uvicorn.run("app.server:app")\n', "app.server:app"),
        ('import asyncio\n\n{app}\n\nasyncio.run(print("a:b"))\n', "main:app"),  # no app named to uvicorn
        ("{app}\n", "main:app"),
    ],
)
def test_the_app_the_code_serves_itself_comes_first(tmp_path: Path, main, reference):
    app = "from fastapi import FastAPI\n\napp = FastAPI()"
    files = {"main.py": main.format(app=app), "app/__init__.py": "", "app/server.py": f"{app}\n"}
    assert the_app(written(tmp_path, files)).reference == reference


TUPLE_FACTORY = "from fastapi import APIRouter, FastAPI\n\n\ndef create_app():\n    app = FastAPI()\n    return {returned}\n"


@pytest.mark.parametrize(
    ("returned", "init", "reference"),
    [
        # daxitpatel/fastapi-microservice-template: `app, router = create_app()` in app/__init__.py; init called the
        # factory, got a tuple, and refused the app ("'tuple' object has no attribute 'routes'").
        ("app, APIRouter()", "from app.manage import create_app\n\napp, router = create_app()\n", "app:app"),
        ("APIRouter(), app", "from app.manage import create_app\n\nrouter, api = create_app()\n", "app:api"),
        ("app", "from app.manage import create_app\n\napp = create_app()\n", "app:app"),  # as ever
    ],
)
def test_the_app_a_factory_returns_in_a_tuple_is_the_name_its_unpacking_binds(tmp_path: Path, returned, init, reference):
    written(
        tmp_path,
        {"requirements.txt": "fastapi\n", "app/__init__.py": init, "app/manage.py": TUPLE_FACTORY.format(returned=returned)},
    )
    assert the_app(tmp_path).reference == reference


@pytest.mark.parametrize(
    ("main", "reference"),
    [
        # TheGuyInTheShell/fastapi-template: main.py's whole body in a try, its except printing the failure; init took a
        # function of another module taking the app for the app's factory, and its import failed.
        ("try:\n    from fastapi import FastAPI\n\n    app = FastAPI()\nexcept Exception as e:\n    print(e)\n", "main:app"),
        (
            "try:\n    import uvloop\nexcept ImportError:\n    pass\nelse:\n    from fastapi import FastAPI\n    app = FastAPI()\n",
            "main:app",
        ),
        # app-generator/ecommerce-fastapi-stripe: made one way in debug, another otherwise; init found no app at all
        (
            "from fastapi import FastAPI\n\nif DEBUG:\n    app = FastAPI(debug=True)\nelse:\n    app = FastAPI()\n",
            "main:app",
        ),
    ],
)
def test_an_app_made_in_a_module_level_try_or_if_is_the_modules(tmp_path: Path, main, reference):
    jobs = "from fastapi import FastAPI\n\n\ndef set_jobs(app: FastAPI) -> FastAPI:\n    return app\n"
    app = the_app(written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": main, "core/jobs.py": jobs}))
    assert f"{app.module}:{app.attribute}" == reference


@pytest.mark.parametrize(
    ("main", "references"),
    [
        # yxxjimin/fastapi-gym-crm: `app = AppBuilder(app=FastAPI(...)).add_middleware(...).build()`; init found no app.
        (
            "from fastapi import FastAPI\nfrom builder import AppBuilder\n\n"
            "app = (\n    AppBuilder(app=FastAPI(title='x'))\n    .add_router(r)\n    .build()\n)\n",
            ["main:app"],
        ),
        ("from fastapi import FastAPI\nfrom mangum import Mangum\n\nhandler = Mangum(FastAPI())\n", []),  # a wrapper alone
    ],
)
def test_an_app_a_chain_of_builder_methods_makes_is_the_modules(tmp_path: Path, main, references):
    root = written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": main})
    assert [f"{a.module}:{a.attribute}" for a in find_apps(root)] == references


@pytest.mark.parametrize(
    ("run", "references"),
    [
        # hagelslagvier/generic-fastapi-server: assemble_app makes the app inside and returns the Injector holding it;
        # run.py asks the injector for it. init took assemble_app for a factory, and refused: it needs an argument.
        ("from fastapi import FastAPI\nfrom assembly import injector\n\napp = injector.get(FastAPI)\n", ["run:app"]),
        ("from assembly import injector\n\nconfig = injector.get(Config)\n", []),  # asked for something else
    ],
)
def test_an_app_asked_of_a_dependency_container_by_its_class_is_the_entry(tmp_path: Path, run, references):
    assembly = (
        "from fastapi import FastAPI\nfrom injector import Injector\n\n"
        "def assemble_app(injector: Injector) -> Injector:\n    def make() -> FastAPI:\n        return FastAPI()\n"
        "    injector.binder.bind(FastAPI, to=make)\n    return injector\n\ninjector = assemble_app(Injector())\n"
    )
    written(tmp_path, {"assembly.py": assembly, "run.py": run})
    assert [app.reference for app in find_apps(tmp_path)] == references


@pytest.mark.parametrize(
    ("returned", "found"),
    [
        # ka-rb0/fastapi-website-blueprint: create_app returns the app inside its own ASGI middleware, annotated as the
        # outermost (`-> RequestIDMiddleware`), and main.py binds `app = create_app(settings)`; init refused: "the app
        # is built in create_app, and no module-level name holds it".
        ("    limited = Limit(app)\n    return RequestID(Headers(limited))\n", ["main:app", "factory:create_app (a factory)"]),
        ("    return RequestID(app)\n", ["main:app", "factory:create_app (a factory)"]),
        ("    return RequestID(Other())\n", []),  # what it returns holds no app it made
    ],
)
def test_a_factory_returning_its_app_in_asgi_middleware_still_makes_the_app(tmp_path: Path, returned, found):
    factory = f"from fastapi import FastAPI\n\ndef create_app(settings) -> RequestID:\n    app = FastAPI()\n{returned}"
    written(tmp_path, {"factory.py": factory, "main.py": "from factory import create_app\n\napp = create_app(None)\n"})
    assert [app.reference for app in find_apps(tmp_path)] == found


@pytest.mark.parametrize(
    ("files", "source_root"),
    [
        # Athroniaeth/fastapi-api-key: examples/example_fastapi.py imports the project's own src/keyshield/; init served
        # it without src/ on the path: "imports keyshield, which none of its dependencies installs"
        ({"src/keyshield/__init__.py": "", "examples/app.py": "import keyshield\n" + APP}, "src"),
        ({"src/keyshield/__init__.py": "", "keyshield.py": "", "examples/app.py": "import keyshield\n" + APP}, ""),  # the top's
        ({"src/other/__init__.py": "", "examples/app.py": "import keyshield\n" + APP}, ""),  # src/ does not hold it
        # pavelekshin/fastapi-webapp: src/main.py, in the package src, imports the installed redis beside its own
        # src/redis.py; src/ on the path shadowed the library ("imports redis.asyncio, which the repository does not hold")
        ({"src/__init__.py": "", "src/redis.py": "", "src/main.py": "import redis.asyncio\nfrom src import redis\n" + APP}, ""),
    ],
)
def test_an_app_outside_src_importing_a_package_only_src_holds_runs_with_src_on_the_path(tmp_path, files, source_root):
    written(tmp_path, files)
    app = next(a for a in find_apps(tmp_path) if a.attribute == "app")
    assert on_pytest_path(tmp_path, {}, app).source_root == source_root
    # What the image copies is where the app's file is, under src/ or not ("No module named 'examples'").
    assert on_pytest_path(tmp_path, {}, app).top_level == app.source.split("/")[0]


@pytest.mark.parametrize(
    ("code", "reference"),
    [
        # paulccuno/fastapi-hexagonal-achitecture: `app = app_container.app()`, a dependency-injector provider of
        # FastAPI; init found no app ("no FastAPI app found") though the module adds middleware to it.
        ("from fastapi import FastAPI\n\napp = container.app()\napp.add_middleware(Cors)\n", "src.api.app:app"),
        (
            "from fastapi import FastAPI\n\napi = make()\n\n@api.exception_handler(ValueError)\ndef h(r, e): ...\n",
            "src.api.app:api",
        ),
        # a router is used alike for routes, never for middleware or error handlers: no app
        ("from fastapi import APIRouter\n\nrouter = APIRouter()\nrouter.include_router(other)\n", ""),
        ("from fastapi import FastAPI\n\nthing = make()\nthing.add_middleware(X)\n", "src.api.app:thing"),
    ],
)
def test_an_app_made_where_init_cannot_see_is_known_by_its_middleware(tmp_path: Path, code, reference):
    from fastapi_stackops.adopt.findings import NotAFastAPIRepository

    written(tmp_path, {"src/__init__.py": "", "src/api/__init__.py": "", "src/api/app.py": code})
    if not reference:
        with pytest.raises(NotAFastAPIRepository, match="no FastAPI app found"):
            the_app(tmp_path)
        return
    assert the_app(tmp_path).reference == reference
