"""Bad input through the real CLI: one line saying what is wrong and how to fix it, a non-zero exit."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ops import ROOT


def inv(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def last_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines, result.stdout
    return lines[-1]


def write(tmp_path: Path, text: str, name: str = "bad") -> str:
    path = tmp_path / f"{name}.env.docker"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("COMPOSE_PROJECT_NAME=x\nthis line is broken\n", ":2: cannot parse 'this line is broken'"),
        ("API_PORT=8000\n", "COMPOSE_PROJECT_NAME is missing; add COMPOSE_PROJECT_NAME=<name>"),
        ("COMPOSE_PROJECT_NAME=x\nAPI_PORT=http\n", ":2: API_PORT must be a port number"),
        (
            "COMPOSE_PROJECT_NAME=x\nCOMPOSE_PROFILES=postgres\nAPP_DATABASE_URL=postgresql+psycopg://app@db/app\n",
            "POSTGRES_PASSWORD is required with the postgres profile",
        ),
    ],
)
def test_env_file_problems(tmp_path, text, expected):
    line = last_error_line(inv("up", "--env", write(tmp_path, text)))
    assert line.startswith("error: ") and expected in line


def test_unknown_env_lists_the_available_ones():
    line = last_error_line(inv("status", "--env", "staging"))
    assert "unknown env 'staging'; available: ci, dev, prod" in line


def test_unknown_env_from_the_environment_variable():
    line = last_error_line(inv("config", env={"STACK_ENV": "nope"}))
    assert "unknown env 'nope'" in line


def test_no_engine_reachable(tmp_path):
    line = last_error_line(inv("status", env={"DOCKER_HOST": f"unix://{tmp_path}/no.sock"}))
    assert "no Docker engine answers" in line and "provision-engine.sh" in line


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
