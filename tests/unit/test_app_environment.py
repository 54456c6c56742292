"""fastapi_stackops/adopt/app_environment.py: what the served app and its suite are given in the stack."""

from __future__ import annotations

import pytest

from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import compose_text
from tests.utils import committed, written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
#: A fixture that drops every table after its yield.
DROPS = "\n\ndef db():\n    yield\n    Base.metadata.drop_all(engine)\n"
SETTINGS = "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    DATABASE_URL: str\n"


@pytest.mark.parametrize(
    ("driver", "suite", "given"),
    [
        # mohamad-liyaghi/fastapi-todo-list: its conftest points the app at os.getenv("TEST_DATABASE_URL"), which no
        # pipeline of its own sets; init gave it "", and 29 of 31 tests failed on SQLAlchemy's make_url.
        ("asyncpg", "", "postgresql+asyncpg://app:${POSTGRES_PASSWORD}@postgres:5432/app"),
        # A suite that drops every table gets PostgreSQL's maintenance database: the app's schema stays.
        ("asyncpg", DROPS, "postgresql+asyncpg://app:${POSTGRES_PASSWORD}@postgres:5432/postgres"),
        ("aiosqlite", "", "sqlite:////var/lib/app/"),  # as the app's own
    ],
)
def test_a_database_url_only_the_suite_reads_is_the_stacks(tmp_path, driver, suite, given):
    conftest = f"import os\n\nTEST_DATABASE_URL = os.getenv('TEST_DATABASE_URL')\n{suite}"
    files = {"requirements.txt": f"fastapi\nsqlalchemy\n{driver}\npydantic-settings\npytest\n", "main.py": APP}
    files |= {"config.py": SETTINGS, "tests/conftest.py": conftest, "tests/test_app.py": "def test_x():\n    pass\n"}
    # Its committed .env names the host of its own compose file, which the stack has not.
    files |= {".env": "TEST_DATABASE_URL=postgresql+asyncpg://postgres:pw@test-database/todo_test\n"}
    tested = compose_text(read_repository(committed(written(tmp_path, files)))).split("  web-test:\n")[1]
    assert f'TEST_DATABASE_URL: "{given}' in tested, tested
