"""fastapi_stackops/adopt/test_dependencies.py: where the suite's dependencies are, by installer."""

from __future__ import annotations

import tomllib

import pytest

from fastapi_stackops.adopt.test_dependencies import dev_dependencies

MAIN_PYTEST = '[project]\nname = "svc"\ndependencies = ["fastapi", "pytest"]\n'


@pytest.mark.parametrize(
    ("pyproject", "installer", "found"),
    [
        # WesleyMNA/fastapi-hexagonal-architecture-example: pytest among the app's own dependencies, faker in poetry's
        # dev group; the test image installed the app's alone, and the suite stopped on "No module named 'faker'".
        (
            MAIN_PYTEST + '[tool.poetry.group.dev.dependencies]\nfaker = "^40"\n',
            "poetry",
            ("poetry-group", "dev", "pytest in [project] dependencies, the rest in the dev group"),
        ),
        (
            MAIN_PYTEST + '[dependency-groups]\ntest = ["faker"]\n',
            "uv",
            ("uv-group", "test", "pytest in [project] dependencies, the rest in the test group"),
        ),
        # realtonyos/fastapi_todo: poetry 2's lock of a PEP 735 dev group, pytest-asyncio in it; the test image left it
        # out, and every async fixture errored ("requested an async fixture ... with no plugin")
        (
            MAIN_PYTEST + '[dependency-groups]\ndev = ["pytest-asyncio"]\n',
            "poetry",
            ("poetry-group", "dev", "pytest in [project] dependencies, the rest in the dev group"),
        ),
        ('[dependency-groups]\ntest = ["pytest"]\n', "poetry", ("poetry-group", "test", "poetry's test group")),
        (MAIN_PYTEST, "poetry", ("main", "", "[project] dependencies")),  # no group beside it
        (MAIN_PYTEST + '[dependency-groups]\nlint = ["ruff"]\n', "uv", ("main", "", "[project] dependencies")),
        ('[dependency-groups]\ndev = ["pytest", "faker"]\n', "uv", ("uv-group", "dev", "[dependency-groups] in pyproject.toml")),
        ('[tool.poetry.group.test.dependencies]\npytest = "*"\n', "poetry", ("poetry-group", "test", "poetry's test group")),
        (
            '[project.optional-dependencies]\ntest = ["pytest"]\n',
            "pip",
            ("project-list", "project.optional-dependencies.test", "[project.optional-dependencies] test"),
        ),
        ('[project]\nname = "svc"\n', "poetry", None),
    ],
)
def test_the_suites_dependencies_by_installer(tmp_path, pyproject, installer, found):
    assert dev_dependencies(tmp_path, tomllib.loads(pyproject), installer) == found
