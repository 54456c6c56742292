"""fastapi_stackops/adopt/table_resets.py: an app that drops its tables as it starts, which no record outlives; and
Repository.keeps_records: a stack with nothing a record could outlive a restart in."""

from __future__ import annotations

import pytest

from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.routes import choose_routes
from fastapi_stackops.adopt.table_resets import tables_reset_at_start
from tests.unit.shapes import APP
from tests.unit.test_persistence_scenario import OPENAPI
from tests.utils import written

#: korawica-scg/fastapi-htmx-web-app's shape: a factory's startup handler drops and creates every table; persistence-
#: check wrote three users, restarted the stack, and read none back.
FACTORY_STARTUP = (
    "from fastapi import FastAPI\n\ndef create_app():\n    app = FastAPI()\n\n    @app.on_event('startup')\n"
    "    async def startup():\n        async with engine.begin() as conn:\n"
    "            await conn.run_sync(Base.metadata.drop_all)\n            await conn.run_sync(Base.metadata.create_all)\n"
    "    return app\n"
)
LIFESPAN = (
    "from fastapi import FastAPI\n\nasync def lifespan(app):\n{before}    yield\n{after}\n\napp = FastAPI(lifespan=lifespan)\n"
)


@pytest.mark.parametrize(
    ("code", "where"),
    [
        (FACTORY_STARTUP, "main.py line 9"),
        (
            LIFESPAN.format(before="    Base.metadata.drop_all(engine)\n    Base.metadata.create_all(engine)\n", after=""),
            "main.py line 4",
        ),
        # a suite's teardown beside the app's, after its yield: the data lives while the app does
        (LIFESPAN.format(before="    Base.metadata.create_all(engine)\n", after="    Base.metadata.drop_all(engine)\n"), ""),
        # only when asked: `if settings.RESET_DB:`
        (LIFESPAN.format(before="    if settings.RESET_DB:\n        Base.metadata.drop_all(engine)\n", after=""), ""),
        # a script's, run by hand, not at the app's start
        ("def reset():\n    Base.metadata.drop_all(engine)\n\nif __name__ == '__main__':\n    reset()\n", ""),
        ("@app.on_event('shutdown')\ndef bye():\n    Base.metadata.drop_all(engine)\n", ""),
    ],
)
def test_tables_dropped_as_the_app_starts_are_found_and_only_those(tmp_path, code, where):
    assert tables_reset_at_start(written(tmp_path, {"main.py": code})) == where


def test_an_app_that_drops_its_tables_as_it_starts_gets_no_persistence_scenario_and_is_told_why():
    asked = {"routes": [], "openapi_url": "/openapi.json", "docs_url": "/docs", "openapi": OPENAPI}
    assert choose_routes(asked).persistence is not None
    chosen = choose_routes(asked | {"resets": "backend/app.py line 145"})
    assert chosen.persistence is None
    assert "no persistence scenario: the app drops its tables as it starts (backend/app.py line 145)" in chosen.remarks[-1]


#: havya4125/fastapi-llm-backend's shape: tasks kept in a module's list, no database; persistence-check wrote three
#: tasks, restarted the stack, and read none back.
IN_MEMORY = "tasks = []\n\ndef create_task(task):\n    tasks.append(task)\n    return task\n"


@pytest.mark.parametrize(
    "requirements, keeps",
    [
        ("fastapi\nuvicorn\n", False),  # a list in memory
        ("fastapi\nsqlalchemy\npsycopg2-binary\n", True),  # PostgreSQL, on its volume
        ("fastapi\nsqlalchemy\n", True),  # SQLite, on the app's volume
        ("fastapi\nredis\n", True),  # Redis, on its volume
    ],
)
def test_a_stack_keeps_records_only_with_a_database_or_a_volume(tmp_path, requirements, keeps):
    files = {"requirements.txt": requirements, "main.py": APP, "tasks.py": IN_MEMORY}
    files |= (
        {"db.py": "from sqlalchemy import create_engine\nengine = create_engine('sqlite:///./app.db')\n"}
        if "sqlalchemy" in requirements
        else {}
    )
    assert read_repository(written(tmp_path, files)).keeps_records is keeps


def test_an_app_keeping_records_in_memory_gets_no_persistence_scenario_and_is_told_why():
    asked = {"routes": [], "openapi_url": "/openapi.json", "docs_url": "/docs", "openapi": OPENAPI}
    assert choose_routes(asked | {"in_memory": False}).persistence is not None
    chosen = choose_routes(asked | {"in_memory": True})
    assert chosen.persistence is None
    assert (
        chosen.remarks[-1] == "no persistence scenario: its stack has no database and no volume, so no record outlives a restart"
    )
