"""fastapi_stackops/adopt/first_start.py: what a failed trial teaches the next one."""

from __future__ import annotations

import re
import shlex

import pytest

from fastapi_stackops.adopt.first_start import compiler_taught, learned, metadata_taught, written_where
from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.import_failure import Failure
from fastapi_stackops.adopt.init import Setup
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.routes import ImportFailed
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def learned_secrets(setup: Setup, failed: ImportFailed) -> list[str]:
    """The secrets the next try's env files generate, none when the failure teaches nothing (learned raises it again)."""
    from fastapi_stackops.adopt.app_environment import secret_variables

    try:
        return secret_variables(learned(setup, failed, False)[0].repo)
    except ImportFailed:
        return []


def taught_by(repo, failed: ImportFailed):
    """The next try's setup, or None when the failure teaches nothing (learned raises it again)."""
    try:
        return learned(Setup(repo, "env", False), failed, False)[0]
    except ImportFailed:
        return None


FAILED = "the build failed at [web builder 6/8]: the dependency hiredis failed to build from source (its build's words, not the repository's code): "


@pytest.mark.parametrize(
    ("failure", "compiled"),
    [
        # rahulreghunath/fastapi-microservice, VastaGit/fastapi-microservice-app: redis-om requires hiredis, which had no
        # wheel for 3.11 on their commits' days; no pin init read named it, the builder had no compiler, and init stopped.
        (FAILED + "error: command 'x86_64-linux-gnu-gcc' failed: No such file or directory", ("hiredis",)),
        (FAILED + "configure: error: no acceptable C compiler found in $PATH", ("hiredis",)),
        # glowing-sea/fastapi-web-dictionary: uv's build of python-lzo for 3.14, with no compiler, says it its own way
        (FAILED + "error: [Errno 2] No such file or directory: 'x86_64-linux-gnu-gcc'", ("hiredis",)),
        # Rojas-Andres/fastapi-ddd: pycurl under celery[sqs], no pin init read, wants libcurl's curl-config
        (FAILED.replace("hiredis", "pycurl") + "No such file or directory: 'curl-config'", ("pycurl",)),
        # NoelDNathan/fastapi-audit: pycairo under xhtml2pdf, an sdist alone, built by meson, which says it its own way
        (
            FAILED.replace("hiredis", "pycairo") + "Running `icx --version` gave \"[Errno 2] No such file or directory: 'icx'\"",
            ("pycairo",),
        ),
        (FAILED + "meson.build:1:0: ERROR: Unknown compiler(s): [['cc'], ['gcc'], ['clang']]", ("hiredis",)),
        # with a compiler, a dependency that does not compile is the build's own failure
        (FAILED + "src/hiredis.c:12:10: fatal error: Python.h: No such file or directory", None),
        ("the build failed at [web builder 6/8]: ERROR: No matching distribution found for nothing-here==1.0", None),
    ],
)
def test_a_dependency_that_failed_for_want_of_a_compiler_is_compiled_by_the_next_try(tmp_path, failure, compiled):
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\nredis-om\n", "main.py": APP}))
    taught = compiler_taught(Setup(repo, "env", False), failure)
    assert (taught.repo.compiled if taught else None) == compiled
    if taught:
        assert "gcc g++ libc6-dev" in dockerfile_text(taught.repo, "/health", False)
        assert compiler_taught(taught, failure) is None  # compiled already: the next failure is the build's own


REFUSED_METADATA = (
    "the build failed at [web builder 6/8]: pip refuses uvicorn==0.14.0 for metadata that is not PEP 440 "
    "(.* suffix can only be used with `==` or `!=` operators); pin a later release of it"
)


