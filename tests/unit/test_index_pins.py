"""fastapi_stackops/adopt/index_pins.py: a local version pinned from an index that does not answer here is refused
before any build, in one line; the same pin with its index answering, or a pin PyPI holds, is not."""

from __future__ import annotations

import pytest
import requests

from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.index_pins import refuse_unreached_local_pins
from tests.utils import written

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
