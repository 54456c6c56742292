"""fastapi_stackops/adopt/index_pins.py: a local version pinned from an index that does not answer here is refused
before any build, in one line; the same pin with its index answering, or a pin PyPI holds, is not. So is a pin whose
version clauses lack their comma, and an exact pin of a release the index no longer holds."""

from __future__ import annotations

import re

import pytest
import requests

from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.index_pins import (
    refuse_undecodable,
    refuse_unheld_pins,
    refuse_unreached_index,
    refuse_unreached_local_pins,
    refuse_unseparated_clauses,
)
from fastapi_stackops.adopt.package_index import unheld
from tests.utils import written
from tests.utils.fake_index import answering

# TamerOnLine/repo-fastapi-uploads: `torch==2.6.0+cu124` from `--extra-index-url https://download.pytorch.org/whl/cu124`,
# which does not answer here; pip saw PyPI's releases alone, and the trial build stopped on "Could not find a version".
TORCH = "--extra-index-url https://download.pytorch.org/whl/cu124\ntorch==2.6.0+cu124 ; platform_system == 'Linux'\nfastapi\n"


def heads(monkeypatch, answers: bool) -> list[str]:
    asked = []

    def head(url, timeout):
        asked.append(url)
        if not answers:
            raise requests.ConnectionError(url)

    monkeypatch.setattr(requests, "head", head)
    return asked


@pytest.mark.parametrize(
    ("files", "answers", "refused"),
    [
        (
            {"requirements.txt": TORCH},
            False,
            "torch==2.6.0+cu124 is a local version, which https://download.pytorch.org/whl/cu124",
        ),
        ({"requirements.txt": TORCH}, True, ""),  # where the index answers, pip finds it
        ({"requirements.txt": "-r base.txt\nfastapi\n", "base.txt": TORCH}, False, "pin the release PyPI has (torch==2.6.0)"),
        ({"requirements.txt": "--extra-index-url https://example.org/simple\ntorch==2.6.0\nfastapi\n"}, False, ""),
    ],
)
def test_a_local_version_of_an_index_that_does_not_answer_is_refused_in_one_line(tmp_path, monkeypatch, files, answers, refused):
    asked = heads(monkeypatch, answers)
    root = written(tmp_path, files)
    if refused:
        with pytest.raises(NotAFastAPIRepository, match=r"^requirements\.txt: ") as raised:
            refuse_unreached_local_pins(root, "requirements.txt")
        assert refused in str(raised.value) and "\n" not in str(raised.value)
    else:
        refuse_unreached_local_pins(root, "requirements.txt")
    assert asked == (["https://download.pytorch.org/whl/cu124"] if "+cu124" in str(files) else [])


@pytest.mark.parametrize(
    ("requirements", "refusal"),
    [
        # vitorcarareto/FastAPI-Movies-API: refused after a 73 s build, on pip's "Invalid requirement ... Expected comma"
        (
            "fastapi\nbcrypt>=3.2.0<3.3.0  # hashing\n",
            "requirements.txt line 2: bcrypt>=3.2.0<3.3.0  # hashing has two version clauses with no comma between them, "
            "which pip refuses: write bcrypt>=3.2.0,<3.3.0",
        ),
        ("fastapi\nuvicorn[standard] >= 0.1 < 0.2 ; python_version >= '3.8'\n", "write uvicorn[standard]>=0.1,<0.2"),
        ("fastapi\nbcrypt>=3.2.0,<3.3.0\nhttpx==0.27 ; python_version<'3.13'\n", ""),  # a comma; a marker's own operator
        ("fastapi\n-r base.txt\n", "base.txt line 1: pydantic>=2<3"),  # a file it includes
        # kumarshivesh/fastapi-real-estate-management: the command that wrote the file, in the file; its build failed
        ("fastapi\npip freeze > requirements.txt\n", "requirements.txt line 2: pip freeze > requirements.txt is no requirement"),
        ("fastapi uvicorn\n", "requirements.txt line 1: fastapi uvicorn is no requirement"),
        # ITmrHoang/FastAPI_JWT_Prototyping: `httpx=0.27.0`; the trial build stopped on pip's "Invalid requirement"
        (
            "fastapi\nhttpx=0.27.0\n",
            "requirements.txt line 2: httpx=0.27.0 pins with one =, which pip refuses: write httpx==0.27.0",
        ),
        ("fastapi\nhttpx===0.27.0\nuvicorn~=0.30\n", ""),  # arbitrary equality, a compatible release: pip's own
        ("fastapi\nrequests @ https://example.org/r.whl\nuvicorn (>=0.1)\nhttpx ; python_version<'3.13'\n", ""),
    ],
)
def test_a_pin_whose_version_clauses_lack_their_comma_is_refused_before_any_build(tmp_path, requirements, refusal):
    written(tmp_path, {"requirements.txt": requirements, "base.txt": "pydantic>=2<3\n"})
    if not refusal:
        refuse_unseparated_clauses(tmp_path, "requirements.txt")
        return
    with pytest.raises(NotAFastAPIRepository, match=re.escape(refusal)):
        refuse_unseparated_clauses(tmp_path, "requirements.txt")


