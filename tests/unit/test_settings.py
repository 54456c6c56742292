"""Env files -> StackSettings: selection, validation messages, and what reaches Compose."""

import shutil
from pathlib import Path

import pytest

from ops import ROOT
from ops.settings import SettingsError, available_envs, compose_environment, load_settings, selected_env


@pytest.fixture
def root(tmp_path) -> Path:
    """A scratch repository: the real compose files, an env/ folder of our own."""
    (tmp_path / "env").mkdir()
    shutil.copytree(ROOT / "docker", tmp_path / "docker")
    return tmp_path


def write_env(root: Path, name: str, text: str) -> None:
    (root / "env" / f"{name}.env.docker").write_text(text)


def test_committed_envs_exist_and_load():
    assert {"dev", "ci", "prod"} <= set(available_envs())
    for env in available_envs():
        settings = load_settings(env, environ={})
        assert settings.project.startswith("notes-")


@pytest.mark.parametrize(
    ("explicit", "environ", "expected"),
    [(None, {}, "dev"), (None, {"STACK_ENV": "ci"}, "ci"), ("prod", {"STACK_ENV": "ci"}, "prod")],
)
def test_env_selection_order(explicit, environ, expected):
    assert selected_env(explicit, environ) == expected


def test_unknown_env_lists_the_available_ones(root):
    write_env(root, "dev", "COMPOSE_PROJECT_NAME=x\n")
    write_env(root, "ci", "COMPOSE_PROJECT_NAME=y\n")
    (root / "env" / "dev.local.env.docker").write_text("A=1\n")
    with pytest.raises(SettingsError, match=r"unknown env 'staging'; available: ci, dev \("):
        load_settings("staging", root=root, environ={})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("API_PORT=1\n", r"env/t.env.docker: COMPOSE_PROJECT_NAME is missing"),
        ("COMPOSE_PROJECT_NAME=Bad Name\n", r"env/t.env.docker:1: project name 'Bad Name' is not valid"),
        ("COMPOSE_PROJECT_NAME=p\nAPI_PORT=eighty\n", r"env/t.env.docker:2: API_PORT must be a port number"),
        ("COMPOSE_PROJECT_NAME=p\nAPI_PORT=70000\n", r"env/t.env.docker:2: API_PORT must be a port number"),
        ("COMPOSE_PROJECT_NAME=p\nAPI_BIND=localhost\n", r"env/t.env.docker:2: API_BIND must be an IP address"),
        ("COMPOSE_PROJECT_NAME=p\nBASE_IMAGES=maybe\n", r"env/t.env.docker:2: BASE_IMAGES must be one of auto, registry, local"),
        ("COMPOSE_PROJECT_NAME=p\nCOMPOSE_PROFILES=redis\n", r"env/t.env.docker:2: unknown profile redis"),
        ("COMPOSE_PROJECT_NAME=p\nCOMPOSE_FILE=docker/nope.yaml\n", r"env/t.env.docker:2: COMPOSE_FILE names docker/nope.yaml"),
        ("COMPOSE_PROJECT_NAME=p\nBUILD_CA_BUNDLE=/no/such.pem\n", r"env/t.env.docker:2: BUILD_CA_BUNDLE names /no/such.pem"),
        (
            "COMPOSE_PROJECT_NAME=p\nCOMPOSE_PROFILES=postgres\nAPP_DATABASE_URL=sqlite:////x\n",
            r"env/t.env.docker:3: with the postgres profile APP_DATABASE_URL must be postgresql",
        ),
        ("COMPOSE_PROJECT_NAME=p\nREAD_ONLY=yes\n", r"env/t.env.docker:2: READ_ONLY must be true or false"),
    ],
)
def test_invalid_settings_name_file_line_and_fix(root, text, message):
    write_env(root, "t", text)
    with pytest.raises(SettingsError, match=message):
        load_settings("t", root=root, environ={})


def test_missing_postgres_password_is_checked_before_starting(root):
    write_env(root, "t", "COMPOSE_PROJECT_NAME=p\nCOMPOSE_PROFILES=postgres\nAPP_DATABASE_URL=postgresql+psycopg://app@db/app\n")
    settings = load_settings("t", root=root, environ={})  # rendering and linting need no secret
    with pytest.raises(SettingsError, match=r"POSTGRES_PASSWORD is required .* env/t.local.env.docker"):
        settings.check_startable()


def test_shell_project_name_overrides_the_file(root):
    write_env(root, "t", "COMPOSE_PROJECT_NAME=from-file\n")
    assert load_settings("t", root=root, environ={"COMPOSE_PROJECT_NAME": "job-42"}).project == "job-42"


def test_compose_gets_exactly_the_file_values_and_no_stray_shell_variables(root):
    write_env(root, "t", 'COMPOSE_PROJECT_NAME=p\nPOSTGRES_PASSWORD=\'p$a "#x\'\nAPP_TITLE="A # title"\n')
    settings = load_settings("t", root=root, environ={})
    env = compose_environment(settings, environ={"PATH": "/bin", "APP_LOG_LEVEL": "DEBUG", "DOCKER_HOST": "unix:///x"})
    assert env["POSTGRES_PASSWORD"] == 'p$a "#x'
    assert env["APP_TITLE"] == "A # title"
    assert env["COMPOSE_PROJECT_NAME"] == "p"
    assert env["PATH"] == "/bin" and env["DOCKER_HOST"] == "unix:///x"
    assert "APP_LOG_LEVEL" not in env  # only the env files configure the stack


def test_local_file_is_layered_and_ignored_as_an_env(root):
    write_env(root, "t", "COMPOSE_PROJECT_NAME=p\nAPI_PORT=8000\n")
    (root / "env" / "t.local.env.docker").write_text("API_PORT=9000\n")
    settings = load_settings("t", root=root, environ={})
    assert settings.api_port == 9000
    assert settings.where("API_PORT") == str(root / "env" / "t.local.env.docker") + ":1"
    assert available_envs(root) == ["t"]


def test_ca_bundle_system_finds_the_host_bundle(root):
    write_env(root, "t", "COMPOSE_PROJECT_NAME=p\nBUILD_CA_BUNDLE=system\n")
    if not any(
        Path(p).is_file() for p in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem")
    ):
        pytest.skip("no system CA bundle on this machine")
    assert load_settings("t", root=root, environ={}).ca_bundle.is_file()