@pytest.mark.parametrize(
    ("failure", "lenient"),
    [
        # mayone-du/FastAPI-ToDo-backend: uvicorn 0.14.0's metadata requires Python ">=3.6.*", which pip 24.1 on refuses
        (REFUSED_METADATA, True),
        ("the build failed at [web builder 6/8]: ERROR: No matching distribution found for nothing-here==1.0", False),
    ],
)
def test_a_pin_whose_metadata_pip_refuses_is_installed_by_uv_on_the_next_try(tmp_path, failure, lenient):
    files = {"requirements.txt": "fastapi\nuvicorn==0.14.0\n", "requirements-dev.txt": "pytest\n", "main.py": APP}
    repo = read_repository(written(tmp_path, {**files, "tests/test_main.py": "def test_x(): ...\n"}))
    taught = metadata_taught(Setup(repo, "env", False), failure)
    assert bool(taught) is lenient
    if taught:
        text = dockerfile_text(taught.repo, "/health", False)
        assert "uv pip install -q --python /opt/venv/bin/python -r requirements.txt" in text
        assert "uv pip install -q --python /opt/venv/bin/python -r requirements-dev.txt" in text  # the tests' too
        assert "pip install -q --no-cache-dir -r" not in text
        assert metadata_taught(taught, failure) is None  # uv installs already: the next failure is the build's own


@pytest.mark.parametrize(
    ("path", "committed", "where"),
    [
        ("app.log", (), ("/srv/app.log", "")),  # a file beside the code: a link into /tmp
        ("/srv/logs/app.log", (), ("", "/srv/logs")),  # deeper down: its folder a tmpfs
        ("logs", (), ("", "/srv/logs")),  # a name with no suffix, not in the repository: a folder
        # ShahriyarR/hexagonal-fastapi-jobboard: loguru writes the file `logs`, which the repository commits; init made
        # /srv/logs a tmpfs, and the next start failed on "IsADirectoryError: [Errno 21] Is a directory: '/srv/logs'".
        ("logs", ("logs",), ("/srv/logs", "")),
        ("/srv/var/out", ("var/out",), ("", "/srv/var")),
        # Petyall/fastapi_jwt: src/logs/errors.log, beside src/logs/logger.py; a tmpfs over src/logs hid the logger,
        # and the next start failed on "No module named 'src.logs.logger'".
        ("src/logs/errors.log", ("src/logs/logger.py",), ("/srv/src/logs/errors.log", "")),
        # autumncn/fastapi_template: logs/2026-12-08_info.log, dated, beside logs/logger.py; no link catches a dated name,
        # and a tmpfs over logs/ hid the logger ("No module named 'logs.logger'"): neither, and init says why
        ("./logs/2026-12-08_info.log", ("logs/logger.py",), ("", "")),
        ("logs", ("logs/logger.py",), ("", "")),  # the folder itself, holding code
        ("/srv/data/out.log", ("data/.gitkeep",), ("", "/srv/data")),  # a placeholder alone: the folder a tmpfs
        # postgres-redis-worker (a fixture here): logs/README, a folder the image never copies; its link had no folder
        ("/srv/logs/orders.log", ("logs/README",), ("", "/srv/logs")),
        ("/srv/data/out.log", (), ("", "/srv/data")),  # a folder the repository does not hold: a tmpfs
    ],
)
def test_a_path_the_app_writes_becomes_a_link_or_a_tmpfs(tmp_path, path, committed, where):
    assert written_where(path, written(tmp_path, {name: "" for name in committed})) == where


EMAIL = "email-validator is not installed, run `pip install 'pydantic[email]'`"


