"""The stack builds, starts and stops for real; tasks drive it; stacks stay isolated."""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from tests.utils import ROOT, checked, inv, last_error_line, same_for_every_newcomer
from tests.utils.stacks import wait_for


def test_dev_sqlite_up_health_down_keeps_volume(stacks, engine):
    stack = stacks("dev")
    result = stack.inv("up")
    assert "is healthy in" in result.stdout
    url = stack.url()
    assert url in result.stdout  # the URL it printed is the one the engine chose
    assert requests.get(url + "/health", timeout=5).status_code == 200
    assert requests.get(url + "/ready", timeout=5).json()["status"] == "ready"
    # A healthy start says nothing alarming (uvicorn warned about WEB_CONCURRENCY under reload).
    alarming = [line for line in stack.logs("api") if any(level in line for level in ("WARNING", "ERROR", "Traceback"))]
    assert not alarming, alarming

    start = time.monotonic()
    stack.inv("down")
    assert time.monotonic() - start < 10  # stopped by its signal, not killed at the 30 s stop grace period
    assert not stack.containers()
    assert engine.volumes.get(f"{stack.project}_api-data")  # data kept


@same_for_every_newcomer
def test_ci_postgres_up_and_api_uses_postgres(stacks):
    stack = stacks("ci")
    url = stack.up()
    created = requests.post(url + "/api/v1/notes", json={"title": "in postgres"}, timeout=5)
    assert created.status_code == 201
    rows = stack.compose("exec", "-T", "db", "psql", "-U", "app", "-d", "app", "-tAc", "SELECT title FROM notes").stdout
    assert "in postgres" in rows
    errors = [line for line in stack.logs("api") if "ERROR" in line or "Traceback" in line]
    assert not errors, errors  # gunicorn's control socket in $HOME logged one at every start
    stack.inv("down")


def test_api_image_runs_as_numeric_non_root_with_healthcheck(stacks, engine):
    stack = stacks("dev")
    stack.inv("build")
    config = engine.images.get(f"{stack.project}-api").attrs["Config"]
    uid = config["User"].split(":")[0]
    assert uid.isdigit() and int(uid) >= 10000
    assert config["Healthcheck"]["Test"][0] == "CMD"
    # The runtime has the time zone database, as the official image it stands in for does (zoneinfo reads it).
    zone = "import zoneinfo; print(zoneinfo.ZoneInfo('Europe/Paris').key)"
    said = engine.containers.run(f"{stack.project}-api", ["python", "-c", zone], entrypoint=[], remove=True)
    assert said.decode().strip() == "Europe/Paris"
    # Only what runs: no installer or package manager, and no dependency's tests or Cython sources.
    leftovers = "for p in apt-get dpkg pip perl; do command -v $p; done; find /opt/venv/lib -name '*.pyx' -o -type d -path '*/site-packages/*/tests'"
    found = engine.containers.run(f"{stack.project}-api", ["sh", "-c", leftovers], entrypoint=[], remove=True)
    assert found.decode().split() == []


def test_tasks_status_exec_logs_config_migrate(stacks):
    stack = stacks("dev")
    stack.up()
    status = stack.inv("status").stdout
    assert "api" in status and "healthy" in status and "MB" in status
    assert stack.inv("exec", "api", "id -u").stdout.strip().splitlines()[-1] == "10001"
    assert "0001 (head: 0001, up to date)" in stack.inv("migrate", "--current").stdout
    assert "upgraded: 0001 -> 0001" in stack.inv("migrate").stdout
    assert '"logger": "app.migrate"' in stack.inv("logs", "--service", "api", "--tail", "50").stdout
    assert "read_only: true" in stack.inv("config").stdout
    stack.inv("down")


@same_for_every_newcomer
def test_two_envs_side_by_side_and_clean_touches_only_its_project(stacks, engine):
    sqlite, postgres = stacks("dev"), stacks("ci")
    url_a, url_b = sqlite.up(), postgres.up()
    assert url_a != url_b
    assert requests.get(url_a + "/ready", timeout=5).ok and requests.get(url_b + "/ready", timeout=5).ok

    # Resources outside any project, made the way a user would.
    outsider = engine.containers.run(
        "local/python:3.11-slim-bookworm", ["sleep", "300"], detach=True, name=f"outsider-{sqlite.project}"
    )
    volume = engine.volumes.create(f"outsider-{sqlite.project}")
    engine.images.get("local/python:3.11-slim-bookworm").tag(f"outsider-{sqlite.project}", "v1")
    try:
        sqlite.inv("clean")
        assert not sqlite.containers()
        assert not engine.images.list(name=f"{sqlite.project}-api")
        assert engine.volumes.get(f"{sqlite.project}_api-data")  # no --volumes: data kept
        assert requests.get(url_b + "/ready", timeout=5).ok  # the other stack still serves
        outsider.reload()
        assert outsider.status == "running"
        assert engine.volumes.get(volume.name) and engine.images.get(f"outsider-{sqlite.project}:v1")
    finally:
        outsider.remove(force=True)
        volume.remove()
        engine.images.remove(f"outsider-{sqlite.project}:v1")
    postgres.inv("down")


