"""fastapi_stackops/adopt/unlocked.py: what an install with no lock leaves out, and the builder's step that does."""

from __future__ import annotations

import re
import subprocess

import pytest
import requests

from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.unlocked import resolution_date
from tests.unit.shapes import APP, lines
from tests.utils import committed, written
from tests.utils.fake_index import answering

INDEX = {
    "fastapi": [{"filename": "fastapi-0.110.0-py3-none-any.whl"}],
    "uvicorn": [{"filename": "uvicorn-0.29.0-py3-none-any.whl"}],
    "pywin32": [{"filename": "pywin32-306-cp311-cp311-win_amd64.whl"}, {"filename": "pywin32-306-cp312-cp312-win32.whl"}],
    "pywin32-ctypes": [{"filename": "pywin32_ctypes-0.2.2-py3-none-any.whl"}],
}
FROZEN_ON_WINDOWS = "fastapi==0.110.0\nPyWin32==306\npywin32-ctypes==0.2.2\nuvicorn==0.29.0\n"


def test_a_pin_with_files_for_other_systems_only_is_left_out_of_an_install_with_no_lock(monkeypatch, tmp_path):
    """Anaghjaiswar/fastapi-chat-project: a requirements file frozen on Windows pins pywin32==306, whose files are
    Windows wheels alone; pip found nothing for Linux, and the build failed 100 s in."""
    monkeypatch.setattr(requests.Session, "get", answering(INDEX))
    monkeypatch.setenv("PIP_INDEX_URL", "https://index.invalid/frozen-on-windows")
    repo = read_repository(written(tmp_path / "svc", {"main.py": APP, "requirements.txt": FROZEN_ON_WINDOWS}))
    assert repo.other_systems == ("pywin32==306",)
    assert any("pywin32==306: files for other systems only" in line for line in lines(repo))
    step = re.search(
        r"(sed -i -E '/\^.*?/Id') requirements\.txt \\\n\s+&& pip install -q --no-cache-dir -r requirements\.txt",
        dockerfile_text(repo, "/health", False),
    )
    assert step, "the builder deletes the pins for other systems before pip reads the file"
    (tmp_path / "requirements.txt").write_text(FROZEN_ON_WINDOWS)
    subprocess.run(f"{step[1]} requirements.txt", shell=True, cwd=tmp_path, check=True)
    assert (tmp_path / "requirements.txt").read_text() == "fastapi==0.110.0\npywin32-ctypes==0.2.2\nuvicorn==0.29.0\n"


def test_an_install_with_no_pin_for_other_systems_is_left_as_it_is(monkeypatch, tmp_path):
    monkeypatch.setattr(requests.Session, "get", answering(INDEX))
    monkeypatch.setenv("PIP_INDEX_URL", "https://index.invalid/linux-only")
    repo = read_repository(written(tmp_path / "svc", {"main.py": APP, "requirements.txt": "fastapi==0.110.0\n"}))
    assert repo.other_systems == () and "/Id'" not in dockerfile_text(repo, "/health", False)


@pytest.mark.parametrize(
    ("requirements", "as_of"),
    [
        # daxitpatel/fastapi-microservice-template: committed on 2022-02-23 with pins released in 2023, which a build held
        # to the commit's date could not find ("Could not find a version that satisfies the requirement aio-pika==9.1.2")
        ("aio-pika==9.1.2\nfastapi>=0.90\n", "2023-06-01T10:00:06Z"),
        ("aio-pika>=9\nfastapi>=0.90\n", "2022-02-23T12:00:00Z"),  # ranges: the commit's date holds
        ("aio-pika==8.0.0\n", "2022-02-23T12:00:00Z"),  # a pin older than the commit
    ],
)
def test_an_install_with_no_lock_resolves_as_of_its_commit_or_its_exact_pins_last_upload(
    monkeypatch, tmp_path, requirements, as_of
):
    pages = {
        "aio-pika": [
            {"filename": "aio_pika-8.0.0-py3-none-any.whl", "upload-time": "2021-12-01T00:00:00Z"},
            {"filename": "aio_pika-9.1.2.tar.gz", "upload-time": "2023-06-01T10:00:00Z"},
            {"filename": "aio_pika-9.1.2-py3-none-any.whl", "upload-time": "2023-06-01T10:00:05Z"},
        ],
        "fastapi": [{"filename": "fastapi-0.97.0-py3-none-any.whl", "upload-time": "2021-01-01T00:00:00Z"}],
    }
    monkeypatch.setattr(requests.Session, "get", answering(pages))
    monkeypatch.setenv("PIP_INDEX_URL", f"https://index.invalid/{requirements.split()[0]}")
    root = committed(written(tmp_path / "svc", {"main.py": APP, "requirements.txt": requirements}), date="2022-02-23T12:00:00Z")
    as_of_said, said = resolution_date(root, "requirements", "requirements.txt", "3.9")
    assert as_of_said == as_of
    assert ("exact pins' last upload (its last commit says 2022-02-23)" in said[0].line()) == (as_of != "2022-02-23T12:00:00Z")


