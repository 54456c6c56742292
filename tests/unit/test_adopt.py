"""What init reads from a repository and makes of an app's routes: pure, table-driven."""

import tomllib

import pytest

from fastapi_stackops.adopt.app_environment import app_environment
from fastapi_stackops.adopt.app_settings import SettingField, Settings
from fastapi_stackops.adopt.build_context import code_paths
from fastapi_stackops.adopt.contract_table import toml_value, with_contract, without_contract
from fastapi_stackops.adopt.dependency_files import pyproject, requirement_name
from fastapi_stackops.adopt.image import health_probe
from fastapi_stackops.adopt.init import Options, overridden
from fastapi_stackops.adopt.interpreter import lower_bound, python_version
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.routes import choose_routes, scenario
from fastapi_stackops.adopt.settings_reading import find_settings
from fastapi_stackops.adopt.source import find_apps
from fastapi_stackops.adopt.start import procfile_command
from fastapi_stackops.adopt.testing import find_service_tests
from fastapi_stackops.adopt.wheels import compiled_here, fits, ranges, release_of


@pytest.mark.parametrize(
    ("spec", "expected"),
    [(">=3.11", "3.11"), ("^3.12", "3.12"), ("~=3.10", "3.10"), (">=3.10,<4", "3.10"), ("==3.13.*", "3.13"), ("", None)],
)
def test_lower_bound(spec, expected):
    assert lower_bound(spec) == expected


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"pyproject.toml": '[project]\nrequires-python = ">=3.12"\n'}, ("3.13", "requires-python in pyproject.toml (>=3.12)")),
        ({"pyproject.toml": '[project]\nrequires-python = ">=3.9"\n'}, ("3.11", "requires-python in pyproject.toml (>=3.9)")),
        (
            {"pyproject.toml": '[tool.poetry.dependencies]\npython = ">=3.12,<3.13"\n'},
            ("3.12", "poetry's python dependency (>=3.12,<3.13)"),
        ),
        ({"Dockerfile": "FROM python:3.13-slim AS base\n"}, ("3.13", "the Dockerfile")),
        ({"Dockerfile": "ARG PYTHON_BASE=python:3.14-slim-forky\n"}, ("3.14", "the Dockerfile")),  # a --python remembered
        ({".python-version": "3.12.4\n"}, ("3.12", ".python-version")),
        ({".python-version": "3.14\n"}, ("3.14", ".python-version")),
        (  # a pin that cannot be built gives way to a version the project allows that can
            {".python-version": "3.12\n", "pyproject.toml": '[project]\nrequires-python = ">=3.12"\n'},
            ("3.13", "requires-python in pyproject.toml (>=3.12); .python-version's 3.12 has no base image here"),
        ),
        ({"pyproject.toml": '[project]\nrequires-python = ">=3.14"\n'}, ("3.14", "requires-python in pyproject.toml (>=3.14)")),
        (
            {"pyproject.toml": '[project]\nrequires-python = ">=3.9,<3.10"\n'},
            ("3.9", "requires-python in pyproject.toml (>=3.9,<3.10)"),
        ),
        (  # Debian's 3.11 is 3.11.2: a floor at 3.11.11 goes to the next minor
            {"pyproject.toml": '[project]\nrequires-python = ">=3.11.11"\n'},
            ("3.13", "requires-python in pyproject.toml (>=3.11.11)"),
        ),
        ({"pyproject.toml": '[tool.poetry.dependencies]\npython = "3.11.7"\n'}, ("3.11", "poetry's python dependency (3.11.7)")),
        (  # a pin to 3.11.11 with a floor there: Debian's 3.11.2 would be refused by uv
            {".python-version": "3.11.11\n", "pyproject.toml": '[project]\nrequires-python = ">=3.11.11"\n'},
            (
                "3.13",
                "requires-python in pyproject.toml (>=3.11.11); .python-version's 3.11 here is below the patch release it requires",
            ),
        ),
        ({"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\n'}, ("3.11", "poetry's python dependency (^3.11)")),
        (  # pipenv's lock says the minor it was made for
            {"Pipfile.lock": '{"_meta": {"requires": {"python_version": "3.13"}}, "default": {}}'},
            ("3.13", "Pipfile.lock's python_version (==3.13.*)"),
        ),
        ({}, ("3.11", "nothing names a version; the oldest supported")),
    ],
)
def test_python_version(tmp_path, files, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    project = tomllib.loads(files.get("pyproject.toml", ""))
    found = python_version(tmp_path, project)
    assert (found.value, found.source) == expected


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("fastapi==0.115.0 \\", "fastapi"),
        ("psycopg[binary]>=3.1", "psycopg"),
        ("Pydantic_Settings~=2.2", "pydantic-settings"),
        ("    --hash=sha256:abc", ""),
        ("# via fastapi", ""),
        ("-r base.txt", ""),
        ("uvicorn ; python_version >= '3.8'", "uvicorn"),
    ],
)
def test_requirement_name(line, name):
    assert requirement_name(line) == name


