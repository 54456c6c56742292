"""fastapi_stackops/adopt/wheels.py: which release an install with no lock gets, as the index was at the last commit."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from fastapi_stackops.adopt import wheels
from tests.utils import committed
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


def test_a_pin_for_other_systems_only_is_neither_compiled_nor_refused(tmp_path):
    """pywin32 in a uv lock (its markers keep it off Linux): wheels for Windows only, no source; AlbanAndrieu's lock
    had one, and init took it for a pin no builder could compile (and then failed on an empty list)."""
    (tmp_path / "uv.lock").write_text(
        'version = 1\n\n[[package]]\nname = "pywin32"\nversion = "312"\nsource = { registry = "https://pypi.org/simple" }\n'
        'wheels = [{ url = "https://files.example/pywin32-312-cp313-cp313-win_amd64.whl" }]\n'
    )
    assert wheels.without_wheels(tmp_path, "uv", "", "3.13")[:3:2] == ([], {})