@pytest.mark.parametrize(
    ("requirements", "refusal"),
    [
        # azzan-amin-97/fastapi-email-server-project: `install==1.3.4`, where the index lists 1.3.5 alone; its trial
        # build stopped on pip's "does not provide upload-time metadata", and would have stopped on "Could not find a version"
        ("fastapi==0.68.1\ninstall==1.3.4\n", "install==1.3.4 is a release the package index no longer holds (the newest"),
        ("fastapi==0.68.1\ninstall==1.3.5\n", ""),
        ("fastapi==0.68.1.0\ninstall>=1.3\n", ""),  # 0.68.1.0 is 0.68.1; a range is pip's to resolve
        ("--extra-index-url https://example.org/simple\ninstall==1.3.4\n", ""),  # an index of its own may hold it
        # ronynor1/FastAPI-MarketPlace's freeze: a system's own package no index lists (pip: "from versions: none")
        ("fastapi==0.68.1\ncustomtool==0.5.2\n", "customtool==0.5.2 is no package the package index lists: take it out"),
        ("fastapi==latest_version\n", "fastapi==latest_version names no version (pip refuses it): pin one, fastapi==0.68.1"),
    ],
)
def test_a_pin_of_a_release_the_index_no_longer_holds_is_refused_before_any_build(tmp_path, monkeypatch, requirements, refusal):
    pages = {"install": [{"filename": "install-1.3.5-py3-none-any.whl"}], "customtool": None}
    monkeypatch.setattr(requests.Session, "get", answering(pages | {"fastapi": [{"filename": "fastapi-0.68.1.tar.gz"}]}))
    monkeypatch.setenv("PIP_INDEX_URL", f"https://index.invalid/unheld-{len(requirements)}")
    written(tmp_path, {"requirements.txt": requirements})
    if not refusal:
        refuse_unheld_pins(tmp_path, "requirements.txt")
        return
    with pytest.raises(NotAFastAPIRepository, match=re.escape(refusal)) as raised:
        refuse_unheld_pins(tmp_path, "requirements.txt")
    assert str(raised.value).endswith(("pin one it holds, install==1.3.5", "take it out", "fastapi==0.68.1"))


@pytest.mark.parametrize(
    ("dated", "newest"),
    [
        (True, "1.10.0"),  # uploaded last, though a page sorted by file name lists it first
        (False, "1.9.0"),  # no upload times: the page's own last
    ],
)
def test_the_newest_release_a_refusal_names_is_the_one_uploaded_last(monkeypatch, dated, newest):
    files = [("install-1.10.0-py3-none-any.whl", "2023-05-01T00:00:00Z"), ("install-1.9.0.tar.gz", "2021-05-01T00:00:00Z")]
    page = [{"filename": name} | ({"upload-time": moment} if dated else {}) for name, moment in files]
    monkeypatch.setattr(requests.Session, "get", answering({"install": page}))
    assert unheld(f"https://index.invalid/newest-{dated}", {"install": "==1.3.4"}) == [("install==1.3.4", newest)]


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        # KrupaR026/fastapi_postgresql_crud: PowerShell's UTF-16 freeze with a line added after it an odd byte long;
        # the trial build stopped on pip's own UnicodeDecodeError
        (
            "fastapi==0.110.0\r\n".encode("utf-16") + b"pre-commit\n",
            "does not decode as UTF-16-LE, as its byte-order mark says",
        ),
        ("fastapi==0.110.0\r\n".encode("utf-16"), ""),  # whole: pip reads UTF-16 by its mark
        (b"fastapi\n# caf\xe9\n", "requirements.txt does not decode as UTF-8 (invalid continuation byte at byte 13)"),
        ("fastapi\n# café\n".encode(), ""),
    ],
)
def test_a_requirements_file_pip_cannot_decode_is_refused_before_any_build(tmp_path, data, refusal):
    (tmp_path / "requirements.txt").write_bytes(data)
    if not refusal:
        refuse_undecodable(tmp_path, "requirements.txt")
        return
    with pytest.raises(NotAFastAPIRepository, match=re.escape(refusal)):
        refuse_undecodable(tmp_path, "requirements.txt")


@pytest.mark.parametrize(
    ("requirements", "answers", "refused"),
    [
        # qianxunslimg/my_fastapi_service: `--index-url` a regional mirror of PyPI that does not answer here; pip found
        # no release of fastapi ("from versions: none") after a build
        (
            "--index-url https://mirror.example/simple\nfastapi\n",
            False,
            "requirements.txt line 1: the index https://mirror.example/simple",
        ),
        ("-i https://mirror.example/simple\nfastapi\n", True, ""),  # it answers: pip installs from it
        ("--extra-index-url https://mirror.example/simple\nfastapi\n", False, ""),  # beside PyPI, which answers
    ],
)
def test_an_index_a_requirements_file_installs_everything_from_that_does_not_answer_is_refused(
    tmp_path, monkeypatch, requirements, answers, refused
):
    heads(monkeypatch, answers)
    written(tmp_path, {"requirements.txt": requirements})
    if not refused:
        refuse_unreached_index(tmp_path, "requirements.txt")
        return
    with pytest.raises(NotAFastAPIRepository, match=re.escape(refused)):
        refuse_unreached_index(tmp_path, "requirements.txt")
