"""fastapi_stackops/adopt/routes.py: the built image asked for the app's routes, as the stack would start it."""

from __future__ import annotations

import json
from pathlib import Path
from subprocess import CompletedProcess
from types import SimpleNamespace

import pytest

from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.routes import ImportFailed, ask_image
from tests.utils import written

FILES = {
    "requirements.txt": "fastapi\nsqlalchemy\npsycopg2-binary\nalembic\n",
    "main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
    "alembic.ini": "[alembic]\nscript_location = migrations\n",
    "migrations/env.py": "import os\nos.environ['DATABASE_URL']\n",
    "migrations/versions/1_products.py": "revision = '1'\n",
}


@pytest.mark.parametrize(
    ("with_deps", "driver", "migrates_first"),
    [
        # irhadTTT/fastapi-product-api: main.py makes its tables at import with an index of pg_trgm's, an extension its
        # migrations create; asked with its database up and no migrations run, the import failed as the stack would not.
        (True, "psycopg2-binary", True),
        (False, "psycopg2-binary", False),  # no database to migrate
        # joaopaulordev/fastapi-real-estate-monthoya: migrations that create a table twice, on SQLite, which has no
        # server to wait on; init passed them, and inv ci stopped on a crash-loop
        (False, "aiosqlite", True),
    ],
)
def test_the_app_asked_with_its_services_up_meets_them_migrated(tmp_path: Path, with_deps, driver, migrates_first):
    ran = []

    def compose(arguments, **_):
        ran.append(arguments)
        return CompletedProcess(arguments, 1, "", "")

    repo = read_repository(written(tmp_path, FILES | {"requirements.txt": f"fastapi\nsqlalchemy\n{driver}\nalembic\n"}))
    with pytest.raises(ImportFailed):
        ask_image(SimpleNamespace(compose=compose), "web", repo, {}, with_deps=with_deps)
    command = " ".join(ran[0])
    assert ("alembic upgrade heads >&2 || { echo stackops-migrations-failed; exit 3; }; exec python" in command) is migrates_first
    assert ran[0][-7:-4] == ["main", "app", ""]  # the probe's own arguments, after its script


def test_an_app_that_exits_at_import_is_said_in_its_words_on_stderr_not_its_logs_first_line(tmp_path: Path):
    """2384830985/fastapi-production-demo logs a line on stdout, then prints what it misses on stderr and exits; the
    refusal quoted the log line, and not Compose's progress either."""
    logged, printed = "16:14:01 | INFO | logging ready\n", " Network shop_default  Created\nmissing: SECRET_KEY\n"
    ran = CompletedProcess([], 1, logged, printed)
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": FILES["main.py"]}))
    with pytest.raises(ImportFailed) as refused:
        ask_image(SimpleNamespace(compose=lambda *args, **kwargs: ran), "web", repo, {})
    assert refused.value.words == "missing: SECRET_KEY"


@pytest.mark.parametrize(("memory", "learned"), [("512m", "1g"), ("2g", "4g"), ("4g", None)])
def test_a_trial_the_kernel_killed_for_memory_learns_a_larger_limit_up_to_four_gigabytes(tmp_path: Path, memory, learned):
    """Artem817/Fastapi-image-service builds a ResNet-101 at import, over the 512m the trial ran under: the kernel's kill
    left no exception, and init refused quoting the app's last line ("Running on: cpu") with advice about --set."""
    from dataclasses import replace

    from fastapi_stackops.adopt.first_start import learned as learn
    from fastapi_stackops.adopt.init import setup_for
    from fastapi_stackops.adopt.stackfiles import compose_text

    ran = CompletedProcess([], 137, "Running on: cpu\n", "")
    repo = replace(read_repository(written(tmp_path, FILES)), memory=memory)
    with pytest.raises(ImportFailed) as refused:
        ask_image(SimpleNamespace(compose=lambda *args, **kwargs: ran), "web", repo, {})
    assert refused.value.killed and f"over its memory limit) at {memory}; it needs more memory" in str(refused.value)
    if learned is None:
        with pytest.raises(ImportFailed):
            learn(setup_for(repo, system_ca=False), refused.value, False)
        return
    taught, _ = learn(setup_for(repo, system_ca=False), refused.value, False)
    assert taught.repo.memory == learned and f"    mem_limit: {learned}\n" in compose_text(taught.repo)


def test_migrations_that_fail_before_the_probe_are_said_as_the_migrations_not_the_apps_import(tmp_path: Path):
    """mrelokusa/fastapi-news-api: its env.py reads `settings.database_url` of a field named DATABASE_URL; the refusal
    said the app could not be imported, quoting pydantic's file."""
    said = "AttributeError: 'Settings' object has no attribute 'database_url'\n"
    ran = CompletedProcess([], 3, "stackops-migrations-failed\n", f" Container x-db-1  Started\nTraceback:\n{said}")
    repo = read_repository(written(tmp_path, FILES))
    with pytest.raises(ImportFailed) as refused:
        ask_image(SimpleNamespace(compose=lambda *args, **kwargs: ran), "web", repo, {}, with_deps=True)
    assert str(refused.value).startswith("the built image failed its migrations (alembic upgrade heads) before the app")
    assert "no attribute 'database_url'" in str(refused.value) and "Container" not in str(refused.value)
    assert str(refused.value).endswith(
        "its migrations must build the schema on an empty database, as the stack's starts "
        + ("(a chain that creates a table twice fails so): run them on an empty one to see it, mend them, and commit")
    )


