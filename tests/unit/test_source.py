"""fastapi_stackops/adopt/source.py: what the repository's Python says of itself, read before any build."""

from __future__ import annotations

import pytest

from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.source import import_case_mismatch, made_engines, python_files
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


@pytest.mark.parametrize(
    ("files", "said"),
    [
        # W4t3rss/fastapi-backend-template: app/Middlewares/ imported as app.middlewares, found on macOS only; init
        # built the image and then said the module was missing, 33 s in.
        (
            {"app/main.py": "from app.middlewares.log import x\n" + APP, "app/Middlewares/log.py": "x = 1\n"},
            "app/main.py line 1 imports app.middlewares.log, but the repository holds app/Middlewares",
        ),
        (
            {"app/main.py": "import app.Config\n" + APP, "app/config.py": ""},
            "app/main.py line 1 imports app.Config, but the repository holds app/config.py",
        ),
        (
            {"src/svc/main.py": "from svc.Routes import r\n" + APP, "src/svc/routes.py": ""},
            "src/svc/main.py line 1 imports svc.Routes, but the repository holds svc/routes.py",
        ),
        ({"app/main.py": "from app.middlewares.log import x\n" + APP, "app/middlewares/log.py": "x = 1\n"}, ""),  # exact
        ({"app/main.py": "from Fastapi import x\n" + APP, "fastapi_helpers.py": ""}, ""),  # not the repository's module
        ({"app/main.py": "from app.missing import x\n" + APP}, ""),  # missing in every case: said after the build
    ],
)
def test_an_import_of_the_repositorys_own_module_in_another_case_is_found(tmp_path, files, said):
    assert import_case_mismatch(written(tmp_path, files)) == said


def test_a_repository_importing_its_own_module_in_another_case_is_refused_before_any_build(tmp_path):
    files = {
        "requirements.txt": "fastapi\n",
        "app/main.py": "from app.middlewares import log\n" + APP,
        "app/Middlewares/log.py": "",
    }
    with pytest.raises(NotAFastAPIRepository, match=r"holds app/Middlewares: the names differ in case, which Linux"):
        read_repository(written(tmp_path, files))


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("app/db.py", True),
        ("app/contest.py", True),
        ("tests/helpers.py", False),
        ("app/test_db.py", False),
        # bartektrybala/fastapi-postgres-template: its e2e suite's own database at localhost, in
        # src/tests_e2e/conftest.py, was refused as the app's, before any build.
        ("src/tests_e2e/conftest.py", False),
        ("src/integration_tests/db.py", False),
        ("conftest.py", False),
        # common-47-git/fastapi-web-library: its settings in the package backend/env/ (an __init__.py beside), read
        # as a virtual environment's; init set none of them
        ("backend/env/config.py", True),
        ("env/lib/site.py", False),  # an environment: no __init__.py
    ],
)
def test_the_repositorys_own_code_leaves_its_tests_out(tmp_path, path, kept):
    written(tmp_path, {path: "x = 1\n", "backend/env/__init__.py": ""})
    assert (tmp_path / path in list(python_files(tmp_path))) == kept


def test_a_module_saved_with_a_byte_order_mark_is_read_as_python_imports_it(tmp_path):
    # KamranYsupov/FastAPI-JWT: config.py began with a BOM; init read no settings from it, made up no value for its
    # required fields, and the app could not import.
    config = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    secret_key: str\n"
    written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": APP})
    (tmp_path / "config.py").write_text("\ufeff" + config, encoding="utf-8")
    repo = read_repository(tmp_path)
    assert repo.settings and [f.name for f in repo.settings.required] == ["secret_key"]


def test_a_folder_named_like_a_module_is_no_file_of_its_code(tmp_path):
    # leksBezdar/DDD-fastapi-auth: app/application/api/dependecies.py/ is a folder (its modules inside); init read it
    # as a file and stopped on IsADirectoryError, a traceback.
    written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": APP, "api/dependecies.py/auth.py": "x = 1\n"})
    assert list(python_files(tmp_path)) == [tmp_path / "api/dependecies.py/auth.py", tmp_path / "main.py"]
    assert read_repository(tmp_path).app.reference == "main:app"


@pytest.mark.parametrize(
    ("code", "engines"),
    [
        ("from sqlalchemy.ext.asyncio import create_async_engine\ne = create_async_engine(URL)\n", (True, False)),
        ("from sqlalchemy import create_engine\ne = create_engine(URL)\n", (False, True)),
        # Resheba/fastapi-simple: a library makes the engine (alchemynger's AsyncManager), the app opens its sessions;
        # init gave a bare sqlite URL, and the migrations' async engine refused pysqlite at ci.
        (
            "from sqlalchemy.ext.asyncio import AsyncSession\nfrom alchemynger import AsyncManager\nm = AsyncManager(path=URL)\n",
            (True, False),
        ),
        ("import os\n", (False, False)),
    ],
)
def test_the_engines_the_code_makes_or_opens_sessions_of(tmp_path, code, engines):
    assert made_engines(written(tmp_path, {"db.py": code})) == engines
