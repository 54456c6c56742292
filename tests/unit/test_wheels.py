"""fastapi_stackops/adopt/wheels.py: which release an install with no lock gets, as the index was at the last commit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fastapi_stackops.adopt import wheels
from tests.utils import committed

LAST_COMMIT = datetime(2023, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("upload_time", "there"),
    [
        ("2022-08-25T14:02:41Z", True),
        ("2022-12-31T23:59:59.123456Z", True),  # fractions of a second, as PyPI writes some
        ("2023-01-01T00:00:01Z", False),
        (None, True),  # an index without PEP 700's upload-time: the file is kept, as pip has no date to hold it to
    ],
)
def test_a_file_counts_when_it_was_uploaded_by_the_moment(upload_time, there):
    assert wheels.uploaded_by({"upload-time": upload_time}, LAST_COMMIT) is there


class Answer:
    def __init__(self, files: list[dict]):
        self.files = files

    def raise_for_status(self) -> None:
        pass

    def json(self) -> dict:
        return {"files": self.files}


@pytest.mark.parametrize(("moment", "version"), [(LAST_COMMIT, "1.1.3"), (None, "3.0.0")])
def test_an_unlocked_pick_is_the_newest_release_uploaded_by_the_last_commit(monkeypatch, moment, version):
    """greenlet 1.1.3 had no wheel for CPython 3.12, 3.0.0 has one: the check must look at the release the build gets."""
    files = [
        {"filename": "greenlet-1.1.3.tar.gz", "upload-time": "2022-08-25T14:02:41Z"},
        {"filename": "greenlet-3.0.0-cp312-cp312-manylinux_2_24_x86_64.whl", "upload-time": "2023-10-03T14:46:17Z"},
    ]
    monkeypatch.setattr(wheels.requests.Session, "get", lambda *args, **kwargs: Answer(files))
    name, picked, names = wheels.picked(f"https://index.invalid/{version}", "greenlet", ">=1", moment)
    assert (name, picked) == ("greenlet", version) and names == [f["filename"] for f in files if version in f["filename"]]


def test_an_unlocked_repository_is_checked_for_wheels_as_of_its_last_commit(monkeypatch, tmp_path):
    """The sdist-only release of then is compiled (its extension is known), today's wheel would not be."""
    files = [
        {"filename": "psycopg2-2.9.5.tar.gz", "upload-time": "2022-11-01T00:00:00Z"},
        {"filename": "psycopg2-2.9.10-cp312-cp312-manylinux_2_17_x86_64.whl", "upload-time": "2024-10-16T00:00:00Z"},
    ]
    monkeypatch.setattr(wheels.requests.Session, "get", lambda *args, **kwargs: Answer(files))
    monkeypatch.setenv("PIP_INDEX_URL", "https://index.invalid/as-of")
    (tmp_path / "requirements.txt").write_text("psycopg2>=2.9\n")
    committed(tmp_path, "then", date="2022-12-01T00:00:00Z")
    assert wheels.without_wheels(tmp_path, "requirements", "requirements.txt", "3.12")[:3:2] == (["psycopg2==2.9.5"], [])


def test_a_pin_for_other_systems_only_is_neither_compiled_nor_refused(tmp_path):
    """pywin32 in a uv lock (its markers keep it off Linux): wheels for Windows only, no source; AlbanAndrieu's lock
    had one, and init took it for a pin no builder could compile (and then failed on an empty list)."""
    (tmp_path / "uv.lock").write_text(
        'version = 1\n\n[[package]]\nname = "pywin32"\nversion = "312"\nsource = { registry = "https://pypi.org/simple" }\n'
        'wheels = [{ url = "https://files.example/pywin32-312-cp313-cp313-win_amd64.whl" }]\n'
    )
    assert wheels.without_wheels(tmp_path, "uv", "", "3.13")[:3:2] == ([], [])
