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


WORKFLOW = "jobs:\n  test:\n    env:\n      APP_REDIS_URL: redis://localhost:6379/0\n    steps:\n      - run: pytest\n"


@pytest.mark.parametrize("workflow", [WORKFLOW, ""])
def test_an_optional_service_the_suites_pipeline_sets_at_this_machine_is_the_stacks(tmp_path, workflow):
    # gggjjto/fastapi-template: the app's Redis optional (None), its pipeline's job sets APP_REDIS_URL at localhost and
    # its conftest defaults to localhost:6380; the suite met no Redis, and 152 tests errored.
    config = "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    APP_REDIS_URL: str | None = None\n"
    conftest = 'import os\n\nos.environ.setdefault("APP_REDIS_URL", "redis://localhost:6380/0")\n'
    files = {"requirements.txt": "fastapi\npytest\nredis\n", "main.py": APP, "config.py": config}
    files |= SUITE | {"tests/conftest.py": conftest} | ({".github/workflows/ci.yml": workflow} if workflow else {})
    repo = read_repository(written(tmp_path, files))
    assert suites_environment(repo).get("APP_REDIS_URL") == ('"redis://redis:6379/0"' if workflow else None)


@pytest.mark.parametrize(
    ("auth", "given"),
    [
        # Papkidon/fastapi-api: the app compares a header with os.getenv("API_KEY"), and the suite sends that very
        # variable; init set neither, and httpx refused the None header in every test
        ("API_KEY = os.getenv('API_KEY')\n", True),
        ("", False),  # the app reads no such key: the suite's own, left as it reads it
    ],
)
def test_a_key_the_suite_presents_and_the_app_reads_bare_is_made_up_for_both(tmp_path, auth, given):
    conftest = "import os\n\nHEADERS = {'Authorization': os.getenv('API_KEY')}\n"
    files = {"requirements.txt": "fastapi\npytest\nhttpx\n", "main.py": APP, "auth.py": "import os\n" + auth}
    repo = read_repository(written(tmp_path, files | {"tests/conftest.py": conftest, "tests/test_x.py": "def test_x(): ...\n"}))
    value = suites_environment(repo).get("API_KEY", "")
    assert value.startswith('"ci-Secret0') if given else not value


def test_the_images_own_variables_a_suite_reads_are_never_set(tmp_path):
    """ka-rb0/fastapi-website-blueprint: a test starts a server with `os.environ["PATH"]`; init read PATH as a variable
    only the suite reads and set it empty, and the test image could not find python."""
    conftest = "import os\n\nENV = {'PATH': os.environ['PATH'], 'HOME': os.environ['HOME'], 'TOKEN_X': os.environ['TOKEN_X']}\n"
    files = {"requirements.txt": "fastapi\npytest\n", "main.py": APP, "tests/conftest.py": conftest}
    environment = suites_environment(read_repository(written(tmp_path, files | {"tests/test_x.py": "def test_x(): ...\n"})))
    assert "PATH" not in environment and "HOME" not in environment and "TOKEN_X" in environment