@pytest.mark.parametrize("after", ["", "INFO: worker stopped", '{"level": "info"}'])
def test_the_probes_report_is_read_whatever_the_app_prints_after_it_on_its_line(tmp_path: Path, after):
    # zero-ljz/fastapi-template: a thread of the app printed as the probe's report ended, on the same line; init
    # stopped on a JSONDecodeError ("Extra data"), once in two runs.
    from fastapi_stackops.adopt.app_probe import MARKER

    report = MARKER + json.dumps({"routes": ["/health"], "openapi": {}}) + after + "\n"
    ran = CompletedProcess([], 0, "booting\n" + report, "")
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": FILES["main.py"]}))
    asked = ask_image(SimpleNamespace(compose=lambda *args, **kwargs: ran), "web", repo, {})
    assert asked["routes"] == ["/health"]


@pytest.mark.parametrize(
    ("logged", "startup"),
    [
        # DiogoRibeiro7/fastapi-ml-platform: a model it trains at startup into its committed artifacts/, the error
        # caught and logged; init passed it, and inv ci's smoke stopped on the error in its log
        (
            "ERROR Baseline training failed\nOSError: [Errno 30] Read-only file system: 'artifacts/model.joblib'\n",
            {"kind": "OSError", "message": "Read-only file system: 'artifacts/model.joblib'"},
        ),
        ("INFO: Application startup complete.\n", None),
    ],
)
def test_a_write_under_the_code_the_app_logged_and_went_past_at_startup_is_what_a_failed_one_teaches(tmp_path, logged, startup):
    from fastapi_stackops.adopt.app_probe import MARKER

    ran = CompletedProcess([], 0, MARKER + json.dumps({"routes": ["/health"], "openapi": {}}) + "\n", logged)
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": FILES["main.py"]}))
    assert ask_image(SimpleNamespace(compose=lambda *args, **kwargs: ran), "web", repo, {})["startup"] == startup


@pytest.mark.parametrize(
    "logged",
    [
        # vincebout/fastapi-api: its pool, made in a `try` at import, failed to connect and was logged; the import then
        # failed on the pool's name, and init refused on that ImportError instead of asking again with the database up.
        'ERROR: connection to server at "db" (10.0.0.2), port 5432 failed: Connection refused\n',
        # nazir17/Python-FastAPI-MySQL-REST-API-Starter-main: its own retries said in its words, then an
        # UnboundLocalError of the exception it kept
        "Database connection failed. Retrying in 5 seconds... (5/5)\n",
    ],
)
def test_a_failed_connection_the_app_logged_and_went_past_at_import_is_a_server_it_did_not_reach(tmp_path: Path, logged):
    from fastapi_stackops.adopt.app_probe import FAILED

    failure = {"kind": "ImportError", "message": "cannot import name 'pool' from 'app.database'", "file": "", "line": 0}
    after = "\tIs the server running on that host and accepting TCP/IP connections?\nINFO: Connected to database\n" * 2
    ran = CompletedProcess([], 1, FAILED + json.dumps(failure) + "\n", logged + after)
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\npsycopg2\n", "main.py": FILES["main.py"]}))
    with pytest.raises(ImportFailed) as refused:
        ask_image(SimpleNamespace(compose=lambda *args, **kwargs: ran), "web", repo, {})
    assert refused.value.unreached


@pytest.mark.parametrize(
    ("url", "own_entrypoint"), [("postgresql://u:pw@localhost/shop", True), ("postgresql://u:pw@db/shop", False)]
)
def test_the_trial_runs_through_the_images_entrypoint_when_it_starts_forwards(tmp_path: Path, url, own_entrypoint):
    """AjayPulapa/python-fastapi-crud-latest: the trial replaced the entrypoint, so no forward ran, and the import failed
    on "Can't connect to MySQL server on 'localhost'"."""
    files = {
        "requirements.txt": "fastapi\npsycopg2-binary\n",
        "main.py": "import db\nfrom fastapi import FastAPI\n\napp = FastAPI()\n",
    }
    files["db.py"] = f"from sqlalchemy import create_engine\n\nengine = create_engine({url!r})\n"
    repo = read_repository(written(tmp_path, files))
    ran = []
    stack = SimpleNamespace(compose=lambda command, **kwargs: ran.append(command) or CompletedProcess([], 1, "", ""))
    with pytest.raises(ImportFailed):
        ask_image(stack, "web", repo, {})
    assert ("--entrypoint" not in ran[0]) is own_entrypoint
