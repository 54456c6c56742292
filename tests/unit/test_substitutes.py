import pytest

from fastapi_stackops import StackError
from fastapi_stackops.substitutes import DEBIAN_SHIPS, decide, effective_mode, official_name, plan_substitute


@pytest.mark.parametrize(
    "mode, official_present, substitute_current, expected",
    [
        ("auto", True, True, "official"),  # the official image wins when it is here
        ("auto", False, True, "substitute"),  # built once, reused without asking a registry
        ("auto", False, False, "pull"),
        ("registry", False, True, "pull"),  # registry mode never uses a substitute
        ("registry", True, False, "official"),
        ("local", True, True, "substitute"),  # local mode never uses the official image
        ("local", True, False, "build"),
        ("local", False, False, "build"),
    ],
)
def test_decide(mode, official_present, substitute_current, expected):
    assert decide(mode, official_present, substitute_current) == expected


@pytest.mark.parametrize(
    "mode, can_build, official, expected",
    [
        ("auto", True, "python:3.11-slim", "auto"),
        ("local", False, "python:3.11-slim", "registry"),  # no recipe: only pulling will do
        ("registry", True, "", "local"),  # no official name: only the substitute
    ],
)
def test_effective_mode(mode, can_build, official, expected):
    assert effective_mode(mode, can_build, official) == expected


@pytest.mark.parametrize(
    "recipe, official, tag, suite",
    [
        ("python", "python:3.11-slim-bookworm", "local/python:3.11-slim-bookworm", "bookworm"),
        ("python", "python:3.13.1-slim", "local/python:3.13-slim-trixie", "trixie"),
        ("postgres", "postgres:17.2", "local/postgres:17-trixie", "trixie"),
        ("redis", "redis:7.2-alpine", "local/redis:7-bookworm", "bookworm"),
        ("mariadb", "mariadb:10.11.6", "local/mariadb:10.11-bookworm", "bookworm"),
        ("registry", "registry:2", "local/registry:2.8-bookworm", "bookworm"),
        ("pgvector", "pgvector/pgvector:pg17-trixie", "local/pgvector:17-trixie", "trixie"),
        ("pgvector", "pgvector/pgvector:0.8.0-pg17", "local/pgvector:17-trixie", "trixie"),  # pgvector's own version first
    ],
)
def test_plan_substitute(recipe, official, tag, suite):
    planned = plan_substitute(recipe, official)
    assert (planned.tag, planned.suite) == (tag, suite)


@pytest.mark.parametrize(
    "recipe, official",
    [
        ("python", "python:3.12-slim"),
        ("postgres", "postgres:16"),
        ("python", "python:3.11-slim-trixie"),
        ("pgvector", "pgvector/pgvector:pg16"),  # Debian ships the extension for 17 only
        ("pgvector", "pgvector/pgvector:pg17-bookworm"),
    ],
)
def test_plan_substitute_refuses_what_no_suite_ships(recipe, official):
    with pytest.raises(StackError, match=f"no local substitute can stand in for {official}: Debian's packages give"):
        plan_substitute(recipe, official)


def test_every_substitute_stands_in_for_an_official_name_its_own_plan_reads_back():
    for recipe, ships in DEBIAN_SHIPS.items():
        for version, suite in ships.items():
            planned = plan_substitute(recipe, official_name(recipe, version, suite))
            assert (planned.version, planned.suite) == (version, suite)
    assert official_name("pgvector", "17", "trixie") == "pgvector/pgvector:pg17-trixie"