def test_clean_volumes_needs_confirmation(stacks, engine):
    stack = stacks("dev")
    stack.up()
    refused = stack.inv("clean", "--volumes", check=False)
    assert refused.returncode != 0 and "pass --yes" in refused.stdout
    assert engine.volumes.get(f"{stack.project}_api-data")
    stack.inv("clean", "--volumes", "--yes")
    assert not engine.volumes.list(filters={"name": f"{stack.project}_api-data"})


@same_for_every_newcomer
def test_clean_names_what_stayed_and_keeps_a_volume_compose_did_not_make(stacks, engine):
    stack = stacks("dev")
    handmade = engine.volumes.create(f"{stack.project}_api-data")  # a person's, under the stack's volume name
    assert "already exists but was not created by Docker Compose" in stack.inv("up").stdout  # Compose's warning shown
    network = f"{stack.project}_default"
    # From the base image: one the project built would carry the project's label.
    outsider = engine.containers.run(
        stack.base_images()["PYTHON_BASE_IMAGE"], ["sleep", "300"], network=network, name=f"{stack.project}-outsider", detach=True
    )
    try:
        result = stack.inv("clean", "--volumes", "--yes", check=False)
    finally:
        outsider.remove(force=True)
    assert result.returncode == 1
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith(f"error: {stack.project} is not clean, still there: network {network}"), last
    assert f"(containers still attached: {outsider.name})" in last
    result = stack.inv("clean", "--volumes", "--yes")
    assert f"kept volume {handmade.name}: Compose did not create it" in result.stdout
    engine.volumes.get(handmade.name).remove()  # still there, for its owner to decide


# Left of "=" as written in the file (with `export`), right of it as written.
TRICKY = {
    "POSTGRES_PASSWORD": "'p$ss \"word\" #1'",
    "export APP_TITLE": '"Notes: $HOME isn\'t # expanded"',
}


@same_for_every_newcomer
def test_tricky_values_reach_containers_exactly_as_python_dotenv_reads_them(stacks):
    stack = stacks("ci", **TRICKY)
    expected = {key.removeprefix("export "): stack.settings.value(key.removeprefix("export ")) for key in TRICKY}
    assert expected["APP_TITLE"] == "Notes: $HOME isn't # expanded"
    assert expected["POSTGRES_PASSWORD"] == 'p$ss "word" #1'
    url = stack.up()
    assert requests.get(url + "/openapi.json", timeout=5).json()["info"]["title"] == expected["APP_TITLE"]
    printed = stack.compose("exec", "-T", "db", "printenv", "POSTGRES_PASSWORD").stdout
    assert printed == expected["POSTGRES_PASSWORD"] + "\n"
    assert requests.get(url + "/ready", timeout=5).ok  # the api logged in with that password
    stack.inv("down")


@same_for_every_newcomer
def test_an_empty_value_reaches_the_container_empty(stacks):
    # With `${APP_TITLE:-Notes service}` in compose.yaml the api would start under
    # the default title; it gets the empty value and refuses it by name, at once.
    stack = stacks("dev", APP_TITLE="")
    assert stack.settings.values["APP_TITLE"].value == ""
    start = time.monotonic()
    result = stack.inv("up", check=False)
    assert result.returncode == 1
    assert "invalid setting APP_TITLE: String should have at least 1 character (got '')" in result.stdout, result.stdout[-3000:]
    assert time.monotonic() - start < stack.settings.wait_timeout  # refused, not waited out


def test_port_in_use_is_refused_before_anything_starts(stacks):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        stack = stacks("dev", API_PORT=str(port))
        result = stack.inv("up", check=False)
    assert result.returncode == 1
    last = result.stdout.strip().splitlines()[-1]
    assert f"port {port} on 127.0.0.1 (service api) is in use" in last and "API_PORT" in last
    assert "Traceback" not in result.stdout
    assert not stack.containers()


def test_port_held_by_another_stack_names_its_container(stacks):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    holder = stacks("dev", API_PORT=str(port))
    holder.up()
    newcomer = stacks("ci", API_PORT=str(port))
    result = newcomer.inv("up", check=False)
    assert result.returncode == 1
    assert f"in use by container {holder.project}-api-1 (project {holder.project})" in result.stdout.strip().splitlines()[-1]
    assert not newcomer.containers()
    holder.inv("down")


def test_hot_reload_changes_a_response_without_rebuild(stacks):
    stack = stacks("dev")
    url = stack.up()
    version_file = ROOT / "app" / "__init__.py"
    original = version_file.read_text()
    marker = f"reload-{stack.project}"
    try:
        version_file.write_text(original.replace('__version__ = "0.1.0"', f'__version__ = "{marker}"'))
        start = time.monotonic()
        wait_for(lambda: requests.get(url + "/health", timeout=2).json().get("version") == marker, timeout=15, what="reload")
        print(f"reload took {time.monotonic() - start:.1f}s")
    finally:
        version_file.write_text(original)
    stack.inv("down")


