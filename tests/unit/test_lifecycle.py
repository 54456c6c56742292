"""Explaining a failed start: which log lines are errors."""

import pytest

from stackops.lifecycle import error_lines


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        (
            '{"level": "INFO", "message": "ok"}\n{"level": "ERROR", "message": "migration failed: boom"}\n',
            ['{"level": "ERROR", "message": "migration failed: boom"}'],
        ),
        ('{"level": "CRITICAL", "message": "x"}\n', ['{"level": "CRITICAL", "message": "x"}']),
        (
            "2026-11-21 UTC [1] FATAL:  password authentication failed\n",
            ["2026-11-21 UTC [1] FATAL:  password authentication failed"],
        ),
        ('{"level": "INFO", "message": "fine"}\n', []),
        ("", []),
    ],
)
def test_error_lines(log, expected):
    assert error_lines(log) == expected


def test_error_lines_keeps_the_last_ones():
    log = "\n".join(f'{{"level": "ERROR", "message": "e{i}"}}' for i in range(10))
    assert [line[-5:-2] for line in error_lines(log, limit=3)] == ['"e7', '"e8', '"e9']
