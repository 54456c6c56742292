"""fastapi_stackops/adopt/testing.py: the repository's own suite, and where pytest runs from."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import compose_text
from fastapi_stackops.adopt.testing import ServiceTests, run_folder
from tests.unit.shapes import APP
from tests.utils import written


@pytest.mark.parametrize(
    ("files", "project", "folder", "run_in"),
    [
        # The suite inside the package, its addopts naming tests/ from there (`cd svc && pytest`).
        ({"svc/tests/test_a.py": ""}, {"addopts": "--maxfail 1 --cov svc tests/"}, "svc", "svc"),
        ({"svc/tests/test_a.py": ""}, {"addopts": ["--cov", "svc", "tests"]}, "svc", "svc"),  # a list
        ({"svc/tests/test_a.py": "", "pytest.ini": "[pytest]\naddopts = tests\n"}, {}, "svc", "svc"),
        ({"tests/test_a.py": ""}, {"addopts": "--cov app tests/"}, "tests", ""),  # from the root, as given
        ({"svc/tests/test_a.py": ""}, {"addopts": '-k "not slow" --junitxml out/r.xml'}, "svc", ""),  # no path there
        ({"svc/tests/test_a.py": ""}, {"addopts": "-x"}, "svc", ""),
        ({"svc/tests/test_a.py": ""}, {"addopts": 'tests "unclosed'}, "svc", ""),  # unreadable: as before
    ],
)
def test_pytest_runs_from_where_its_own_addopts_name_paths(tmp_path: Path, files, project, folder, run_in):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = run_folder(tmp_path, {"tool": {"pytest": {"ini_options": project}}} if project else {}, folder)
    assert found == run_in
    tests = ServiceTests(folder, "requirements", "requirements.txt", "requirements.txt", run_in=found)
    assert tests.arguments == (("." if run_in == folder else folder),)


def test_a_poetry_groups_pins_at_an_exact_patch_release_are_read_at_the_minor_before_pip_reads_them():
    # peacefulseeker/fastapi-url-shortener: `python = "3.11.11"` put `python_full_version == "3.11.11"` on every line
    # of the dev group's export; pip skipped them all without a word, and the suite met no moto.
    from fastapi_stackops.adopt.conventions import AT_THE_MINOR

    install = ServiceTests("tests", "poetry-group", "dev", "poetry's dev group").install
    read_at_the_minor, pip_reads = install.find(f"{AT_THE_MINOR} /tmp/test-requirements.txt"), install.find("-r /tmp/test-")
    assert 0 < read_at_the_minor < pip_reads


@pytest.mark.parametrize(
    ("default", "develop", "kind"),
    [
        # 250mon/next-fastapi-inventory-app: pytest among the Pipfile's main packages; init said no file names pytest.
        ({"pytest": "==8.3.4"}, {}, "main"),
        ({}, {"pytest": "==8.3.4", "httpx": "==0.28.1"}, "pipenv-develop"),
        ({}, {"black": "==24.1.0"}, None),
    ],
)
def test_pytest_in_pipenvs_lock_is_found_in_its_main_or_develop_pins(tmp_path: Path, default, develop, kind):
    import json
    import subprocess
    import sys

    from fastapi_stackops.adopt.reading import read_repository

    pins = {section: {n: {"version": v} for n, v in d.items()} for section, d in (("default", default), ("develop", develop))}
    pins["default"]["fastapi"] = {"version": "==0.115.6"}
    (tmp_path / "Pipfile.lock").write_text(json.dumps({"_meta": {"requires": {"python_version": "3.11"}}, **pins}))
    (tmp_path / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/test_a.py").write_text("def test_a():\n    pass\n")
    tests = read_repository(tmp_path).service_tests
    assert (tests.kind if tests else None) == kind
    if kind == "pipenv-develop":  # the builder's program, run here: the develop pins as requirements lines
        program = tests.install.split(" > /tmp/test-requirements.txt")[0].replace("python", sys.executable, 1)
        printed = subprocess.run(program, shell=True, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
        assert printed.split() == ["pytest==8.3.4", "httpx==0.28.1"]


@pytest.mark.parametrize(
    ("test", "added"),
    [
        # rajendrakumaryadav/fastapi-employee-record: TestClient, and no httpx among its dev dependencies; its suite
        # failed to collect ("The starlette.testclient module requires the httpx package to be installed").
        ("from fastapi.testclient import TestClient\n", True),
        ("from starlette.testclient import TestClient\n", True),
        ("import httpx\n", True),  # its own client, well known: the step adds it only where nothing installed it
        # MrFreeman-code/FastAPI-pet-project: its suite imports dotenv, which nothing declares; it failed to collect.
        ("from dotenv import load_dotenv\n", "python-dotenv"),
        ("import slowapi\n", False),  # not well known: the suite's own to declare
    ],
)
def test_a_suite_on_test_client_gets_httpx_when_nothing_installed_it(tmp_path: Path, test, added):
    files = {"requirements.txt": "fastapi\npytest\n", "main.py": APP, "tests/test_app.py": test + "def test_x():\n    pass\n"}
    repo = read_repository(written(tmp_path, files))
    module, distribution = ("dotenv", added) if isinstance(added, str) else ("httpx", "httpx")
    step = f"/opt/venv/bin/python -c 'import {module}' 2>/dev/null || {{ /opt/venv/bin/python -m ensurepip >/dev/null && "
    assert (step in dockerfile_text(repo, "/health", False)) is bool(added)
    assert (f"pip install -q --no-cache-dir {distribution}; }}" in dockerfile_text(repo, "/health", False)) is bool(added)
    added = added is True
    if added:  # the step as the builder runs it: a venv that has httpx is left as it is
        done = subprocess.run(
            ["sh", "-c", repo.service_tests.install.split(" \\\n    && ", 1)[1].replace("/opt/venv/bin/python", sys.executable)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0 and "pip" not in done.stdout, done.stderr


@pytest.mark.parametrize(
    ("test", "added"),
    [
        # borhanst/fastapi-admin-kit: its suite imports pydantic_ai, which its `ai` extra alone lists; the test image
        # installed the dev extra, and 4 of its test modules failed to collect.
        ("from pydantic_ai import Agent\n", "'pydantic-ai[groq]>=2.0.0'"),
        ("import pandas\n", ""),  # no extra lists it: the suite's own to declare
    ],
)
def test_a_suite_importing_what_an_extra_alone_lists_gets_it_when_nothing_installed_it(tmp_path: Path, test, added):
    project = (
        '[project]\nname = "kit"\nversion = "1"\ndependencies = ["fastapi"]\n[project.optional-dependencies]\n'
        'dev = ["pytest"]\nai = ["pydantic-ai[groq]>=2.0.0"]\n'
    )
    files = {"pyproject.toml": project, "main.py": APP, "tests/test_app.py": test + "def test_x():\n    pass\n"}
    install = read_repository(written(tmp_path, files)).service_tests.install
    step = "/opt/venv/bin/python -c 'import pydantic_ai' 2>/dev/null || { /opt/venv/bin/python -m ensurepip >/dev/null && "
    assert (step in install and f"pip install -q --no-cache-dir {added}; }}" in install) is bool(added), install


def test_a_uv_groups_suite_keeps_what_the_image_added_beside_the_lock(tmp_path):
    # maRT-sk/fastapi-starterpack: greenlet added to the image (its locked SQLAlchemy installs none on 3.13), and the
    # test stage's `uv sync --group dev` removed it as extraneous; 4 of its tests errored on SQLAlchemy's words.
    project = '[project]\nname = "svc"\nversion = "1"\ndependencies = ["fastapi"]\n[dependency-groups]\ndev = ["pytest"]\n'
    files = {
        "pyproject.toml": project,
        "uv.lock": "version = 1\n",
        "main.py": APP,
        "tests/test_x.py": "def test_x():\n    pass\n",
    }
    repo = read_repository(written(tmp_path, files))
    assert repo.service_tests.kind == "uv-group"
    assert "uv sync --frozen --inexact --no-install-project --no-cache --group dev" in repo.service_tests.dependencies_install


SUITE_PROJECT = (
    '[project]\nname = "svc"\nversion = "1"\ndependencies = ["fastapi"]\n\n[dependency-groups]\ndev = ["pytest", "pytest-env"]\n'
)


@pytest.mark.parametrize(
    ("env", "given"),
    [
        # PureLeach/fastapi-sqlalchemy-boilerplate: pytest-env set POSTGRES_HOST=localhost over the stack's host, and the
        # suite, in its own container, found no database there.
        ('["POSTGRES_HOST=localhost", "POSTGRES_DB=app-test"]', '"-o", "env=POSTGRES_DB=app-test", "tests"'),
        ('["D:DB_URL=postgresql://u:p@127.0.0.1/t"]', '"-o", "env=", "tests"'),
        ('["POSTGRES_HOST=db", "DEBUG=1"]', '"tests"'),  # nothing at this machine: its own setting as it is
    ],
)
def test_pytests_env_entries_at_this_machine_give_way_to_the_stacks(tmp_path: Path, env, given):
    files = {"pyproject.toml": SUITE_PROJECT + f"\n[tool.pytest.ini_options]\nenv = {env}\n", "main.py": APP}
    repo = read_repository(written(tmp_path, files | {"tests/test_app.py": "def test_x():\n    pass\n"}))
    test_stage = dockerfile_text(repo, "/", False).split("AS test\n")[1].split("\nFROM ")[0]
    assert test_stage.endswith(f'"no:cacheprovider", {given}]\n'), test_stage


API_AT_HOME = (
    "import os\n\n\ndef api_url():\n    return '{}:{}'.format('http://' + os.environ.get('API_SERVER', 'HOST'), "
    "os.environ.get('API_PORT', 8080))\n\n\ndef test_x():\n    assert api_url()\n"
)


@pytest.mark.parametrize(
    ("name", "host", "joined"),
    [
        ("API_SERVER", "localhost", True),
        ("API_SERVER", "api.example.org", False),
        ("SERVER", "localhost", False),  # a bare SERVER is as often a database's (SQL Server's own name for its host)
    ],
)
def test_a_suite_that_asks_the_app_by_a_host_it_reads_at_home_runs_in_the_apps_network(tmp_path: Path, name, host, joined):
    """marcinsobala/fastapi-queue-app: its integration tests ask the app at API_SERVER (localhost) and API_PORT (8080),
    as run beside a server of their own; in ci, "Connection refused" at localhost:8080."""
    tests = {"tests/integration/test_url.py": API_AT_HOME.replace("HOST", host).replace("API_SERVER", name)}
    repo = read_repository(written(tmp_path, {"pyproject.toml": SUITE_PROJECT, "main.py": APP} | tests))
    tested = compose_text(repo).split("  web-test:\n")[1]
    assert ('network_mode: "service:web"' in tested) is joined
    assert ('API_PORT: "8000"' in tested or "API_PORT: 8000" in tested) is joined, tested


@pytest.mark.parametrize(("test", "joined"), [("http://localhost:8000/start-task", True), ("http://localhost:8080/", False)])
def test_a_suite_that_asks_the_app_at_localhost_8000_runs_in_the_apps_network_namespace(tmp_path: Path, test, joined):
    """ticoAg/fastapi-celery-redis: its tests ask the server at http://localhost:8000, as run beside it; in a container
    of their own that was no one ("Connect call failed ('127.0.0.1', 8000)")."""
    code = f"import httpx\n\ndef test_start():\n    assert httpx.post('{test}').status_code == 200\n"
    repo = read_repository(written(tmp_path, {"pyproject.toml": SUITE_PROJECT, "main.py": APP, "tests/test_api.py": code}))
    compose = compose_text(repo)
    assert ('network_mode: "service:web"' in compose) is joined
    (tmp_path / "compose.yaml").write_text(compose)
    if joined and shutil.which("docker"):  # Compose itself takes it: no ports or networks of its own beside it
        checked = subprocess.run(
            ["docker", "compose", "--profile", "test", "config", "-q"], cwd=tmp_path, capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr


def test_the_suite_gets_the_folders_outside_the_code_the_app_writes(tmp_path: Path):
    """leejianrong/fastapi-notes: logging's file handler at /var/log/app/app.jsonl, writable for the app once learned;
    its suite, importing the same app, failed on "Unable to configure handler 'file'" in its own container."""
    repo = read_repository(
        written(tmp_path, {"pyproject.toml": SUITE_PROJECT, "main.py": APP, "tests/test_x.py": "def test_x():\n    pass\n"})
    )
    repo = dataclasses.replace(repo, writable=("/var/log/app", "/srv/logs"))
    tested = compose_text(repo).split("  web-test:\n")[1].split("\n\n")[0]
    assert 'tmpfs: [/tmp, "/var/log/app:uid=10001,gid=10001"]' in tested, tested  # /srv is the tests' user's own