@pytest.mark.parametrize(
    ("failure", "added"),
    [
        # SimranKamboj320/fastapi-job-manager, hdungng/fastapi-clean-architecture: EmailStr in a schema, and nothing
        # among the requirements installs email-validator; init refused after a build.
        (
            Failure("ImportError", EMAIL, "/srv/schemas.py", 5, root="ModuleNotFoundError: No module named 'email_validator'"),
            "email-validator",
        ),
        (Failure("ModuleNotFoundError", "No module named 'jose'", "/srv/main.py", 2, name="jose"), "python-jose"),
        (Failure("ModuleNotFoundError", "No module named 'pytz'", "/srv/main.py", 2, name="pytz"), "pytz"),
        # TNTDanh/fastapi-student-advising-booking: a Form route, and no python-multipart (its module's newer name)
        (
            Failure(
                "RuntimeError",
                'Form data requires "python-multipart"',
                "/srv/auth.py",
                9,
                root="ModuleNotFoundError: No module named 'python_multipart'",
            ),
            "python-multipart",
        ),
        # alec-ibp/fastapi-store: boto3 imported for its S3 files, and not declared
        (Failure("ModuleNotFoundError", "No module named 'boto3'", "/srv/main.py", 2, name="boto3"), "boto3"),
        # Manoj-Bhandarkar/fastapi-production-ecommerce: its products' slugs from python-slugify, never declared
        (Failure("ModuleNotFoundError", "No module named 'slugify'", "/srv/main.py", 2, name="slugify"), "python-slugify"),
        # ThanhXT2002/fastapi-music: unidecode, for its songs' slugs, never declared
        (Failure("ModuleNotFoundError", "No module named 'unidecode'", "/srv/main.py", 2, name="unidecode"), "Unidecode"),
        # GrigoriyKuzevanov/fastapi-pet-project: fastapi-cache2's module, imported for its cache, never declared
        (
            Failure("ModuleNotFoundError", "No module named 'fastapi_cache'", "/srv/main.py", 2, name="fastapi_cache"),
            "fastapi-cache2",
        ),
        # Efrengarnica/Ecommerce-FastAPI-Backend: a postgresql+asyncpg URL, and no asyncpg among its requirements
        (Failure("ModuleNotFoundError", "No module named 'asyncpg'", "/srv/app/database.py", 37, name="asyncpg"), "asyncpg"),
        (Failure("ModuleNotFoundError", "No module named 'psycopg2'", "/srv/db.py", 5, name="psycopg2"), "psycopg2-binary"),
        # gabriele-mastrapasqua/fastapi-ocr: paddle imports setuptools, which no venv of Python 3.12 and later has
        (Failure("ModuleNotFoundError", "No module named 'setuptools'", "/srv/app/main.py", 3, name="setuptools"), "setuptools"),
        (
            Failure("ModuleNotFoundError", "No module named 'pkg_resources'", "/srv/main.py", 2, name="pkg_resources"),
            "setuptools",
        ),
        # Artem817/Fastapi-image-service: psycopg 3 imported, psycopg2-binary declared
        (Failure("ModuleNotFoundError", "No module named 'psycopg'", "/srv/db.py", 19, name="psycopg"), "psycopg[binary]"),
        # nickAnhel/FastAPI-Fitness-Club: fastapi-users 13, whose SQLAlchemy tables are another package's since 10
        (
            Failure(
                "ImportError",
                "cannot import name 'SQLAlchemyBaseUserTable' from 'fastapi_users.db' "
                "(/opt/venv/lib/python3.11/site-packages/fastapi_users/db/__init__.py)",
                "/srv/src/auth/models.py",
                3,
            ),
            "fastapi-users-db-sqlalchemy",
        ),
        # hyukjuns/fastapi-restapi-server: its models on SQLModel, never declared
        (Failure("ModuleNotFoundError", "No module named 'sqlmodel'", "/srv/app/models.py", 1, name="sqlmodel"), "sqlmodel"),
        # maRT-sk/fastapi-starterpack: SQLAlchemy 2.0.36 locked, whose greenlet marker stops below Python 3.13, run on
        # 3.13 (no 3.12 here); its async engine crash-looped in ci on SQLAlchemy's own words, no chain.
        (
            Failure(
                "ValueError",
                "the greenlet library is required to use this function. No module named 'greenlet'",
                "/srv/app/core/lifecycle/lifespan.py",
                17,
            ),
            "greenlet",
        ),
        # max-johnston77/fastapi-energy-dashboard: pandas imported, never declared; refused after a build
        (Failure("ModuleNotFoundError", "No module named 'pandas'", "/srv/main.py", 2, name="pandas"), "pandas"),
        (Failure("ModuleNotFoundError", "No module named 'PIL'", "/srv/main.py", 2, name="PIL"), "Pillow"),
        # jojo3420/fastapi-notification: its config imports devtools, which its requirements file never names
        (Failure("ModuleNotFoundError", "No module named 'devtools'", "/srv/main.py", 2, name="devtools"), "devtools"),
        # martinromario55/FastAPI-Real-Estate-App: its utils import fastapi_mail, which its requirements never name
        (
            Failure("ModuleNotFoundError", "No module named 'fastapi_mail'", "/srv/main.py", 2, name="fastapi_mail"),
            "fastapi-mail",
        ),
        # bilolbek1/fastapi-pizza-delivery: its auth routes hash passwords with werkzeug, never declared
        (Failure("ModuleNotFoundError", "No module named 'werkzeug'", "/srv/auth.py", 9, name="werkzeug"), "werkzeug"),
        # a module not that well known is never guessed into a package name: the app's own to declare
        (Failure("ModuleNotFoundError", "No module named 'slowapi'", "/srv/main.py", 2, name="slowapi"), None),
        (Failure("ModuleNotFoundError", "No module named 'jose.jwt'", "/srv/main.py", 2, name="jose.jwt"), None),
    ],
)
def test_a_well_known_module_no_dependency_installs_is_added_by_the_next_try(tmp_path, failure, added):
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": APP}))
    failed = ImportFailed(repo, f"{failure.kind}: {failure.message}", failure)
    taught = taught_by(repo, failed)
    if added is None:
        assert taught is None
        return
    assert added in taught.repo.added
    assert f"pip install -q --no-cache-dir uvicorn {shlex.quote(added)}" in dockerfile_text(taught.repo, "/health", False)
    assert taught.repo.findings[-1].line().startswith(f"  adds         {added}, added to the image")


