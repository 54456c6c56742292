"""fastapi_stackops/adopt/package_index.py: which release an install with no lock gets, as the index was at the last
commit, and what a source distribution names to build with."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest

from fastapi_stackops.adopt import package_index
from tests.utils.fake_index import Answer, answering, sdist

LAST_COMMIT = datetime(2023, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def nothing_remembered():
    """Each test's index answers anew: the lookups are remembered for a whole init."""
    for lookup in (package_index.index_files, package_index.index_releases, package_index.build_requirements):
        lookup.cache_clear()


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
    assert package_index.uploaded_by({"upload-time": upload_time}, LAST_COMMIT) is there


@pytest.mark.parametrize(("moment", "version"), [(LAST_COMMIT, "1.1.3"), (None, "3.0.0")])
def test_an_unlocked_pick_is_the_newest_release_uploaded_by_the_last_commit(monkeypatch, moment, version):
    """greenlet 1.1.3 had no wheel for CPython 3.12, 3.0.0 has one: the check must look at the release the build gets."""
    files = [
        {"filename": "greenlet-1.1.3.tar.gz", "upload-time": "2022-08-25T14:02:41Z"},
        {"filename": "greenlet-3.0.0-cp312-cp312-manylinux_2_24_x86_64.whl", "upload-time": "2023-10-03T14:46:17Z"},
    ]
    monkeypatch.setattr(package_index.requests.Session, "get", lambda *args, **kwargs: Answer(files))
    name, picked, names = package_index.picked(f"https://index.invalid/{version}", "greenlet", ">=1", moment)
    assert (name, picked) == ("greenlet", version) and names == [f["filename"] for f in files if version in f["filename"]]


def zipped(top: str, files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(f"{top}/{name}", text)
    return out.getvalue()


MATURIN = '[build-system]\nrequires = ["maturin>=1,<2"]\nbuild-backend = "maturin"\n'


@pytest.mark.parametrize(
    ("filename", "archive", "named"),
    [
        ("uuid_utils-0.9.0.tar.gz", sdist("uuid_utils-0.9.0", {"pyproject.toml": MATURIN}), ("maturin>=1,<2", "maturin")),
        ("uuid_utils-0.9.0.zip", zipped("uuid_utils-0.9.0", {"pyproject.toml": MATURIN}), ("maturin>=1,<2", "maturin")),
        # a pyproject.toml below the top is a test's or a vendored crate's, not the sdist's
        ("uuid_utils-0.9.0.tar.gz", sdist("uuid_utils-0.9.0", {"tests/pyproject.toml": MATURIN}), ("",)),
        ("uuid_utils-0.9.0.tar.gz", sdist("uuid_utils-0.9.0", {"setup.py": "setup()"}), ("",)),
    ],
)
def test_an_sdist_is_read_for_what_its_pyproject_names_to_build_with(monkeypatch, filename, archive, named):
    """uuid-utils 0.9.0 has no wheel for CPython 3.13 and builds with maturin: ChouYuJung's build failed fetching Rust."""
    page = [{"filename": filename, "url": f"../../packages/{filename}"}]
    monkeypatch.setattr(package_index.requests.Session, "get", answering(page, {f"/packages/{filename}": archive}))
    assert package_index.build_requirements(f"https://index.invalid/{filename}", "uuid-utils", filename) == named


def test_an_sdist_the_index_does_not_list_names_nothing(monkeypatch):
    monkeypatch.setattr(package_index.requests.Session, "get", answering([]))
    assert package_index.build_requirements("https://index.invalid/unlisted", "uuid-utils", "uuid_utils-0.9.0.tar.gz") == ()
