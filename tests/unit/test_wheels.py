"""fastapi_stackops/adopt/wheels.py: which release an install with no lock gets, as the index was at the last commit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from fastapi_stackops.adopt import wheels
from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.reading import read_repository
from tests.unit.shapes import APP
from tests.utils import committed, written
from tests.utils.fake_index import Answer

LAST_COMMIT = datetime(2023, 1, 1, tzinfo=UTC)


def test_an_unlocked_repository_is_checked_for_wheels_as_of_its_last_commit(monkeypatch, tmp_path):
    """The sdist-only release of then is compiled (its extension is known), today's wheel would not be."""
    files = [
        {"filename": "psycopg2-2.9.5.tar.gz", "upload-time": "2022-11-01T00:00:00Z"},
        {"filename": "psycopg2-2.9.10-cp312-cp312-manylinux_2_17_x86_64.whl", "upload-time": "2024-10-16T00:00:00Z"},
    ]
    monkeypatch.setattr(requests.Session, "get", lambda *args, **kwargs: Answer(files))
    monkeypatch.setenv("PIP_INDEX_URL", "https://index.invalid/as-of")
    (tmp_path / "requirements.txt").write_text("psycopg2>=2.9\n")
    committed(tmp_path, "then", date="2022-12-01T00:00:00Z")
    assert wheels.without_wheels(tmp_path, "requirements", "requirements.txt", "3.12")[:3:2] == (["psycopg2==2.9.5"], {})


def test_a_locks_pins_without_file_names_are_checked_for_wheels_at_the_index(monkeypatch, tmp_path):
    """evgeny-finkin/fastapi-sqlalchemy-realworld-example: poetry's old lock lists no files (`psycopg2 = []` under
    [metadata.files]); init took psycopg2 for a wheel's, and the build failed on "pg_config executable not found"."""
    files = [{"filename": "psycopg2-2.9.5.tar.gz"}, {"filename": "psycopg2-2.9.5-cp311-cp311-win_amd64.whl"}]
    monkeypatch.setattr(requests.Session, "get", lambda *args, **kwargs: Answer(files))
    monkeypatch.setenv("PIP_INDEX_URL", "https://index.invalid/simple")
    lock = '[[package]]\nname = "psycopg2"\nversion = "2.9.5"\ncategory = "main"\n\n[metadata.files]\npsycopg2 = []\n'
    written(tmp_path, {"poetry.lock": lock})
    assert wheels.without_wheels(tmp_path, "poetry", "", "3.11")[:3:2] == (["psycopg2==2.9.5"], {})


def test_a_pin_for_other_systems_only_is_neither_compiled_nor_refused(tmp_path):
    """pywin32 in a uv lock (its markers keep it off Linux): wheels for Windows only, no source; AlbanAndrieu's lock
    had one, and init took it for a pin no builder could compile (and then failed on an empty list)."""
    (tmp_path / "uv.lock").write_text(
        'version = 1\n\n[[package]]\nname = "pywin32"\nversion = "312"\nsource = { registry = "https://pypi.org/simple" }\n'
        'wheels = [{ url = "https://files.example/pywin32-312-cp313-cp313-win_amd64.whl" }]\n'
    )
    assert wheels.without_wheels(tmp_path, "uv", "", "3.13")[:3:2] == ([], {})


POETRY_PROJECT = '[tool.poetry]\nname = "shop"\nversion = "1"\n[tool.poetry.dependencies]\npython = "^3.9"\nfastapi = "*"\n'


def poetry_lock(*pins: tuple[str, str]) -> str:
    """A poetry lock of main pins, each with a pure wheel."""
    return "".join(
        f'[[package]]\nname = "{name}"\nversion = "{version}"\ncategory = "main"\n'
        f'files = [{{file = "{name}-{version}-py3-none-any.whl", hash = "sha256:0"}}]\n\n'
        for name, version in pins
    )


@pytest.mark.parametrize(
    ("pins", "worker"),
    [
        # ninjatech-com/fastapi-docker: uvicorn 0.13.4 under gunicorn, no uvloop; its worker crash-looped at ci.
        ((("uvicorn", "0.13.4"),), wheels.H11_WORKER),
        ((("uvicorn", "0.12.0"),), wheels.H11_WORKER),
        ((("uvicorn", "0.13.4"), ("uvloop", "0.15.2"), ("httptools", "0.1.1")), wheels.UVICORN_WORKER),  # its extra's
        ((("uvicorn", "0.11.8"),), wheels.UVICORN_WORKER),  # it installed uvloop itself then
        ((("uvicorn", "0.14.0"),), wheels.UVICORN_WORKER),  # its worker falls back to asyncio
    ],
)
def test_gunicorn_runs_an_old_uvicorn_lacking_uvloop_with_its_h11_worker(tmp_path, pins, worker):
    written(
        tmp_path,
        {"pyproject.toml": POETRY_PROJECT, "poetry.lock": poetry_lock(("fastapi", "0.65.2"), ("gunicorn", "20.1.0"), *pins)},
    )
    written(tmp_path, {"main.py": APP})
    (tmp_path / "pyproject.toml").write_text(POETRY_PROJECT + 'gunicorn = "*"\nuvicorn = "*"\n')
    repo = read_repository(tmp_path)
    assert repo.gunicorn_worker == worker
    assert f'"--worker-class", "{worker}"' in dockerfile_text(repo, "/health", False)
