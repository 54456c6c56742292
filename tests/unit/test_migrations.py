"""fastapi_stackops/adopt/migrations.py: which migrations run before the app starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_stackops.adopt.build_context import code_paths
from fastapi_stackops.adopt.image import start_command
from fastapi_stackops.adopt.reading import read_repository
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
INI = "[alembic]\nscript_location = migration\nprepend_sys_path = .\n"


def revisions(folder: str) -> dict[str, str]:
    """A migrations folder with its env.py and one revision."""
    return {f"{folder}/env.py": "", f"{folder}/versions/0001_tables.py": "revision = '0001'\n"}


@pytest.mark.parametrize(
    ("files", "command"),
    [
        # JustGevorg/fastapi-crud: src/db/alembic.ini, its migrations beside it; init ran none, and the app's first
        # write answered 500 on a database without tables.
        ({"src/db/alembic.ini": INI, **revisions("src/db/migration")}, "env -C src/db alembic upgrade heads"),
        ({"alembic.ini": INI, **revisions("migration")}, "alembic upgrade heads"),  # at the top, as ever
        ({"src/db/alembic.ini": INI}, ""),  # its migrations folder never committed
        ({"tests/db/alembic.ini": INI, **revisions("tests/db/migration")}, ""),  # a suite's own
        # lining4069/fastapi-backend: `alembic init`'s scaffold, env.py alone and its URL the template's driver://;
        # init ran it, and the server crash-looped on "Can't load plugin: sqlalchemy.dialects:driver".
        ({"alembic.ini": INI, "migration/env.py": ""}, ""),
        ({"src/db/alembic.ini": INI, "src/db/migration/env.py": ""}, ""),
    ],
)
def test_an_alembic_ini_in_a_folder_of_the_code_runs_from_that_folder(tmp_path: Path, files, command):
    files = {"requirements.txt": "fastapi\nalembic\n", "src/__init__.py": "", "src/main.py": APP, **files}
    repo = read_repository(written(tmp_path, files))
    assert repo.migrations == command
    if command.startswith("env -C"):  # a plain command (the contract's upgrade runs with no shell), then the server
        assert start_command(repo)[2].startswith("env -C src/db alembic upgrade heads && exec ")
        assert "src" in code_paths(repo)
