"""A failed command's own words, from real processes: stderr first, else stdout, else its exit code."""

import subprocess

import pytest

from fastapi_stackops.commands import last_words


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (
            "echo 'denied: requested access to the resource is denied' >&2; exit 1",
            "denied: requested access to the resource is denied",
        ),
        ("echo one >&2; echo two >&2; echo three >&2; echo four >&2; exit 1", "two three four"),
        ("echo 'said on stdout only'; exit 2", "said on stdout only"),
        ("printf '\\n\\n' >&2; exit 3", "exit 3 with no output"),
        ("exit 4", "exit 4 with no output"),
        ("printf '\\033[31mError:\\033[0m no such service\\n' >&2; exit 5", "Error: no such service"),  # coloured
    ],
)
def test_last_words(script, expected):
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True)
    assert last_words(result) == expected
