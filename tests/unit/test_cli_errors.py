"""Bad input through the real CLI: one line saying what is wrong and how to fix it, a non-zero exit."""

import os

import pytest

from tests.utils import ROOT, inv, last_error_line, scratch_project, write_env


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("COMPOSE_PROJECT_NAME=x\nthis line is broken\n", ":2: cannot parse 'this line is broken'"),
        ("API_PORT=8000\n", "COMPOSE_PROJECT_NAME is missing; add COMPOSE_PROJECT_NAME=<name>"),
        ("COMPOSE_PROJECT_NAME=x\nWAIT_TIMEOUT=soon\n", ":2: WAIT_TIMEOUT must be seconds"),
        (
            "COMPOSE_PROJECT_NAME=x\nCOMPOSE_PROFILES=redis\n",
            ":2: unknown profile redis; docker/compose.yaml declares: postgres, test",
        ),
        (
            "COMPOSE_PROJECT_NAME=x\nCOMPOSE_PROFILES=postgres\n",
            "POSTGRES_PASSWORD is required by service db; add POSTGRES_PASSWORD=<value> to ",
        ),
        (
            'COMPOSE_PROJECT_NAME=x\nPOSTGRES_PASSWORD="first\nsecond"\n',
            "bad.env.docker:2: POSTGRES_PASSWORD holds a line break, which does not reach a container intact",
        ),
    ],
)
def test_env_file_problems(tmp_path, text, expected):
    line = last_error_line(inv("up", "--env", str(write_env(tmp_path, text, name="bad"))))
    assert line.startswith("error: ") and expected in line


def test_secret_hint_names_the_overlay_beside_the_file_read(tmp_path):
    env = write_env(tmp_path / "elsewhere", "COMPOSE_PROJECT_NAME=x\nCOMPOSE_PROFILES=postgres\n", name="stage")
    line = last_error_line(inv("up", "--env", str(env)))
    assert f"add POSTGRES_PASSWORD=<value> to {tmp_path / 'elsewhere' / 'stage.local.env.docker'}" in line


def test_unknown_env_lists_the_available_ones():
    line = last_error_line(inv("status", "--env", "staging"))
    assert "unknown env 'staging'; available: ci, dev, prod" in line


def test_unknown_env_from_the_environment_variable():
    line = last_error_line(inv("config", env={"STACK_ENV": "nope"}))
    assert "unknown env 'nope'" in line


def test_no_engine_reachable(tmp_path):
    line = last_error_line(inv("status", env={"DOCKER_HOST": f"unix://{tmp_path}/no.sock"}))
    assert "no Docker engine answers" in line and "inv provision" in line


def test_only_compose_v1_installed(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "docker").write_text("#!/bin/sh\necho \"docker: 'compose' is not a docker command.\" >&2\nexit 1\n")
    (fake / "docker-compose").write_text("#!/bin/sh\necho 'docker-compose version 1.29.2, build 5becea4c'\n")
    for script in fake.iterdir():
        script.chmod(0o755)
    line = last_error_line(inv("config", env={"PATH": f"{fake}:{os.environ['PATH']}"}))
    assert "only Compose v1 (docker-compose 1.x) is installed" in line and "Compose v2" in line


def test_unknown_test_kind():
    assert "unknown test kind 'smoke'" in last_error_line(inv("test", "--kind", "smoke"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("logs", "--service", "nope"), "unknown service 'nope'; this stack's services: api"),
        (("exec", "nope", "true"), "unknown service 'nope'; this stack's services: api"),
        (("shell", "--service", "nope"), "unknown service 'nope'"),
        (("logs", "--tail", "many"), "--tail takes a whole number of at least 0, got 'many'"),
        (("persistence-check", "--cycles", "x"), "--cycles takes a whole number of at least 1, got 'x'"),
        (("persistence-check", "--records", "0"), "--records takes a whole number of at least 1, got '0'"),
    ],
)
def test_wrong_names_and_arguments(args, expected):
    assert expected in last_error_line(inv(*args, "--env", "dev"))