@pytest.mark.parametrize(
    ("files", "reference"),
    [
        ({"app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"}, "app.main:app"),
        (
            {"src/shop/web.py": "import fastapi\n\ndef create():\n    api = fastapi.FastAPI()\n    return api\n"},
            "shop.web:create (a factory)",
        ),
        (
            {
                "tests/test_x.py": "from fastapi import FastAPI\napp = FastAPI()\n",
                "svc/api.py": "from fastapi import FastAPI\nserver = FastAPI()\n",
            },
            "svc.api:server",
        ),
        # An annotated instance (Mohammad-Hossein-Dlt/fastapi-mini-ecommerce: `app: FastAPI = FastAPI(`).
        ({"svc/api.py": "from fastapi import FastAPI\n\napp: FastAPI = FastAPI(title='x')\n"}, "svc.api:app"),
        (  # a factory that only wraps another, known by its annotation; the module's instance of it wins
            {
                "src/core/factory.py": "from fastapi import FastAPI\n\ndef build(settings):\n    return FastAPI()\n",
                "src/main.py": "from fastapi import FastAPI\nfrom core.factory import build\n\n"
                "def create_app(settings=None) -> FastAPI:\n    app = build(settings)\n    return app\n\n"
                "app = create_app()\n",
            },
            "main:app",
        ),
    ],
)
def test_find_apps(tmp_path, files, reference):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert find_apps(tmp_path)[0].reference == reference


@pytest.mark.parametrize(
    ("source", "prefix", "fields"),
    [
        (
            'class S(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix="LENS_")\n    token: str\n    url: str = "sqlite:///x.db"\n',
            "LENS_",
            [("token", None), ("url", "sqlite:///x.db")],
        ),
        (
            'class S(pydantic.BaseSettings):\n    secret: str = Field(...)\n    size: int = Field(default=5)\n    class Config:\n        env_prefix = "APPX_"\n',
            "APPX_",
            [("secret", None), ("size", "5")],
        ),
        (
            'import os\nURL = os.environ.get("DATABASE_URL", "postgresql://x")\nKEY = os.environ["SECRET_KEY"]\nN = os.getenv("N")\n',
            "",
            [("DATABASE_URL", "postgresql://x"), ("SECRET_KEY", None), ("N", "")],
        ),
        (
            "import os\ndef env(key, default=None):\n    return os.environ[key] if default is None else os.getenv(key, default)\n"
            'HOST = env("PG_HOST")\nECHO = env("ECHO", "no")\n',
            "",
            [("PG_HOST", None), ("ECHO", "no")],
        ),
        # python-decouple: a default given second or by keyword; cast is the type, not a default.
        (
            'from decouple import config\nKEY = config("SECRET_KEY")\nN = config("WORKERS", 2, cast=int)\n'
            'DEBUG = config("DEBUG", default=False, cast=bool)\n',
            "",
            [("SECRET_KEY", None), ("WORKERS", "2"), ("DEBUG", "False")],
        ),
        # starlette's Config, an instance under any name: its second argument is cast, never a default.
        (
            'from starlette.config import Config\nenv = Config(".env")\nKEY = env("API_KEY", str)\nN = env("N", default="3")\n',
            "",
            [("API_KEY", None), ("N", "3")],
        ),
        # A settings class whose defaults are themselves reads: required as the read is, under the read's name.
        (
            "from decouple import config\nclass S(BaseSettings):\n    key: str = config('SECRET_KEY')\n"
            "    port: int = config('DB_PORT', default=5432, cast=int)\n",
            "",
            [("key", None), ("port", "5432")],
        ),
        # A model of the app's own mixed into the settings class, the prefix in merged configs, and Python 3.12's type
        # parameters in the same file (read though the Python running init is older).
        (
            "class Postgres(BaseModel):\n    HOST: str\n    PORT: int = 5432\n"
            "COMMON = SettingsConfigDict(env_file='.env')\n"
            "class PostgresEnv(BaseSettings, Postgres):\n    model_config = COMMON | SettingsConfigDict(env_prefix='PG_')\n"
            "def load[E: BaseSettings](cls: type[E]) -> E:\n    return cls()\n",
            "PG_",
            [("HOST", None), ("PORT", "5432")],
        ),
    ],
)
def test_find_settings(tmp_path, source, prefix, fields):
    (tmp_path / "settings.py").write_text(source)
    settings = find_settings(tmp_path)
    assert settings.prefix == prefix and [(f.name, f.default) for f in settings.fields] == fields