@pytest.mark.parametrize(
    ("python", "as_of", "why"),
    [
        # nickAnhel/FastAPI-Weather-Service: last committed in mid-2024, its code in 3.12's syntax, built on 3.13; the
        # orjson of then, under its pinned FastAPI, had no wheel for 3.13 and failed to compile (no Rust).
        ("3.13", "2024-12-06T00:00:00Z", "when Python 3.13 had wheels (its last commit predates it)"),
        ("3.11", "2024-06-30T12:00:00Z", "its last commit"),  # a Python older than the commit: the commit's date
    ],
)
def test_a_python_released_after_the_last_commit_resolves_as_of_when_it_had_wheels(monkeypatch, tmp_path, python, as_of, why):
    monkeypatch.setattr(requests.Session, "get", answering({"fastapi": [{"filename": "fastapi-0.111.0-py3-none-any.whl"}]}))
    monkeypatch.setenv("PIP_INDEX_URL", "https://index.invalid/released-after")
    root = committed(written(tmp_path / "svc", {"main.py": APP, "requirements.txt": "fastapi\n"}), date="2024-06-30T12:00:00Z")
    as_of_said, said = resolution_date(root, "requirements", "requirements.txt", python)
    assert as_of_said == as_of and why in said[0].line()


BACKPORT = {
    "fastapi": [{"filename": "fastapi-0.110.0-py3-none-any.whl", "requires-python": ">=3.8"}],
    "backports-asyncio-runner": [
        {"filename": "backports_asyncio_runner-1.2.0-py3-none-any.whl", "requires-python": "<3.11,>=3.8"},
        {"filename": "backports_asyncio_runner-1.2.0.tar.gz", "requires-python": "<3.11,>=3.8"},
    ],
    "redis-om": [{"filename": "redis_om-0.1.0-py3-none-any.whl", "requires-python": ">=3.7,<=3.11"}],
}


@pytest.mark.parametrize(
    ("line", "code", "outcome"),
    [
        # timur3008/fastapi-booking-app: frozen on 3.10, pinning a backport for Pythons before 3.11; the build on 3.11
        # failed on "Could not find a version that satisfies the requirement backports.asyncio.runner==1.2.0".
        ("backports.asyncio.runner==1.2.0", "", "3.9"),
        ("backports.asyncio.runner==1.2.0; python_version < '3.11'", "", "3.11"),  # asked for on those Pythons alone
        ("backports.asyncio.runner==1.2.0", "def f(x: int | None): ...\n", "refused"),  # 3.9 runs no `X | Y`
        # willy-r/fastapi-payment-microservices: redis-om 0.1.0 requires <=3.11, which leaves 3.11.2 out; pip said so
        # 17 s into the build, on 3.11
        ("redis-om==0.1.0", "", "3.9"),
    ],
)
def test_a_pin_for_older_pythons_moves_the_image_to_one_or_is_refused_in_one_line(monkeypatch, tmp_path, line, code, outcome):
    monkeypatch.setattr(requests.Session, "get", answering(BACKPORT))
    monkeypatch.setenv("PIP_INDEX_URL", f"https://index.invalid/backport-{len(line)}-{len(code)}")
    files = {"main.py": APP + code, "requirements.txt": f"fastapi==0.110.0\n{line}\n"}
    if outcome == "refused":
        with pytest.raises(NotAFastAPIRepository, match=r"backports.asyncio.runner==1.2.0 pinned .* it requires Python <3.11"):
            read_repository(written(tmp_path / "svc", files))
        return
    assert read_repository(written(tmp_path / "svc", files)).python == outcome


@pytest.mark.parametrize(
    ("uploaded", "as_of"),
    [
        # zamaniamin/fastapi-shop: its index listed `install` 1.3.5 with no upload time, and pip refused the dated
        # install ("does not provide upload-time metadata"); an index with none at all (a private one) would refuse every one.
        (None, ""),
        ("2023-01-01T00:00:00Z", "2024-06-30T12:00:00Z"),
    ],
)
@pytest.mark.parametrize("pinned", ["1.3.5", "1.3.4"])  # pip reads every file of the page, not only the pinned release's
def test_an_index_with_no_upload_times_leaves_the_install_undated(monkeypatch, tmp_path, uploaded, as_of, pinned):
    file = {"filename": "install-1.3.5-py3-none-any.whl", **({"upload-time": uploaded} if uploaded else {})}
    monkeypatch.setattr(requests.Session, "get", answering({"install": [file]}))
    monkeypatch.setenv("PIP_INDEX_URL", f"https://index.invalid/undated-{bool(uploaded)}-{pinned}")
    root = committed(
        written(tmp_path / "svc", {"main.py": APP, "requirements.txt": f"install=={pinned}\n"}), date="2024-06-30T12:00:00Z"
    )
    as_of_said, said = resolution_date(root, "requirements", "requirements.txt", "3.11")
    assert as_of_said == as_of
    assert (f"no upload time for install=={pinned}" in said[0].line()) == (not uploaded)