# --- The contract (pyproject.toml [tool.stackops]): one line naming the file and the key, nothing started ---

CONTRACT_MISTAKES = [
    (
        ('entry = "api"', 'entry = "web"'),
        "pyproject.toml [tool.stackops] entry: 'web' is not a service in docker/compose.yaml; services: api, api-test, db",
    ),
    (
        ('{ path = "/api/v1/notes/0", status = 404', "{ status = 404"),
        "pyproject.toml: [tool.stackops.services.api.probes[2]] path is missing",
    ),
    (
        ('hooks = ["checks:notes_round_trip"]', 'hooks = ["checks.notes_round_trip"]'),
        "pyproject.toml: [tool.stackops.services.api] hooks must name a function as module:function",
    ),
    (
        ("[tool.stackops.services.db]", "[tool.stackops.services.database]"),
        "pyproject.toml [tool.stackops.services] database: 'database' is not a service in docker/compose.yaml",
    ),
    (('health = "/health"', 'health = "health"'), "[tool.stackops.services.api] health must be a URL path starting with /"),
    (("image-size-budget-mb = 200", "image-size-budget = 250"), "[tool.stackops] image-size-budget is not a known key"),
    (('id-from = "id"', 'id-from = "id"\nhook = "checks:x"'), "[tool.stackops.persistence] hook replaces write and read"),
]


@pytest.mark.parametrize(("edit", "expected"), CONTRACT_MISTAKES)
def test_contract_mistakes_are_one_line_naming_file_and_key(tmp_path, edit, expected):
    project = scratch_project(tmp_path)
    contract = (project / "pyproject.toml").read_text()
    assert edit[0] in contract
    (project / "pyproject.toml").write_text(contract.replace(edit[0], edit[1], 1))
    result = inv("up", "--env", "ci", cwd=project)
    line = last_error_line(result)
    assert line.startswith("error: ") and expected in line
    assert "Container" not in result.stdout + result.stderr  # nothing was started


def test_no_contract_says_where_it_looked(tmp_path):
    (tmp_path / "tasks.py").write_text("from fastapi_stackops.tasks import collection\n\nns = collection()\n")
    line = last_error_line(inv("status", cwd=tmp_path))
    assert "no pyproject.toml with a [tool.stackops] table at or above" in line


def test_the_reference_contract_is_the_repository_one():
    assert "[tool.stackops]" in (ROOT / "pyproject.toml").read_text()


def test_push_without_a_registry_names_the_key_to_set(tmp_path):
    env = write_env(tmp_path, "COMPOSE_PROJECT_NAME=x\n", name="ship")
    # No engine answers: the missing key is named before anything connects to one.
    line = last_error_line(inv("push", "--env", str(env), env={"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}))
    assert line == f"error: {env}: REGISTRY is not set; add REGISTRY=host:port (inv registry.start runs one at 127.0.0.1:5000)"


def test_a_defect_of_inits_own_is_one_line_naming_it_and_where_with_the_traceback_in_a_file(tmp_path, monkeypatch, capsys):
    """gustavomotadev/fastapi-sqlite-food-menu: a lambda beside a dotenv_values() mapping; init printed Python's whole
    traceback, ending in "TypeError: 'arguments' object is not iterable"."""
    from fastapi_stackops import cli
    from fastapi_stackops.adopt import dotenv_reads

    monkeypatch.setattr(cli, "run_init", lambda arguments: dotenv_reads.copies_a_mapping(None, {"x"}))
    monkeypatch.setattr(dotenv_reads, "calls", lambda node, name: 1 / 0)
    assert cli.main(["init", str(tmp_path)]) == 1
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and said.startswith("error: init stopped on a defect of its own: ZeroDivisionError: ")
    assert "(dotenv_reads.py line " in said and "please report it with the traceback in " in said
    kept = said.rstrip().rsplit(" ", 1)[1]
    assert "Traceback (most recent call last)" in open(kept).read()
    os.remove(kept)
