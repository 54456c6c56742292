"""fastapi_stackops/adopt/environment_reads.py: the variables a line of the app's code reads, as an import failure
points at it."""

from __future__ import annotations

import ast

import pytest

from fastapi_stackops.adopt.environment_reads import environment_settings, listed_reads
from fastapi_stackops.adopt.unset_reads import reads_on


@pytest.mark.parametrize(
    ("line", "reads"),
    [
        ('MAIL_PORT: int = int(os.getenv("MAIL_PORT"))', {"MAIL_PORT"}),
        ('        access_token_expire_minutes=int(os.getenv("ACCESS_TOKEN_EXPIRE_MINUTES")),', {"ACCESS_TOKEN_EXPIRE_MINUTES"}),
        # zamaniamin/fastapi-shop: a call's last keyword closing the call; the line did not parse, and init, learning
        # nothing, stopped on "int() argument must be ... not 'NoneType'".
        ('        otp_expire_seconds=int(os.getenv("OTP_EXPIRE_SECONDS")), )', {"OTP_EXPIRE_SECONDS"}),
        ('PORT = int(os.getenv("PORT", "8000"))', set()),  # a default: not this one
        ("config = Model(", set()),
        (")", set()),
    ],
)
def test_the_variables_a_line_reads_with_no_default(line, reads):
    assert reads_on(line) == reads


REQUIRED = 'REQUIRED = ["DB_USER", "SECRET_KEY"]\n'
WEATHER = (
    "class WeatherClient:\n    def __init__(self, api_key=None):\n"
    '        self.api_key = api_key or os.getenv("API_KEY")\n        if not self.api_key:\n            raise RuntimeError()\n\n'
)


@pytest.mark.parametrize(
    ("code", "required"),
    [
        # 2384830985/fastapi-production-demo: a list of names, each looked up in a loop that exits on one missing; init
        # read none of them, and the app's exit said nothing init could learn from.
        (
            REQUIRED + "def check():\n    for var in REQUIRED:\n        if not os.getenv(var):\n            sys.exit(1)\n",
            ["DB_USER", "SECRET_KEY"],
        ),
        (REQUIRED + "missing = [v for v in REQUIRED if v not in os.environ or not os.environ[v]]\n", ["DB_USER", "SECRET_KEY"]),
        ("for name in ('A', 'B'):\n    os.environ[name]\n", ["A", "B"]),
        (REQUIRED + "for var in REQUIRED:\n    value = os.getenv(var, 'x')\n", []),  # each with a default
        (REQUIRED + "for var in REQUIRED:\n    print(var)\n", []),  # never looked up
        ("for var, weak in WEAK.items():\n    os.getenv(var)\n", []),  # not a list of names written out
    ],
)
def test_the_variables_looked_up_one_at_a_time_from_a_list_are_required(code, required):
    assert [(f.name, f.default) for f in listed_reads(ast.parse(code))] == [(name, None) for name in required]


def test_a_list_of_required_names_is_read_as_settings_and_a_read_by_name_keeps_its_default(tmp_path):
    code = REQUIRED + "DB_USER = os.getenv('DB_USER', 'root')\nfor var in REQUIRED:\n    assert os.getenv(var)\n"
    (tmp_path / "config.py").write_text(code)
    [settings] = environment_settings(tmp_path, [tmp_path / "config.py"])
    assert {f.name: f.default for f in settings.fields} == {"DB_USER": "root", "SECRET_KEY": None}


@pytest.mark.parametrize(
    ("read", "value"),
    [
        # Victor-Mannelli/FastApi-Music-API: `os.getenv("ALGORITHM")` bare; unset, PyJWT signed with "none" and refused
        # the key, and 15 of its tests failed.
        ('ALGORITHM = os.getenv("ALGORITHM")', "HS256"),
        ('ALGORITHM = os.getenv("JWT_ALGORITHM")', "HS256"),
        ('ALGORITHM = os.getenv("ALGORITHM", "HS512")', None),  # its own default stands
        ('LEVEL = os.getenv("LOG_LEVEL")', None),  # None is a level logging takes: left unset
    ],
)
def test_a_tokens_algorithm_read_bare_gets_one(tmp_path, read, value):
    from fastapi_stackops.adopt.app_environment import app_environment
    from fastapi_stackops.adopt.reading import read_repository

    code = f"import os\n\n{read}\nSECRET_KEY = os.getenv('SECRET_KEY')\n"
    files = {"requirements.txt": "fastapi\npyjwt\n", "main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"}
    for name, text in (files | {"config.py": code}).items():
        (tmp_path / name).write_text(text)
    environment = app_environment(read_repository(tmp_path))
    variable = read.split('"')[1]
    assert (
        (value in environment.get(variable, "")) if value else variable not in environment or "HS256" not in environment[variable]
    )


