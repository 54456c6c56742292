"""fastapi_stackops/adopt/older_python.py: the next try runs an older Python the project allows when the trial shows
the pins were made before the image's Python."""

from __future__ import annotations

import pytest

from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.import_failure import Failure
from fastapi_stackops.adopt.init import Setup, framework_refused
from fastapi_stackops.adopt.older_python import python_for_a_release, python_taught
from fastapi_stackops.adopt.reading import read_repository
from tests.unit.shapes import APP
from tests.utils import written

NOT_IMPORTING = (
    "the build failed at [web builder 7/8]: stackops: fastapi 0.68.0 is installed and does not import on Python 3.11.2: "
    "ValueError: 'not' is not a valid parameter name (the whole log: /tmp/build.log)"
)
UNION = "from fastapi import FastAPI\n\napp = FastAPI()\n\n\ndef f(x: int | None): ...\n"


@pytest.mark.parametrize(
    ("requires", "code", "python", "failure", "moved"),
    [
        # IanLiuTW/python-fastapi-WeatherAPI: poetry's ^3.9, FastAPI 0.68 and pydantic 1.8 locked in 2021; on 3.11 the
        # framework installed and failed to import, and the builder's check said it was not installed at all.
        (">=3.9", APP, "", NOT_IMPORTING, "3.9"),
        (">=3.9", UNION, "", NOT_IMPORTING, None),  # 3.9 evaluates no `X | Y`
        (">=3.9", APP, "3.11", NOT_IMPORTING, None),  # --python named it
        (">=3.11", APP, "", NOT_IMPORTING, None),  # the project allows nothing older
        (
            ">=3.9",
            APP,
            "",
            NOT_IMPORTING.replace("fastapi 0.68.0 is installed and does not import on", "installed without fastapi for"),
            None,
        ),
    ],
)
def test_a_framework_that_does_not_import_moves_the_next_try_to_an_older_python(tmp_path, requires, code, python, failure, moved):
    pyproject = f'[project]\nname = "svc"\nversion = "0"\nrequires-python = "{requires}"\ndependencies = ["fastapi"]\n'
    repo = read_repository(written(tmp_path, {"pyproject.toml": pyproject, "main.py": code}), python)
    assert repo.python == (python or "3.11")
    taught = python_taught(Setup(repo, "env", False), failure)
    assert (taught.repo.python if taught else None) == moved
    if taught:
        assert (
            taught.repo.findings[0]
            .line()
            .endswith(
                "(from the trial build: FastAPI 0.68.0, as pinned, does not import on 3.11 (ValueError: 'not' is not a valid parameter name))"
            )
        )
        assert "python:3.9" in dockerfile_text(taught.repo, "/health", False)


UNCOMPILED = (
    "the build failed at [web builder 6/8]: the dependency httptools failed to build from source (its build's words, "
    "not the repository's code): httptools/parser/parser.c:212:12: fatal error: longintrepr.h: No such file or directory"
)


@pytest.mark.parametrize(("requires", "moved"), [(">=3.7", "3.9"), (">=3.11", None)])
def test_a_dependency_that_does_not_compile_moves_the_next_try_to_an_older_python(tmp_path, requires, moved):
    """tai-hatake/fastapi-mysql: poetry's `^3.7` and uvicorn `^0.11`, resolved for 3.11; httptools 0.1's C, older than
    3.11, did not compile for it, and init stopped on the build instead of trying the 3.9 the project allows."""
    pyproject = f'[project]\nname = "svc"\nversion = "0"\nrequires-python = "{requires}"\ndependencies = ["fastapi"]\n'
    repo = read_repository(written(tmp_path, {"pyproject.toml": pyproject, "main.py": APP}))
    taught = python_taught(Setup(repo, "env", False), UNCOMPILED)
    assert (taught.repo.python if taught else None) == moved
    if taught:
        assert taught.repo.findings[0].line().endswith("(from the trial build: httptools does not compile for 3.11)")


def test_a_framework_that_imports_on_no_python_here_is_refused_with_the_ways_out(tmp_path):
    """jin-wk/fastapi-api: FastAPI 0.77 and pydantic 1.9 do not import on 3.11, and `X | Y` rules 3.9 out; the
    refusal was the builder's raw line, with no way out."""
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi==0.77.1\n", "main.py": UNION}))
    said = framework_refused(repo, NOT_IMPORTING)
    assert "FastAPI 0.68.0, as pinned, does not import on Python 3.11 (ValueError: 'not' is not a valid parameter name)" in said
    assert "needs 3.10 on (`X | Y` annotations or match: main.py:6)" in said and "--python 3.10" in said
    assert framework_refused(repo, "the build failed at [web builder 6/8]: no matching distribution") == ""


@pytest.mark.parametrize(
    ("requires", "library", "message", "moved"),
    [
        # Shimo-kk/todo-nextjs-fastapi: psycopg2==2.8.6, compiled from its source for 3.11, failed as it loaded
        (">=3.8", "psycopg2 2.8.6", "initialization of _psycopg raised unreported exception", "3.9"),
        (">=3.11", "psycopg2 2.8.6", "initialization of _psycopg raised unreported exception", None),
        (">=3.8", "legacy 1.0", "/opt/venv/lib/legacy.so: undefined symbol: _PyGen_Send", "3.9"),
        # rafpang/fastapi-stripe-service: celery 4.4.7's vine imports what 3.11's inspect no longer has
        (">=3.8", "", "cannot import name 'formatargspec' from 'inspect' (/usr/lib/python3.11/inspect.py)", "3.9"),
        (">=3.8", "", "module 'collections' has no attribute 'Mapping'", "3.9"),
        (">=3.8", "", "cannot import name 'helper' from 'app.util' (/srv/app/util.py)", None),  # the app's own
        (">=3.8", "sqlalchemy 2.0.30", "Could not parse SQLAlchemy URL from string 'x'", None),  # not the Python's
        (">=3.8", "", "initialization of _psycopg raised unreported exception", None),  # not a dependency's
    ],
)
def test_a_compiled_dependency_that_does_not_load_moves_the_next_try_to_an_older_python(
    tmp_path, requires, library, message, moved
):
    pyproject = f'[project]\nname = "svc"\nversion = "0"\nrequires-python = "{requires}"\ndependencies = ["fastapi"]\n'
    repo = read_repository(written(tmp_path, {"pyproject.toml": pyproject, "main.py": APP}))
    failure = Failure("SystemError", message, "/srv/db.py", 8, library=library, python="3.11")
    taught = python_for_a_release(Setup(repo, "env", False), failure)
    assert (taught.repo.python if taught else None) == moved
    if taught:
        assert f"(from the trial start: {library or 'db.py line 8'} does not load on 3.11 (" in taught.repo.findings[0].line()