def test_environs_reads_are_settings_of_the_type_each_read_names(tmp_path):
    (tmp_path / "settings.py").write_text(
        'from environs import Env\nenv = Env()\nenv.read_env()\nKEY = env.str("JWT_SECRET")\nTTL = env.int("JWT_TTL")\n'
        'N = env("WORKERS", "2")\nON = env.bool("DEBUG", default=False)\nRATE = env.decimal("RATE")\n'
    )
    fields = [(f.name, f.default, f.annotation) for f in find_settings(tmp_path).fields]
    assert fields == [
        ("JWT_SECRET", None, ""),  # a string is the plain case
        ("JWT_TTL", None, "int"),
        ("WORKERS", "2", ""),
        ("DEBUG", "False", "bool"),
        ("RATE", None, "float"),
    ]


OPENAPI = {
    "paths": {
        "/things": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/New"}}}},
                "responses": {"201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}},
            }
        },
        "/things/{thing_id}": {"get": {}, "delete": {}},
    },
    "components": {
        "schemas": {
            "New": {
                "type": "object",
                "required": ["name", "count"],
                "properties": {"name": {"type": "string"}, "count": {"type": "integer"}},
            },
            "Thing": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
        }
    },
}


def test_a_persistence_scenario_comes_from_a_create_and_read_pair():
    found, reason = scenario(OPENAPI)
    assert reason == ""
    assert found["write"] == {"method": "POST", "path": "/things", "json": {"name": "p{marker}", "count": 1}, "status": 201}
    assert found["read"] == {"path": "/things/{id}", "expect-json": {"name": "p{marker}"}} and found["delete"] == "/things/{id}"
    assert found["guessed"] is True  # a write the app refuses (a login, a tenant) skips the check instead of failing ci


def test_no_scenario_without_an_id_in_the_answer():
    openapi = {**OPENAPI, "components": {"schemas": {**OPENAPI["components"]["schemas"], "Thing": {"properties": {"name": {}}}}}}
    found, reason = scenario(openapi)
    assert found is None and "id in its answer" in reason


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        ([["/api/v1/utils/health-check/", ["GET"]], ["/readyz", ["GET"]]], ("/api/v1/utils/health-check/", "/readyz")),
        ([["/status", ["GET"]], ["/items/{id}", ["GET"]]], ("/status", "")),
        ([["/items", ["GET"]]], ("", "/openapi.json")),
        # A status that needs a query parameter (a 422 to a probe) or a login is no health route; /probe is one.
        ([["/api/v1/payment/status", ["GET"]], ["/probe", ["GET"]]], ("/probe", "")),
        ([["/api/v1/payment/status", ["GET"]]], ("", "/openapi.json")),
        ([["/me/status", ["GET"]]], ("", "/openapi.json")),
        # A health route that answers 503 bare and asks for its shallow check by a flag: the flag is set.
        ([["/default/healthcheck/", ["GET"]]], ("/default/healthcheck/?liveness=true", "")),
        ([["/health", ["GET"]]], ("/health", "")),  # a liveness parameter that is no flag: asked bare
    ],
)
def test_choose_routes(routes, expected):
    required = {"get": {"parameters": [{"name": "session_id", "in": "query", "required": True}]}}
    flags = [{"name": n, "in": "query", "required": False, "schema": {"type": "boolean"}} for n in ("readiness", "liveness")]
    not_a_flag = [{"name": "liveness", "in": "query", "required": False, "schema": {"type": "string"}}]
    openapi = {
        "paths": {
            "/api/v1/payment/status": required,
            "/me/status": {"get": {"security": [{"OAuth2": []}]}},
            "/default/healthcheck/": {"get": {"parameters": flags}},
            "/health": {"get": {"parameters": not_a_flag}},
        }
    }
    chosen = choose_routes({"routes": routes, "openapi_url": "/openapi.json", "docs_url": "/docs", "openapi": openapi})
    assert (chosen.health, chosen.ready) == expected


