"""Env files -> StackSettings: selection, validation messages, and what reaches Compose."""

from pathlib import Path

import pytest

from fastapi_stackops.contract import load_project
from fastapi_stackops.settings import SettingsError, available_envs, compose_environment, load_settings, selected_env
from tests.utils import scratch_project


@pytest.fixture
def project(tmp_path):
    """A scratch project: the reference contract and Compose files, an empty env folder."""
    root = scratch_project(tmp_path / "p")
    for path in (root / "env").iterdir():
        path.unlink()
    return load_project(root)


def write(project, name: str, text: str) -> None:
    (project.env_dir / f"{name}.env.docker").write_text(text)


def test_committed_envs_exist_and_load():
    config = load_project()
    assert {"dev", "ci", "prod"} <= set(available_envs(config))
    for env in available_envs(config):
        assert load_settings(env, config, environ={}).project.startswith("notes-")


@pytest.mark.parametrize(
    ("explicit", "environ", "expected"),
    [(None, {}, "dev"), (None, {"STACK_ENV": "ci"}, "ci"), ("prod", {"STACK_ENV": "ci"}, "prod")],
)
def test_env_selection_order(explicit, environ, expected):
    assert selected_env(explicit, environ) == expected


def test_unknown_env_lists_the_available_ones(project):
    write(project, "dev", "COMPOSE_PROJECT_NAME=x\n")
    write(project, "ci", "COMPOSE_PROJECT_NAME=y\n")
    (project.env_dir / "dev.local.env.docker").write_text("A=1\n")
    with pytest.raises(SettingsError, match=r"unknown env 'staging'; available: ci, dev \("):
        load_settings("staging", project, environ={})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("WAIT_TIMEOUT=1\n", r"t.env.docker: COMPOSE_PROJECT_NAME is missing"),
        ("COMPOSE_PROJECT_NAME=Bad Name\n", r"t.env.docker:1: project name 'Bad Name' is not valid"),
        ("COMPOSE_PROJECT_NAME=p\nWAIT_TIMEOUT=eighty\n", r"t.env.docker:2: WAIT_TIMEOUT must be seconds"),
        ("COMPOSE_PROJECT_NAME=p\nWAIT_TIMEOUT=0\n", r"t.env.docker:2: WAIT_TIMEOUT must be seconds \(1-3600\)"),
        ("COMPOSE_PROJECT_NAME=p\nBASE_IMAGES=maybe\n", r"t.env.docker:2: BASE_IMAGES must be one of auto, registry, local"),
        ("COMPOSE_PROJECT_NAME=p\nCOMPOSE_FILE=docker/nope.yaml\n", r"t.env.docker:2: COMPOSE_FILE names docker/nope.yaml"),
        ("COMPOSE_PROJECT_NAME=p\nBUILD_CA_BUNDLE=/no/such.pem\n", r"t.env.docker:2: BUILD_CA_BUNDLE names /no/such.pem"),
    ],
)
def test_invalid_settings_name_file_line_and_fix(project, text, message):
    write(project, "t", text)
    with pytest.raises(SettingsError, match=message):
        load_settings("t", project, environ={})


def test_shell_project_name_overrides_the_file(project):
    write(project, "t", "COMPOSE_PROJECT_NAME=from-file\n")
    assert load_settings("t", project, environ={"COMPOSE_PROJECT_NAME": "job-42"}).project == "job-42"


def test_compose_gets_exactly_the_file_values_and_no_stray_shell_variables(project):
    write(project, "t", 'COMPOSE_PROJECT_NAME=p\nPOSTGRES_PASSWORD=\'p$a "#x\'\nAPP_TITLE="A # title"\n')
    settings = load_settings("t", project, environ={})
    env = compose_environment(settings, environ={"PATH": "/bin", "APP_LOG_LEVEL": "DEBUG", "DOCKER_HOST": "unix:///x"})
    assert env["POSTGRES_PASSWORD"] == 'p$a "#x'
    assert env["APP_TITLE"] == "A # title"
    assert env["COMPOSE_PROJECT_NAME"] == "p"
    assert env["PATH"] == "/bin" and env["DOCKER_HOST"] == "unix:///x"
    assert "APP_LOG_LEVEL" not in env  # only the env files configure the stack


def test_local_file_is_layered_and_ignored_as_an_env(project):
    write(project, "t", "COMPOSE_PROJECT_NAME=p\nAPI_PORT=8000\n")
    (project.env_dir / "t.local.env.docker").write_text("API_PORT=9000\n")
    settings = load_settings("t", project, environ={})
    assert settings.value("API_PORT") == "9000"
    assert settings.where("API_PORT").endswith("t.local.env.docker:1")
    assert settings.keys_with_value("9000") == ["API_PORT"]
    assert available_envs(project) == ["t"]


def test_ca_bundle_system_finds_the_host_bundle(project):
    write(project, "t", "COMPOSE_PROJECT_NAME=p\nBUILD_CA_BUNDLE=system\n")
    if not any(
        Path(p).is_file() for p in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem")
    ):
        pytest.skip("no system CA bundle on this machine")
    assert load_settings("t", project, environ={}).ca_bundle.is_file()