#: A model's own validator refusing it whole, in its words (pydantic 2's, with no field's line).
MODEL_REFUSED = "1 validation error for S\n  Value error, {} [type=value_error, input_value={{}}, input_type=dict]"
REFUSED_SECRET = (
    "1 validation error for Settings\nsecret_key\n  Value error, SECRET_KEY is using a weak/default value! "
    "[type=value_error, input_value=SecretStr('**********'), input_type=SecretStr]"
)


@pytest.mark.parametrize(
    ("default", "refused", "learned_as_secret"),
    [
        # seapagan/fastapi-template: secret_key defaults to a placeholder its own validator refuses ("CHANGE_ME_IN_ENV_FILE");
        # init ran it with that default, and the import failed 18 s into a build.
        ('SecretStr("CHANGE_ME_IN_ENV_FILE")', REFUSED_SECRET, True),
        ('"CHANGE_ME"', REFUSED_SECRET, True),
        (None, REFUSED_SECRET, False),  # no default: a made-up secret already, refused for another reason
        # par4d15e/fastapi_backend: a model_validator refuses the placeholder by name, its error with no field's line
        ('"CHANGE_ME"', MODEL_REFUSED.format("secret_key must not be the default placeholder"), True),
        ('"CHANGE_ME"', MODEL_REFUSED.format("the settings are wrong"), False),  # names no field: nothing to learn
    ],
)
def test_a_default_the_settings_own_validator_refuses_is_made_up_as_a_secret(tmp_path, default, refused, learned_as_secret):
    from fastapi_stackops.adopt.init import setup_for

    field = f"    secret_key: SecretStr = {default}\n" if default else "    secret_key: SecretStr\n"
    config = f"from pydantic import SecretStr\nfrom pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n{field}"
    repo = read_repository(
        written(tmp_path, {"requirements.txt": "fastapi\npydantic-settings\n", "main.py": APP, "config.py": config})
    )
    setup = setup_for(repo, system_ca=False)
    failed = ImportFailed(repo, "", Failure("ValidationError", refused, "/srv/config.py", 6))
    assert ("SECRET_KEY" in learned_secrets(setup, failed)) is learned_as_secret


#: A repository whose app, in app/, opens files at import: pyproject.toml, config/app.yaml, and casbin's model.conf.
OPENING = {
    "pyproject.toml": "[project]\nname = 'x'\ndependencies = ['fastapi']\n",
    "app/__init__.py": "",
    "app/main.py": APP,
    "config/app.yaml": "a: 1\n",
    "app/model.conf": "[r]\n",
    "app/rules/policy.csv": "p, admin\n",
}


def taught_by_a_missing_file(root, message: str) -> Setup | None:
    """What the next try learns from a FileNotFoundError at import with these words; None when it learns nothing."""
    from fastapi_stackops.adopt.init import setup_for

    repo = read_repository(root)
    failed = ImportFailed(repo, "", Failure("FileNotFoundError", message, "/srv/app/main.py", 3))
    try:
        return learned(setup_for(repo, system_ca=False), failed, False)[0]
    except ImportFailed:
        return None


