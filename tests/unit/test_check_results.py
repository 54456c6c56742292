"""fastapi_stackops/checks/results.py: a check that raises fails with its message, in one line."""

from __future__ import annotations

import tarfile

import pytest

from fastapi_stackops.checks.results import run_check


def raising(error: Exception):
    def body():
        raise error

    return body


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (AssertionError("expected 200\nmore"), "expected 200"),
        # amrit2356/template-fastapi-rest: the disk filled as an image's export was read; ci ended in a traceback
        (OSError(28, "No space left on device"), "[Errno 28] No space left on device"),
        (tarfile.ReadError("unexpected end of data"), "unexpected end of data"),
    ],
)
def test_a_check_that_raises_fails_with_its_first_line(error, said):
    result = run_check("web: no forbidden files in image", raising(error))
    assert (result.ok, result.detail) == (False, said)
