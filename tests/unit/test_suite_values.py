"""fastapi_stackops/adopt/suite_values.py: what the repository's own pipelines, recipes and env files give its tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from fastapi_stackops.adopt.suite_values import ci_values, committed_env_values, names_in_code, recipe_values
from tests.utils import committed as commit

GITHUB = """name: ci
env:
  TESTING: "true"          # quoted
  PYTHONPATH: src          # the runner's, not the app's
jobs:
  test:
    runs-on: ubuntu-latest
    env:
      SECRET_KEY: ${{ secrets.SECRET_KEY }}
      POSTGRES_PASSWORD: test
    steps:
      - run: make test
        env:
          ALLOW_CLEANUP: 1
      - name: after
        run: echo done
"""
GITLAB = """variables:
  FEATURE_FLAGS: "a,b"
  TOKEN: $CI_JOB_TOKEN
test:
  script:
    - pytest
"""


@pytest.mark.parametrize(
    ("files", "found"),
    [
        ({".github/workflows/ci.yml": GITHUB}, {"TESTING": "true", "ALLOW_CLEANUP": "1"}),
        ({".gitlab-ci.yml": GITLAB}, {"FEATURE_FLAGS": "a,b"}),
        ({"services/api/README.md": "none here"}, {}),
    ],
)
def test_a_pipelines_literal_values_are_read_at_the_git_top(tmp_path: Path, files, found):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "services" / "api").mkdir(parents=True, exist_ok=True)
    assert ci_values(tmp_path / "services" / "api") == found  # a monorepo's service: its pipelines are at the top


@pytest.mark.parametrize(
    ("name", "recipe", "found"),
    [
        # ducminh-phan/fastapi-service-template: its conftest exits unless ENVIRONMENT is test, as `make test` sets it.
        ("Makefile", "test:\n\tENVIRONMENT=test pytest\n", {"ENVIRONMENT": "test"}),
        ("justfile", 'test:\n    APP_ENV="testing" PYTHONPATH=src poetry run pytest -x\n', {"APP_ENV": "testing"}),
        ("Makefile", "run:\n\tDEBUG=1 uvicorn main:app\ntest:\n\tpytest --cov\n", {}),  # not the tests' line
        ("Makefile", "test:\n\tSECRET=$(SECRET) pytest\n", {}),  # another variable's value is none
    ],
)
def test_what_a_make_or_just_recipe_sets_on_the_line_that_runs_pytest(tmp_path: Path, name, recipe, found):
    (tmp_path / name).write_text(recipe)
    assert recipe_values(tmp_path) == found


def test_the_names_a_suite_writes_as_strings(tmp_path: Path):
    (tmp_path / "conftest.py").write_text('import os\nFLAG = "ALLOW_CLEANUP"\nok = os.getenv(FLAG) == "1"\nname = "x"\n')
    assert names_in_code([tmp_path / "conftest.py"]) == {"ALLOW_CLEANUP"}


EXAMPLE = "SMTP_HOST=localhost\nAPP_SECRET=\nDSN=${DB_URL}\nDB_CONNECTION=postgresql://localhost/x\nMODE=development\n"


@pytest.mark.parametrize(
    ("committed", "untracked", "found"),
    [
        ({"api/.env": EXAMPLE}, {}, (("SMTP_HOST", "localhost"), ("MODE", "development"))),
        ({".env": "FASTAPI_ENV=development\n"}, {}, (("FASTAPI_ENV", "development"),)),  # a workspace's, at the top
        ({}, {".env": "SECRET=mine\n"}, ()),  # not committed: a developer's own
        ({"api/.env": "MODE=dev\n", ".env": "MODE=top\n"}, {}, (("MODE", "dev"),)),  # beside the service first
        # A template is edited before use: its local toggles are not what the suite was written against.
        ({"api/.env.example": "AUTH_ENABLED=false\n", ".env.sample": "MODE=dev\n"}, {}, ()),
    ],
)
def test_a_committed_env_file_is_read_and_a_template_is_not(tmp_path: Path, committed, untracked, found):
    """Empty values, values made of other variables, and the backing services' (DB_*) are none."""
    for name, text in {**committed, **untracked, "api/main.py": ""}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    commit(tmp_path, paths=("api/main.py", *committed))
    assert committed_env_values(tmp_path / "api") == found