EXTRA_SERVICE = """
services:
  sidecar:
    build:
      context: ..
      dockerfile: docker/Dockerfile
      target: runtime
      args:
        PYTHON_BASE: ${PYTHON_BASE_IMAGE:-python:3.11-slim-bookworm}
      secrets: [ca_bundle]
    entrypoint: ["python", "-m", "http.server", "9000", "--directory", "/srv"]
    healthcheck:
      test: ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9000/')"]
      interval: 1s
    ports: ["127.0.0.1:0:9000"]
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    mem_limit: 64m
    pids_limit: 32
    restart: unless-stopped
"""


@same_for_every_newcomer
def test_a_service_added_to_a_compose_file_is_known_to_every_task(stacks, tmp_path):
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA_SERVICE)
    stack = stacks("ci", COMPOSE_FILE=f"docker/compose.yaml:{extra}")
    stack.up()
    assert "sidecar" in stack.inv("status").stdout
    assert "GET / HTTP/1.1" in stack.inv("logs", "--service", "sidecar").stdout  # its healthcheck's requests
    assert stack.inv("exec", "sidecar", "id -u").stdout.strip().splitlines()[-1] == "10001"
    smoke = stack.inv("smoke").stdout
    for check in ("sidecar: healthy", "sidecar: runs as non-root", "sidecar: hardening in effect", "sidecar: no forbidden files"):
        assert f"ok   {check}" in smoke
    stack.inv("down")


BROKEN_BUILD = """
services:
  broken:
    build:
      context: .
      dockerfile_inline: |
        FROM scratch
        RUN python -c "def broken(:"
"""


def test_a_failed_build_shows_composes_own_words(stacks, tmp_path):
    extra = tmp_path / "broken.yaml"
    extra.write_text(BROKEN_BUILD)
    stack = stacks("dev", COMPOSE_FILE=f"docker/compose.yaml:{extra}")
    result = stack.inv("up", check=False)
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert any(re.match(r"#\d+ \[broken ", line) for line in lines), result.stdout  # the build's progress, as it ran
    assert any(line.startswith("failed to solve") for line in lines[:-1])  # Compose's error, in its words
    last = lines[-1]
    assert last.startswith(f"error: {stack.project} did not start: Compose said 'failed to solve"), last


# Where the docker CLI looks for plugins (the user's folder first).
PLUGIN_DIRS = ["~/.docker/cli-plugins", "/usr/local/lib/docker/cli-plugins", "/usr/local/libexec/docker/cli-plugins"]
PLUGIN_DIRS += ["/usr/lib/docker/cli-plugins", "/usr/libexec/docker/cli-plugins"]


@pytest.fixture
def short_folder():
    """A folder with a short path: a unix socket path is limited to 107 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="ctx-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif("DOCKER_HOST" in os.environ, reason="DOCKER_HOST outranks any docker context")
def test_the_current_docker_context_is_honoured(stacks, tmp_path, short_folder):
    """As with Docker Desktop, colima or rootless Docker: the socket is elsewhere and a context says where."""
    stack = stacks("dev")
    config = tmp_path / "docker-config"  # a docker config of its own: the user's current context stays
    (config / "cli-plugins").mkdir(parents=True)
    compose = next(p for d in PLUGIN_DIRS if (p := Path(d).expanduser() / "docker-compose").exists())
    (config / "cli-plugins" / "docker-compose").symlink_to(compose)
    elsewhere = short_folder / "engine.sock"
    elsewhere.symlink_to("/var/run/docker.sock")
    nowhere = short_folder / "nowhere.sock"
    env = {"DOCKER_CONFIG": str(config)}

    def use_context(name: str, host: str) -> None:
        for args in (["context", "create", name, "--docker", f"host={host}"], ["context", "use", name]):
            done = subprocess.run(["docker", *args], env={**os.environ, **env}, capture_output=True, text=True)
            assert done.returncode == 0, f"docker {' '.join(args)}: {done.stderr}"

    use_context("nowhere", f"unix://{nowhere}")  # the default socket works: only the context can make this fail
    line = last_error_line(inv("status", "--env", str(stack.env_file), env=env))
    assert f"no Docker engine answers at unix://{nowhere} (from docker context nowhere" in line
    use_context("elsewhere", f"unix://{elsewhere}")
    assert "is healthy in" in checked(inv("up", "--env", str(stack.env_file), env=env)).stdout
    assert "healthy" in checked(inv("status", "--env", str(stack.env_file), env=env)).stdout
    doctor = inv("doctor", "--env", str(stack.env_file), env=env).stdout
    assert f"at unix://{elsewhere} (from docker context elsewhere)" in doctor