@pytest.mark.parametrize(
    ("opened", "field", "made"),
    [
        # eslam5464/Fastapi-Template: its settings read the app's version from pyproject.toml at import, a file the
        # repository holds and the image never carried; init refused, saying the repository did not hold it.
        ("/srv/pyproject.toml", ("copied", "pyproject.toml"), "COPY pyproject.toml /srv/pyproject.toml\n"),
        ("/srv/config/app.yaml", ("copied", "config/app.yaml"), "COPY config/app.yaml /srv/config/app.yaml\n"),
        # 4linuxfun/Fastapi-Admin: casbin's model.conf opened as "model.conf", from where its own Dockerfile ran the
        # app (app/); the image runs it from the folder above, and init refused, saying the repository lacked it.
        ("model.conf", ("beside_app", "/srv/model.conf"), "RUN ln -s /srv/app/model.conf /srv/model.conf\n"),
        ("rules/policy.csv", ("beside_app", "/srv/rules/policy.csv"), "mkdir -p /srv/rules && ln -s /srv/app/rules/policy.csv"),
        ("/srv/absent.toml", None, ""),  # not the repository's: its own to commit
        ("absent.conf", None, ""),
    ],
)
def test_a_file_the_repository_holds_that_the_app_opens_at_import_is_in_the_image_by_the_next_try(tmp_path, opened, field, made):
    setup = taught_by_a_missing_file(written(tmp_path, OPENING), f"[Errno 2] No such file or directory: '{opened}'")
    if field is None:
        assert setup is None
        return
    assert getattr(setup.repo, field[0]) == (field[1],)
    assert made in dockerfile_text(setup.repo, "/health", False)


@pytest.mark.parametrize(
    ("message", "held", "example"),
    [
        # chenxingyuu/fastapi_template: config.ini git-ignored, config.ini.example committed; its settings raised
        # "Configuration file not found" at import, and init refused
        ("Configuration file not found: /srv/config.ini", "config.ini.example", "config.ini.example"),
        ("[Errno 2] No such file or directory: 'conf/settings.yaml'", "conf/settings.example.yaml", "conf/settings.example.yaml"),
        ("Configuration file not found: /srv/config.ini", "config.ini.bak", None),  # no example's name
    ],
)
def test_a_file_the_app_opens_at_import_that_the_repository_holds_only_an_example_of_is_that_example(
    tmp_path, message, held, example
):
    setup = taught_by_a_missing_file(written(tmp_path, OPENING | {held: "[db]\n"}), message)
    if example is None:
        assert setup is None
        return
    assert setup.repo.examples == (example,)
    dockerfile = dockerfile_text(setup.repo, "/health", False)
    assert f"COPY {example} /srv/{example}\n" in dockerfile
    assert f"ln -s /srv/{example} /srv/{example.replace('.example', '')}\n" in dockerfile


@pytest.mark.parametrize(
    ("call", "linked"),
    [
        # sokmeta/fastapi-clean-architecture: `logging.config.fileConfig("logging.conf")` of src/logging.conf, run from
        # src/; the image ran it from the folder above, where fileConfig read nothing ("KeyError: 'formatters'").
        ('logging.config.fileConfig("logging.conf")', ("/srv/logging.conf",)),
        ('open("./rules/policy.csv")', ("/srv/rules/policy.csv",)),
        ('open("config/app.yaml")', ()),  # the repository's top holds it: opened there
        ('logging.config.fileConfig("absent.conf")', ()),
    ],
)
def test_a_file_the_apps_folder_holds_that_its_code_opens_by_a_literal_path_is_linked_where_it_runs(tmp_path, call, linked):
    code = f"import logging.config\n\n{call}\n"
    # yinuo-lab/fastapi-user-service: a file of the folder no Python parses stopped init on a defect of its own
    broken = {"app/old.py": "print 'python 2'\n"}
    repo = read_repository(written(tmp_path, OPENING | broken | {"app/logs.py": code, "app/logging.conf": "[loggers]\n"}))
    assert repo.beside_app == linked
    assert all(f"ln -s /srv/app/{path[5:]} {path}" in dockerfile_text(repo, "/health", False) for path in linked)


