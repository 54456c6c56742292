"""adopt/ranges.py: the release pip would pick in a range, as poetry and PEP 440 write ranges."""

import pytest

from fastapi_stackops.adopt.ranges import allows, marked_python, newest_allowed, poetry_ranges, release, requirement_ranges

RELEASES = ["0.28.0", "0.29.0", "0.29.1", "0.30.0", "1.0.0", "1.2.0", "2.0.0", "2.1.0rc1"]


@pytest.mark.parametrize(
    ("spec", "picked"),
    [
        ("", "2.0.0"),  # no range: the newest final release, never a pre-release
        ("*", "2.0.0"),
        ("^0.29.0", "0.29.1"),  # poetry's caret below 1: the minor may not change
        ("^1.0", "1.2.0"),
        ("^0.0.3", ""),
        ("~0.29", "0.29.1"),
        ("~1", "1.2.0"),
        ("~=0.29.0", "0.29.1"),
        ("~=1.0", "1.2.0"),
        (">=0.27,<0.30", "0.29.1"),
        (">=0.27, <0.30", "0.29.1"),
        (">=0.27 <0.30", "0.29.1"),  # poetry's space-separated form
        ("==0.29.*", "0.29.1"),
        ("==0.28", "0.28.0"),
        ("!=2.0.0", "1.2.0"),
        (">1.0.0", "2.0.0"),
        ("<=1.0", "1.0.0"),
        ("1.2.0", "1.2.0"),  # poetry's bare version is exact
        ("^3.0", ""),
        (">=1 || <0.5", ""),  # an alternative is not understood: no guess
    ],
)
def test_the_release_pip_would_pick(spec, picked):
    assert newest_allowed(spec, RELEASES) == picked


def test_requirement_lines_give_their_ranges_without_options_urls_or_markers():
    lines = ["-r base.txt", "fastapi[standard]>=0.110 ; python_version >= '3.9'", "# x==1", "pkg @ https://h/p.whl", "uvicorn"]
    assert requirement_ranges(lines) == {"fastapi": ">=0.110", "uvicorn": ""}


def test_poetry_ranges_leave_out_python_optional_and_source_dependencies():
    table = {
        "python": "^3.11",
        "fastapi": "^0.111",
        "sqlalchemy": {"version": "^2.0", "extras": ["asyncio"]},
        "sentry-sdk": {"version": "^2", "optional": True},
        "lib": {"git": "https://example.invalid/lib.git"},
        "numpy": [{"version": "^1.26", "python": "<3.13"}, {"version": "^2", "python": ">=3.13"}],
    }
    assert poetry_ranges(table) == {"fastapi": "^0.111", "sqlalchemy": "^2.0"}


@pytest.mark.parametrize(
    ("spec", "allowed"),
    [
        # vladisa88/fastapi-weather: pylint 2.6.0's files require ">=3.5.*", which is no PEP 440 range; init read it as
        # 3.5 alone and refused the pin for 3.9, where pip ignores the clause and installs it.
        (">=3.5.*", None),
        ("==3.9.*", True),
        ("!=3.9.*", False),
        (">=3.10", False),
    ],
)
def test_a_wildcard_is_understood_with_equality_alone(spec, allowed):
    assert allows(spec, release("3.9")) is allowed


@pytest.mark.parametrize(
    ("line", "spec"),
    [
        # MordXD/fastapi-order-service: `poetry export`'s requirements, every pin marked for 3.12 on; init chose 3.11,
        # and pip skipped every line without a word.
        ('fastapi==0.117.1 ; python_version >= "3.12"', ">=3.12"),
        ("fastapi[standard]==0.115 ; python_full_version > '3.11'", ">=3.12"),
        ('fastapi==0.110 ; python_version == "3.13"', "==3.13.*"),
        ('fastapi==0.110 ; sys_platform == "linux"', ""),  # no Python named
        ('fastapi-users==13 ; python_version >= "3.12"', ""),  # not the framework's pin
        ("fastapi==0.110", ""),
    ],
)
def test_the_python_the_frameworks_pin_is_marked_for(line, spec):
    assert marked_python(["alembic==1.16", line]) == spec