def test_an_app_whose_openapi_document_fails_is_ready_on_its_docs_page_and_no_check_asks_the_document():
    asked = {"routes": [["/items", ["GET"]]], "openapi_url": "/openapi.json", "docs_url": "/docs", "openapi": None}
    chosen = choose_routes(asked | {"broken": "PydanticUserError: `TypeAdapter[...]` is not fully defined"})
    assert (chosen.ready, chosen.probe_path, chosen.persistence) == ("/docs", "/docs", None)
    assert any("OpenAPI document fails to build (PydanticUserError" in remark for remark in chosen.remarks)


def test_an_app_with_no_health_route_and_no_openapi_document_is_ready_when_it_answers_at_all():
    chosen = choose_routes({"routes": [["/items", ["GET"]]], "openapi_url": None, "docs_url": None, "openapi": None})
    assert (chosen.ready, chosen.probe_path) == ("", "")
    assert "no health-like route and no OpenAPI document: ready when / answers at all" in " ".join(chosen.remarks)


@pytest.mark.parametrize(("status", "healthy"), [(404, True), (401, True), (200, True), (500, False), (None, False)])
def test_the_any_answer_probe_counts_every_answer_below_500(status, healthy):
    """health_probe with no path, run here as the image runs it, against a server answering `status` (None: none)."""
    import http.server
    import subprocess
    import sys
    import threading

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Answer)
    port = server.server_address[1]
    if status is None:
        server.server_close()  # nothing listens there any more
    else:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    command = health_probe(port, "")
    checked = subprocess.run([sys.executable, *command[1:]], capture_output=True, timeout=10)
    if status is not None:
        server.shutdown()
    assert (checked.returncode == 0) is healthy, checked.stderr


def test_the_contract_is_appended_and_replaced_leaving_the_rest_as_it_was():
    original = '[project]\nname = "x"  # a comment\n\n[tool.ruff]\nline-length = 100\n'
    first = with_contract(original, '[tool.stackops]\nentry = "web"\n')
    assert first.startswith(original) and tomllib.loads(first)["tool"]["stackops"] == {"entry": "web"}
    second = with_contract(first + "\n[tool.other]\nkey = 1\n", '[tool.stackops]\nentry = "api"\n')
    assert tomllib.loads(second)["tool"] == {"ruff": {"line-length": 100}, "other": {"key": 1}, "stackops": {"entry": "api"}}
    assert without_contract(first) == original


@pytest.mark.parametrize("value", ['a "quoted" {marker}', 3, True, {"path": "/x/{id}", "json": {"n": "p{marker}"}}, ["A", "B"]])
def test_toml_values_read_back_as_written(value):
    assert tomllib.loads(f"v = {toml_value(value)}")["v"] == value