@pytest.mark.parametrize(
    ("module", "extra"),
    [
        # eslam5464/Fastapi-Template: its cache imports redis, which only its `cache` extra installs; init refused,
        # saying no dependency installs it.
        ("redis", "cache"),
        ("redis.asyncio", "cache"),
        ("celery", "task-queue"),
        ("nowhere", None),  # no extra installs it: the app's own to declare
    ],
)
def test_a_module_only_an_extra_installs_brings_that_extra_by_the_next_try(tmp_path, module, extra):
    from fastapi_stackops.adopt.init import setup_for

    project = "[project]\nname = 'x'\nversion = '1'\ndependencies = ['fastapi']\n\n[project.optional-dependencies]\n"
    project += "cache = ['redis>=7']\ntask-queue = ['celery[redis]>=5', 'redis>=7']\n"
    lock = "version = 1\n\n[[package]]\nname = 'x'\nversion = '1'\nsource = { editable = '.' }\n"
    repo = read_repository(written(tmp_path, {"pyproject.toml": project, "uv.lock": lock, "main.py": APP}))
    failed = ImportFailed(repo, "", Failure("ModuleNotFoundError", f"No module named '{module}'", "/srv/main.py", 1, name=module))
    if extra is None:
        with pytest.raises(ImportFailed):
            learned(setup_for(repo, system_ca=False), failed, False)
        return
    setup, _ = learned(setup_for(repo, system_ca=False), failed, False)
    assert setup.repo.extras == (extra,)
    assert f"--extra {extra}" in dockerfile_text(setup.repo, "/health", False)


POETRY_GROUPS = """[tool.poetry]
name = "blog"
version = "0.1.0"

[tool.poetry.dependencies]
python = "^3.11"
fastapi = "*"

[tool.poetry.group.db.dependencies]
asyncpg = "*"

[tool.poetry.group.dev.dependencies]
pytest = "*"
fastapi-cache2 = {extras = ["redis"], version = "^0.2.1"}
"""
#: poetry.lock's shape (lock 2.0, no groups per package): redis is fastapi-cache2's, behind its redis extra.
POETRY_GROUPS_LOCK = """[[package]]
name = "fastapi-cache2"
version = "0.2.1"
optional = false
files = []

[package.dependencies]
fastapi = "*"
redis = {version = ">=4.2.0rc1,<5.0.0", optional = true}

[package.extras]
redis = ["redis (>=4.2.0rc1,<5.0.0)"]

[[package]]
name = "redis"
version = "4.6.0"
optional = false
files = []

[[package]]
name = "asyncpg"
version = "0.29.0"
optional = false
files = []

[[package]]
name = "fastapi"
version = "0.115.0"
optional = false
files = []

[metadata]
lock-version = "2.0"
"""


@pytest.mark.parametrize(
    ("module", "group"),
    [
        # Abramov0Alexandr/FastAPI-asyncpg-sqlalchemy: app/main.py imports redis, which fastapi-cache2[redis] in its dev
        # group brings; init refused, saying no dependency installs it (its own `poetry install` installs every group).
        ("redis", "dev"),
        ("nowhere", None),  # no group installs it: the app's own to declare
    ],
)
def test_a_module_only_a_poetry_group_installs_brings_that_group_by_the_next_try(tmp_path, module, group):
    from fastapi_stackops.adopt.init import setup_for

    repo = read_repository(
        written(tmp_path, {"pyproject.toml": POETRY_GROUPS, "poetry.lock": POETRY_GROUPS_LOCK, "main.py": APP})
    )
    failed = ImportFailed(repo, "", Failure("ModuleNotFoundError", f"No module named '{module}'", "/srv/main.py", 1, name=module))
    if group is None:
        with pytest.raises(ImportFailed):
            learned(setup_for(repo, system_ca=False), failed, False)
        return
    assert repo.groups == ("db",)  # as `poetry install` installs it: not optional, and no tools' group
    setup, _ = learned(setup_for(repo, system_ca=False), failed, False)
    assert setup.repo.groups == ("db", group)
    assert f"poetry export --only main,db,{group} --without-hashes" in dockerfile_text(setup.repo, "/health", False)