@pytest.mark.parametrize(
    ("code", "required"),
    [
        # Chessy11/FastAPI-Game-Config: `api_key = os.getenv("OPENAI_API_KEY")`, then a raise when it is empty; init
        # left it unset, and the import failed after a build.
        ('key = os.getenv("OPENAI_API_KEY")\nif not key:\n    raise ValueError("No OpenAI API key found")\n', ["OPENAI_API_KEY"]),
        ('key = os.getenv("TOKEN")\nif key is None:\n    sys.exit("TOKEN missing")\n', ["TOKEN"]),
        ('if not all([os.getenv("A_NAME"), os.getenv("A_KEY")]):\n    raise RuntimeError("set them")\n', ["A_NAME", "A_KEY"]),
        ('key = os.getenv("TOKEN")\nif not key:\n    print("no token: running without")\n', []),  # goes on
        ('key = os.getenv("TOKEN")\ndef check():\n    if not key:\n        raise ValueError()\n', []),  # only when called
        ('key = os.getenv("TOKEN")\ndef check():\n    if not key:\n        raise ValueError()\n\ncheck()\n', ["TOKEN"]),
        # a client's __init__ that stops on its key, read after an `or`, made as the module loads
        (WEATHER + "weather = WeatherClient()\n", ["API_KEY"]),
        (WEATHER, []),  # never made as a module loads
    ],
)
def test_a_variable_the_module_stops_on_when_empty_as_it_loads_is_required(tmp_path, code, required):
    (tmp_path / "config.py").write_text("import os, sys\n" + code)
    [settings] = environment_settings(tmp_path, [tmp_path / "config.py"])
    assert [f.name for f in settings.fields if f.default is None] == required


@pytest.mark.parametrize(
    ("code", "reads"),
    [
        # zhongyehai/test-platform-fastapi-api: a config class's classmethods read the environment, one through the
        # other (`get_required_env` calls `cls.get_env`), called as `BaseConfig.get_required_env("MYSQL_HOST")`; init
        # saw no read, and the import raised "[MYSQL_HOST] must be configured"
        (
            "class Base:\n    @classmethod\n    def get_env(cls, key, default=None):\n        return os.getenv(key, default)\n\n"
            "    @classmethod\n    def need(cls, key, default=None):\n        value = cls.get_env(key, default)\n"
            "        if value is None:\n            raise ValueError(key)\n        return value\n\n"
            "class Mysql(Base):\n    HOST = Base.need('MYSQL_HOST')\n    PORT = int(Base.get_env('MYSQL_PORT', 3306))\n",
            {"MYSQL_HOST": None, "MYSQL_PORT": "3306"},
        ),
        ("def env(key):\n    return os.environ[key]\n\nHOST = env('HOST')\n", {"HOST": None}),
        ("def env(name, key):\n    return os.environ[key]\n\nHOST = env('HOST', 'x')\n", {}),  # the key second: no read
        # slev-v/fastapi-user: the variable's name a module constant (`DB_URI_ENV = "DB_URI"`); read only at its start
        ("URI_ENV = 'DB_URI'\n\ndef env(key):\n    return os.environ[key]\n\nURI = env(URI_ENV)\n", {"DB_URI": None}),
        ("URI_ENV = 'A'\nURI_ENV = 'B'\n\nURI = os.environ[URI_ENV]\n", {}),  # bound twice: which one is read is unknown
    ],
)
def test_a_function_or_method_that_looks_its_first_parameter_up_is_a_read(tmp_path, code, reads):
    (tmp_path / "config.py").write_text("import os\n" + code)
    found = environment_settings(tmp_path, [tmp_path / "config.py"])
    assert {f.name: f.default for s in found for f in s.fields} == reads


@pytest.mark.parametrize(
    ("read", "default"),
    [
        # Adrien-Crapart/fastapi-api: decouple casts a None default too; init left SMTP_PORT unset, and the import
        # stopped at int(None)
        ('config("SMTP_PORT", default=None, cast=int)', None),
        ('config("SMTP_TLS", default=None, cast=bool)', None),
        ('config("SMTP_HOST", default=None)', ""),  # no cast: None it stays
        ('config("SMTP_PORT", default=25, cast=int)', "25"),
    ],
)
def test_a_decouple_read_that_casts_a_none_default_is_required(tmp_path, read, default):
    (tmp_path / "config.py").write_text(f"from decouple import config\n\nVALUE = {read}\n")
    [settings] = environment_settings(tmp_path, [tmp_path / "config.py"])
    assert settings.fields[0].default == default


def test_a_guard_in_a_class_another_module_makes_as_it_loads_is_required(tmp_path):
    """rapid305/fastapi-redis-aggregator-jwt: its router module makes the weather client as it loads; init left API_KEY
    unset, and the import failed after a build on the client's own RuntimeError."""
    (tmp_path / "weather.py").write_text("import os\n" + WEATHER)
    (tmp_path / "router.py").write_text("from weather import WeatherClient\n\nclient = WeatherClient()\n")
    [settings] = environment_settings(tmp_path, [tmp_path / "weather.py", tmp_path / "router.py"])
    assert [(f.name, f.default) for f in settings.fields] == [("API_KEY", None)]


@pytest.mark.parametrize(
    ("code", "fields"),
    [
        # lmeniconi/fastapi-restapi: `from os import environ`; none of its reads was known, MARIADB_PORT went ungiven,
        # and the import stopped at int('None')
        (
            "from os import environ\n\nPORT = environ.get('MARIADB_PORT')\nKEY = environ['SECRET_KEY']\n",
            {"MARIADB_PORT", "SECRET_KEY"},
        ),
        ("import os\n\nPORT = os.environ.get('MARIADB_PORT', '3306')\n", {"MARIADB_PORT"}),
        ("environ = {}\nenviron['x'] = 1\n", set()),  # a store, no read
        # a WSGI environ, no os import: its keys are a request's, not settings
        ("def app(environ, start):\n    return environ['PATH_INFO'], environ.get('QUERY_STRING')\n", set()),
    ],
)
def test_the_environment_is_read_however_os_is_imported(tmp_path, code, fields):
    (tmp_path / "settings.py").write_text(code)
    found = environment_settings(tmp_path, [tmp_path / "settings.py"])
    assert {f.variable for s in found for f in s.fields} == fields
