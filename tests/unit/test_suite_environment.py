"""suite_environment: what the repository's suite gets in its environment."""

import pytest

from fastapi_stackops.adopt.app_environment import app_environment
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.suite_environment import tests_environment as suites_environment
from tests.unit.shapes import APP
from tests.utils import written

SUITE = {"tests/conftest.py": "", "tests/test_app.py": "def test_x():\n    pass\n"}


@pytest.mark.parametrize(
    ("field", "given"),
    [
        # akeeperctl/fastapi-backend-study: its conftest asserts `settings.MODE == "TEST"`, which a git-ignored
        # .env.test set; the suite ran in LOCAL, the dev stack's mode, and its 98 tests errored at setup.
        ("    MODE: Literal['LOCAL', 'DEV', 'TEST', 'PROD'] = 'PROD'\n", ("MODE", '"TEST"')),
        ("    ENVIRONMENT: Literal['development', 'testing', 'production'] = 'production'\n", ("ENVIRONMENT", '"testing"')),
        # a mode with no value for tests: the suite runs in the local mode, as ci's env file sets
        ("    MODE: Literal['LOCAL', 'PROD'] = 'PROD'\n", ("MODE", "${MODE-PROD}")),
    ],
)
def test_the_suite_runs_in_the_apps_mode_for_tests_and_the_app_in_its_own(tmp_path, field, given):
    config = f"from typing import Literal\nfrom pydantic_settings import BaseSettings\n\nclass Config(BaseSettings):\n{field}"
    files = {"requirements.txt": "fastapi\npytest\n", "main.py": APP, "config.py": config}
    repo = read_repository(written(tmp_path, files | SUITE))
    variable, value = given
    assert suites_environment(repo)[variable] == value
    assert app_environment(repo)[variable].startswith(f"${{{variable}-")  # the served app: its local mode, never tests'