@pytest.mark.parametrize("generated", [{}, {"WS_MESSAGE_QUEUE": "ci-Secret0abc"}])
def test_a_variable_redis_refused_as_a_url_is_given_the_stacks_redis_whether_made_up_or_unset(tmp_path, generated):
    # brestok-1/fastapi-docker: WS_MESSAGE_QUEUE = os.getenv('WS_MESSAGE_QUEUE'), no default, handed to socketio's
    # AsyncRedisManager a line below the call's first; init was refused after a build.
    config = "import os\n\nclass Config:\n    WS_MESSAGE_QUEUE = os.getenv('WS_MESSAGE_QUEUE')\n\nsetting = Config()\n"
    views = "import socketio\nfrom config import setting\n\nmgr = socketio.AsyncRedisManager(\n    setting.WS_MESSAGE_QUEUE\n)\n"
    files = {"requirements.txt": "fastapi\nredis\npython-socketio\n", "main.py": APP, "config.py": config, "views.py": views}
    repo = read_repository(written(tmp_path, files))
    words = "ValueError: Redis URL must specify one of the following schemes (redis://, rediss://, unix://)"
    failed = ImportFailed(repo, words, Failure("ValueError", words.split(": ", 1)[1], "/srv/views.py", 4))
    taught, _ = learned(Setup(repo, "env", False), failed, False, generated)
    assert taught.repo.given["WS_MESSAGE_QUEUE"] == "redis://redis:6379/0"


@pytest.mark.parametrize(
    ("quoted", "given"),
    [
        # surajk998/fastapi-fitness-studio: `ENV: Optional[str] = None`, looked up as `{...}[env.lower()]`, its value in
        # a .env the image does not carry; init was refused on "'NoneType' object has no attribute 'lower'"
        ('{"dev": Dev, "prod": Prod}', "dev"),
        ('{"staging": Dev, "prod": Prod}', None),  # no local mode to give it: the failure stands
    ],
)
def test_a_mode_left_none_that_the_app_calls_a_str_method_on_gets_a_local_mode_its_file_quotes(tmp_path, quoted, given):
    config = "from typing import Optional\nfrom pydantic_settings import BaseSettings\n\nclass Base(BaseSettings):\n"
    config += f"    ENV: Optional[str] = None\n\nDev = Prod = Base\n\ndef get(env):\n    return {quoted}[env.lower()]()\n"
    repo = read_repository(
        written(tmp_path, {"requirements.txt": "fastapi\npydantic-settings\n", "main.py": APP, "config.py": config})
    )
    failure = Failure("AttributeError", "'NoneType' object has no attribute 'lower'", "/srv/config.py", 9)
    failed = ImportFailed(repo, f"{failure.kind}: {failure.message}", failure)
    taught = taught_by(repo, failed)
    assert (taught.repo.given if taught else None) == ({"ENV": given} if given else None)


@pytest.mark.parametrize(
    ("words", "installed"),
    [
        # gabriele-mastrapasqua/fastapi-ocr: paddlepaddle's wheel loads OpenMP, which it does not vendor; init refused
        # after a build with advice about --set
        ("ImportError: libgomp.so.1: cannot open shared object file: No such file or directory", "libgomp1"),
        ("ImportError: libcuda.so.1: cannot open shared object file: No such file or directory", None),  # not Debian's to give
    ],
)
def test_a_shared_library_a_wheel_loads_and_lacks_is_installed_by_the_next_try(tmp_path, words, installed):
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": APP}))
    failure = Failure("ImportError", words.split(": ", 1)[1], "/srv/main.py", 3)
    failed = ImportFailed(repo, words, failure)
    taught = taught_by(repo, failed)
    if installed is None:
        assert taught is None
        return
    assert taught.repo.libraries == (installed,)
    assert f"apt-get install -y --no-install-recommends {installed}" in dockerfile_text(taught.repo, "/health", False)


