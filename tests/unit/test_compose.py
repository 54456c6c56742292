"""Compose command lines, and the environment Compose runs with (no engine involved)."""

import json
import sys
from types import SimpleNamespace

import pytest

from fastapi_stackops import compose, render_cache
from fastapi_stackops.compose import compose_command, down_args, exec_args, logs_args, run_compose, up_args
from fastapi_stackops.settings import load_settings


@pytest.fixture
def ci():
    return load_settings("ci", environ={})


def test_command_names_project_files_and_profiles(ci):
    command = compose_command(ci, "ps")
    assert command[:4] == ["docker", "compose", "--project-name", "notes-ci"]
    assert command[command.index("--file") + 1].endswith("docker/compose.yaml")
    assert command[command.index("--profile") + 1] == "postgres"
    assert command[-1] == "ps"


def test_dev_adds_its_override_file():
    files = [p.name for p in load_settings("dev", environ={}).compose_files]
    assert files == ["compose.yaml", "compose.dev.yaml"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (down_args(), ["--profile", "*", "down", "--remove-orphans"]),
        (exec_args("api", ["ls", "-l"], tty=False), ["exec", "--no-TTY", "api", "ls", "-l"]),
        (exec_args("db", ["sh"], tty=True), ["exec", "db", "sh"]),
        (logs_args(["api"], follow=True, tail="5"), ["logs", "--follow", "--tail", "5", "api"]),
        (logs_args(), ["logs"]),
    ],
)
def test_argument_lists(args, expected):
    assert args == expected


def test_up_waits_with_the_env_timeout_and_builds(ci):
    assert up_args(ci) == ["up", "--detach", "--wait", "--wait-timeout", "120", "--remove-orphans", "--build"]
    assert "--build" not in up_args(ci, build=False)


def test_compose_sees_exactly_the_env_files_values(ci, monkeypatch):
    # A value in the caller's shell must not reach Compose: the env files decide.
    monkeypatch.setenv("POSTGRES_PASSWORD", "from-the-shell")
    rendered = run_compose(ci, ["config", "--format", "json"], capture=True).stdout
    assert "ci-only-password" in rendered and "from-the-shell" not in rendered
    assert json.loads(rendered)["name"] == "notes-ci"


@pytest.mark.parametrize(("written_by_init", "image"), [(True, "tiny-api"), (False, "from-the-dot-env")])
def test_a_dot_env_beside_compose_files_init_wrote_never_reaches_compose(tmp_path, written_by_init, image):
    # kongnakornna/fastapicleanarchitectureddd: its committed .env (POSTGRESQL_HOST=localhost, for a run on the host)
    # filled ${POSTGRESQL_HOST-postgres} in init's file, and the app looked for its database in its own container. A
    # user's own Compose file keeps reading it, as their plain `docker compose` does.
    from fastapi_stackops.adopt.conventions import HEADER
    from fastapi_stackops.contract import load_project
    from tests.utils import fixture_repository

    repo = fixture_repository("tiny", tmp_path)
    if written_by_init:
        (repo / "compose.yaml").write_text(HEADER + (repo / "compose.yaml").read_text())
    (repo / ".env").write_text("API_IMAGE=from-the-dot-env\n")
    settings = load_settings("a", config=load_project(repo), environ={})
    rendered = json.loads(run_compose(settings, ["config", "--format", "json"], capture=True).stdout)
    assert rendered["services"]["api"]["image"] == f"{image}:latest"


def test_a_render_in_the_same_process_follows_its_files(monkeypatch, tmp_path):
    """init rewrites a scratch copy between tries (a Python moved from 3.11 to 3.9 changes the base image); a render
    kept in memory by command and environment alone built the next try from the first try's base image."""
    monkeypatch.setattr(render_cache, "compose_program", lambda: [sys.executable])
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    file = tmp_path / "compose.yaml"
    monkeypatch.setattr(compose, "run", lambda *_, **__: SimpleNamespace(stdout=json.dumps({"image": file.read_text()})))
    command = ("docker", "compose", "--file", str(file), "config", "--format", "json")
    file.write_text("python:3.11")
    assert compose._render(command, ())["image"] == "python:3.11"
    file.write_text("python:3.9")
    assert compose._render(command, ())["image"] == "python:3.9"
