"""fastapi_stackops/service_tests.py: the one line a failed suite is said in."""

import pytest

from fastapi_stackops.service_tests import pytest_summary

COLOURED = "\x1b[31m====== \x1b[32m1025 passed\x1b[0m, \x1b[33m3 skipped\x1b[0m, \x1b[31m\x1b[1m7 errors\x1b[0m\x1b[31m in 30.18s\x1b[0m ======\n"


@pytest.mark.parametrize(
    ("lines", "code", "said"),
    [
        (["collected 3 items\n", "===== 1 failed, 2 passed in 0.50s =====\n"], 4, "1 failed, 2 passed in 0.50s"),
        ([COLOURED], 1, "1025 passed, 3 skipped, 7 errors in 30.18s"),  # its own settings force colour
        (["ERROR: file or directory not found: tests/\n"], 4, "ERROR: file or directory not found: tests/"),
        (["Traceback (most recent call last):\n"], 4, "exit 4"),
        # nythonore/fastapi-graphql-orm's pytest.ini: python_files = tests/**_test.py, which no file matches.
        (
            ["no tests ran in 0.00s\n"],
            5,
            "pytest collected no tests (exit 5): its testpaths and python_files, as configured, match no test",
        ),
    ],
)
def test_a_failed_suite_is_said_by_pytests_own_closing_line(lines, code, said):
    assert pytest_summary(lines, code) == said
