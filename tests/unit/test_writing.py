"""fastapi_stackops/adopt/writing.py: what init changes in files the repository has already."""

from __future__ import annotations

import pytest

from fastapi_stackops import StackError
from fastapi_stackops.adopt.writing import IGNORED, gitignore_change


@pytest.mark.parametrize(
    "encoding",
    [
        # gt-codes04/fastapi-user-calculation-app: a UTF-16 .gitignore (git read none of it, and .venv was committed);
        # init stopped on a UnicodeDecodeError traceback.
        "utf-16",
        "utf-8-sig",
        "utf-8",
    ],
)
def test_a_gitignore_is_read_in_its_encoding_and_written_back_as_utf8_with_nothing_lost(tmp_path, encoding):
    (tmp_path / ".gitignore").write_bytes(".venv/\n# café\n".encode(encoding))
    change = gitignore_change(tmp_path)
    assert change.status == "updated" and change.text.startswith(".venv/\n# café\n")
    assert all(line in change.text.splitlines() for line in IGNORED)


def test_a_gitignore_in_no_text_encoding_is_refused_in_one_line(tmp_path):
    (tmp_path / ".gitignore").write_bytes(b".venv/\n\xc3\x28\n")
    with pytest.raises(StackError, match=r"^\.gitignore is neither UTF-8 nor UTF-16 text: save it as UTF-8"):
        gitignore_change(tmp_path)
