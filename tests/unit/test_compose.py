"""Compose command lines, and the environment Compose runs with (no engine involved)."""

import json

import pytest

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
        (down_args(), ["down", "--remove-orphans"]),
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