@pytest.mark.parametrize(
    ("wheel", "python", "expected"),
    [
        ("psycopg2_binary-2.9.9-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "3.11", True),
        ("psycopg2-2.9.9-cp311-cp311-win_amd64.whl", "3.11", False),
        ("asyncpg-0.26.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "3.11", False),
        ("cryptography-41.0.0-cp37-abi3-manylinux_2_28_x86_64.whl", "3.11", True),
        ("cryptography-41.0.0-cp37-abi3-manylinux_2_28_aarch64.whl", "3.11", False),
        ("fastapi-0.115.6-py3-none-any.whl", "3.13", True),
        ("orjson-3.10.0-cp311-cp311-musllinux_1_2_x86_64.whl", "3.11", False),
        ("psycopg2-2.9.9.tar.gz", "3.11", False),
    ],
)
def test_a_wheel_fits_the_image_python_on_glibc_linux(wheel, python, expected):
    assert fits(wheel, python, "x86_64") is expected


@pytest.mark.parametrize(
    ("filename", "release"),
    [
        ("psycopg2-2.9.9.tar.gz", ("psycopg2", "2.9.9")),
        ("typing_extensions-4.8.0-py3-none-any.whl", ("typing-extensions", "4.8.0")),
        ("SQLAlchemy-2.0.36.tar.gz", ("sqlalchemy", "2.0.36")),
        ("zope.interface-6.0.zip", ("zope-interface", "6.0")),
    ],
)
def test_release_of_a_file_name(filename, release):
    assert release_of(filename) == release


def test_ranges_follow_included_requirements_files(tmp_path):
    (tmp_path / "base.txt").write_text("SQLAlchemy[asyncio]==2.0.36 ; python_version >= '3.8'\nrequests>=2\n")
    (tmp_path / "prod.txt").write_text("-r base.txt\npsycopg2==2.9.10 \\\n    --hash=sha256:abc\n# fastapi==0.1\n")
    assert ranges(tmp_path, "prod.txt") == {"sqlalchemy": "==2.0.36", "requests": ">=2", "psycopg2": "==2.9.10"}


@pytest.mark.parametrize(
    ("installer", "files", "expected"),
    [
        ("uv", {"pyproject.toml": '[dependency-groups]\nlint = ["ruff"]\ndev = ["pytest>=8"]\n'}, ("uv-group", "dev")),
        ("uv", {"pyproject.toml": '[tool.uv]\ndev-dependencies = ["pytest-asyncio", "pytest"]\n'}, ("uv-group", "dev")),
        ("poetry", {"pyproject.toml": "[tool.poetry.group.test.dependencies]\npytest = '^8'\n"}, ("poetry-group", "test")),
        ("poetry", {"pyproject.toml": "[tool.poetry.dev-dependencies]\npytest = '^7'\n"}, ("poetry-group", "dev")),
        (
            "requirements",
            {"requirements-dev.txt": "-r requirements.txt\npytest==8.3.4\n"},
            ("requirements", "requirements-dev.txt"),
        ),
        ("requirements", {"requirements/test.txt": "pytest\n"}, ("requirements", "requirements/test.txt")),
        (
            "pip",
            {"pyproject.toml": '[project]\nname = "x"\n[project.optional-dependencies]\ntest = ["pytest", "httpx"]\n'},
            ("project-list", "project.optional-dependencies.test"),
        ),
        ("uv", {"pyproject.toml": '[dependency-groups]\ndev = ["pytest-cov"]\n'}, None),
        ("requirements", {"requirements-dev.txt": "ruff\n"}, None),
        ("requirements", {"requirements.txt": "fastapi\npytest==7.1.2\n"}, ("requirements", "requirements.txt")),
    ],
)
def test_the_tests_dependencies_are_found_where_the_installer_keeps_them(tmp_path, installer, files, expected):
    files |= {"tests/test_app.py": "def test_it():\n    pass\n"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found, reason = find_service_tests(tmp_path, pyproject(tmp_path), installer)
    assert ((found.kind, found.name) if found else None) == expected
    assert bool(reason) == (expected is None)


def test_no_test_folder_means_no_test_image_and_no_reason(tmp_path):
    assert find_service_tests(tmp_path, {"dependency-groups": {"dev": ["pytest"]}}, "uv") == (None, "")


@pytest.mark.parametrize(
    ("procfile", "command"),
    [
        (
            "web: gunicorn -k uvicorn.workers.UvicornWorker app.main:app --workers 3 --bind 0.0.0.0:$PORT\n",
            ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app.main:app", "--workers", "3", "--bind", "0.0.0.0:8000"],
        ),
        (
            "release: alembic upgrade head\nweb: python -m uvicorn shop.api:app --port=${PORT} --proxy-headers\n",
            ["uvicorn", "shop.api:app", "--proxy-headers", "--host", "0.0.0.0", "--port", "8000"],
        ),
        (
            "web: fastapi run app/main.py --host 127.0.0.1\n",
            ["fastapi", "run", "app/main.py", "--host", "0.0.0.0", "--port", "8000"],
        ),
        ("web: bin/start-nginx\n", []),
        ("worker: celery -A tasks worker\n", []),
    ],
)
def test_a_procfile_web_command_is_kept_and_bound_to_the_container_port(tmp_path, procfile, command):
    (tmp_path / "Procfile").write_text(procfile)
    assert procfile_command(tmp_path, 8000)[0] == command


@pytest.mark.parametrize(
    ("fields", "parts"),
    [
        (["PG_HOST", "PG_PORT", "PG_USER", "PG_PASSWORD", "PG_DB"], ["host", "port", "user", "password", "name"]),
        (["postgres_server", "postgres_db", "secret_key"], ["host", "name"]),
        (["DB_HOST", "DATABASE_URL"], []),  # a URL field says it all
        # kongnakornna/fastapicleanarchitectureddd: InfluxDB's URL beside them is no SQL database's URL field
        (["INFLUXDB_URL", "MONGODB_URL", "POSTGRESQL_HOST", "POSTGRESQL_USERNAME"], ["host", "user"]),
        (["POSTGRES_HOST", "DRIVER", "SYNC_DRIVER"], ["host", "driver", "sync_driver"]),  # drivers named alone
        (["DRIVER", "SECRET_KEY"], []),  # a driver alone, with no database parts, is no database's
        (
            ["MYSQL_HOST", "MYSQL_PORT", "MYSQL_USER", "MYSQL_PASSWORD", "MYSQL_DATABASE"],
            ["host", "port", "user", "password", "name"],
        ),
    ],
)
def test_a_database_given_in_parts(fields, parts):
    settings = Settings("S", "", tuple(SettingField(name, None) for name in fields), "s.py")
    assert list(settings.database_parts.values()) == parts


def test_the_image_copies_the_namespace_packages_and_modules_the_app_imports(tmp_path):
    files = {
        "pyproject.toml": '[project]\nname = "x"\ndependencies = ["fastapi"]\n',
        "api/__init__.py": "",
        "api/main.py": "from fastapi import FastAPI\nfrom core.db import engine\nimport helpers\n\napp = FastAPI()\n",
        "core/db.py": "engine = None\n",  # no __init__.py: a namespace package
        "helpers.py": "",
        "tools/seed.py": "",  # imported by nothing: stays out
        "server.py": "import uvicorn\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert code_paths(read_repository(tmp_path)) == ["api", "core", "helpers.py"]


@pytest.mark.parametrize(
    ("name", "files", "compiled"),
    [
        ("psycopg2", ["psycopg2-2.9.9-cp311-cp311-win_amd64.whl", "psycopg2-2.9.9.tar.gz"], True),
        ("gitignore-parser", ["gitignore_parser-0.1.13.tar.gz"], False),  # pure Python: pip builds it alone
        ("python-ldap", ["python-ldap-3.4.4.tar.gz"], True),  # known to need libldap
        ("fastapi", ["fastapi-0.115.6-py3-none-any.whl", "fastapi-0.115.6.tar.gz"], False),
    ],
)
def test_what_the_builder_compiles(name, files, compiled):
    assert compiled_here(name, files, "3.11", "x86_64") is compiled


def test_set_values_reach_the_compose_environment_as_defaults_the_env_files_override(tmp_path):
    (tmp_path / "requirements.txt").write_text("fastapi\n")
    (tmp_path / "main.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n")
    repo = overridden(read_repository(tmp_path), Options(values={"BASE_URL": "http://x:3000", "COST": "5$", "EMPTY": ""}))
    environment = app_environment(repo)
    assert environment["BASE_URL"] == '"${BASE_URL-http://x:3000}"'
    assert environment["COST"] == '"${COST-5$$}"' and environment["EMPTY"] == "${EMPTY-}"
    assert "  variable     BASE_URL (from --set)" in [f.line() for f in repo.findings]


def test_a_field_annotated_with_its_field_has_that_default_and_alias(tmp_path):
    """AlbanAndrieu/fastapi-sample: `Annotated[str, Field(default="localhost", validation_alias=AliasChoices(...))]`
    read as required, so its database host got a generated secret."""
    (tmp_path / "settings.py").write_text(
        "from typing import Annotated\nfrom pydantic import AliasChoices, Field\nfrom pydantic_settings import BaseSettings\n"
        "class S(BaseSettings):\n"
        '    host: Annotated[str, Field(default="localhost", validation_alias=AliasChoices("POSTGRES_HOST", "DB_HOST"))]\n'
        "    port: Annotated[int, Field(description='the port')] = 5432\n"
        "    token: Annotated[str, Field(min_length=8)]\n"
    )
    fields = [(f.variable, f.default, f.annotation) for f in find_settings(tmp_path).fields]
    assert fields == [("POSTGRES_HOST", "localhost", "str"), ("PORT", "5432", "int"), ("TOKEN", None, "str")]