@pytest.mark.parametrize(
    ("folders", "given"),
    [
        # CoolichWithYou/fastapi-portfolio-template: StaticFiles(directory=settings.STATIC_DIRECTORY), required; the
        # made-up value was made an empty folder of that name in the image, which the ci env file's own value missed
        (["static/app.css"], "static"),
        (["assets/app.css"], "/tmp"),  # no folder its name names: one every image has
    ],
)
def test_a_made_up_value_the_app_looks_for_as_a_folder_gets_the_folder_its_name_names(tmp_path, folders, given):
    config = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    STATIC_DIRECTORY: str\n"
    files = {"requirements.txt": "fastapi\npydantic-settings\n", "main.py": APP, "config.py": config}
    repo = read_repository(written(tmp_path, files | dict.fromkeys(folders, "")))
    words = "RuntimeError: Directory 'ci-Secret03ba168f2b480e07654bd99' does not exist"
    failed = ImportFailed(repo, words, Failure("RuntimeError", words.split(": ", 1)[1], "/srv/main.py", 9))
    taught, _ = learned(Setup(repo, "env", False), failed, False, {"STATIC_DIRECTORY": "ci-Secret03ba168f2b480e07654bd99"})
    assert taught.repo.given == {"STATIC_DIRECTORY": given} and taught.repo.folders == ()


@pytest.mark.parametrize(
    ("words", "learned_as_secret"),
    [
        # Zirubihara/example_fastapi_app: a plain config class reads SECRET_KEY with no default, and its own check
        # raised over a loop of names; the failing line names none, and init refused after a build.
        ("Missing required configuration settings: SECRET_KEY", True),
        ("Missing required configuration settings", False),  # its words name none: nothing to learn
    ],
)
def test_a_name_the_apps_own_check_says_is_missing_that_its_file_reads_with_no_default_is_made_up(
    tmp_path, words, learned_as_secret
):
    from fastapi_stackops.adopt.init import setup_for

    config = (
        "import os\n\nclass Config:\n    SECRET_KEY = os.getenv('SECRET_KEY')\n\n    @classmethod\n    def check(cls):\n"
        "        missing = [k for k, v in {'SECRET_KEY': cls.SECRET_KEY}.items() if not v]\n"
        "        if missing:\n            raise ValueError('Missing required configuration settings: ' + ', '.join(missing))\n"
    )
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": APP, "config.py": config}))
    setup = setup_for(repo, system_ca=False)
    failed = ImportFailed(repo, words, Failure("ValueError", words, "/srv/config.py", 10))
    assert ("SECRET_KEY" in learned_secrets(setup, failed)) is learned_as_secret


@pytest.mark.parametrize("kind", ["TokenValidationError", "TypeError"])
def test_a_read_with_no_default_a_library_refuses_as_none_is_made_up_in_the_shape_it_checks(tmp_path, kind):
    """regxb/fastapi_project: `Bot(token=BOT_TOKEN)`, of `BOT_TOKEN = os.environ.get("BOT_TOKEN")` in another module;
    aiogram refused None in its own words, and init refused after a build."""
    from fastapi_stackops.adopt.stackfiles import env_texts

    files = {
        "requirements.txt": "fastapi\naiogram\n",
        "main.py": APP,
        "config.py": "import os\n\nBOT_TOKEN = os.environ.get('BOT_TOKEN')\n",
        "bot.py": "from aiogram import Bot\n\nfrom config import BOT_TOKEN\n\nbot = Bot(token=BOT_TOKEN)\n",
    }
    repo = read_repository(written(tmp_path, files))
    words = "Token is invalid! It must be 'str' type instead of <class 'NoneType'> type."
    setup = taught_by(repo, ImportFailed(repo, words, Failure(kind, words, "/srv/bot.py", 5)))
    ci = env_texts(setup.repo, "env", False, {})["env/ci.env.docker"]
    assert re.search(r"^BOT_TOKEN=\d{10}:[A-Za-z0-9_-]{35}$", ci, re.M), ci  # aiogram's own check


def test_a_file_linked_into_tmp_deeper_than_the_code_gets_its_folder_made_first(tmp_path):
    # Petyall/fastapi_jwt: src/logs/errors.log, beside the module src/logs/logger.py; a folder of code the image may not
    # copy (one the app never imports) has no folder for the link, and `ln` failed the build.
    from dataclasses import replace

    from fastapi_stackops.adopt.made_in_image import links

    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": APP}))
    made = links(replace(repo, linked=("/srv/app.log", "/srv/src/logs/errors.log")))
    assert (
        "RUN ln -sf /tmp/app.log /srv/app.log && mkdir -p /srv/src/logs && ln -sf /tmp/errors.log /srv/src/logs/errors.log\n"
        in made
    )
