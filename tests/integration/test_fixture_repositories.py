"""Repositories shaped like real ones stackops was tried on, written here: each passes `inv ci` from its folder,
and each shape's trap, once judged wrongly, is judged right in both directions."""

import re
import time

import pytest
import requests

from fastapi_stackops.baseimages import BaseImage, ensure_image
from fastapi_stackops.engine import PROJECT_LABEL
from fastapi_stackops.settings import load_settings
from tests.utils import FIXTURES, fixture_repository, same_for_every_newcomer
from tests.utils.stacks import run_task

# Not spread: the tiny fixture's Compose file names its image (tiny-api), which two of its tests build differently.
pytestmark = same_for_every_newcomer  # the same for every user and Python: proven once, by the outer run

SHAPES = ["prefixed-api", "restart-until-ready", "redis-worker"]


def test_the_fixture_shapes_are_all_here():
    assert sorted(p.name for p in FIXTURES.iterdir() if (p / "pyproject.toml").is_file() and p.name != "tiny") == sorted(SHAPES)


@pytest.fixture
def repository(engine, tmp_path):
    """Copies of fixture repositories; whatever their envs started is cleaned, volumes too."""
    made = []

    def copy(name: str):
        repo = fixture_repository(name, tmp_path)
        made.append(repo)
        return repo

    yield copy
    for repo in made:
        for env in ("ci", "dev"):
            run_task("clean", "--env", env, "--volumes", "--yes", cwd=repo, check=False)


def project(repo, env="ci"):
    env_dir = "deploy-env" if (repo / "deploy-env").is_dir() else "env"
    text = (repo / env_dir / f"{env}.env.docker").read_text()
    return next(line.split("=", 1)[1] for line in text.splitlines() if line.startswith("COMPOSE_PROJECT_NAME="))


@pytest.mark.parametrize("shape", SHAPES)
def test_inv_ci_passes_from_the_repository_folder(shape, repository, engine, tmp_path):
    repo = repository(shape)
    result = run_task("ci", "--reports", str(tmp_path / "reports"), cwd=repo, timeout=900)
    assert "ci passed" in result.stdout and "FAIL" not in result.stdout
    assert "cycle 2: write, down, up, read back" in result.stdout
    assert not engine.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={project(repo)}"})


def test_up_waits_through_a_restart_until_the_health_path_answers(repository, engine):
    repo = repository("restart-until-ready")
    run_task("up", "--env", "ci", cwd=repo)
    api = engine.containers.list(filters={"label": [f"{PROJECT_LABEL}={project(repo)}", "com.docker.compose.service=api"]})[0]
    # It crashed while PostgreSQL initialised, and its restart policy brought it back.
    assert api.attrs["RestartCount"] >= 1
    url = run_task("status", "--env", "ci", cwd=repo).stdout.split("127.0.0.1:")[1].split("->")[0]
    # No healthcheck, yet up returned only once the app serves: asked once, at once.
    assert requests.get(f"http://127.0.0.1:{url}/healthz", timeout=5).status_code == 200


def test_a_crash_loop_fails_up_within_seconds_naming_the_service_and_its_error(tmp_path, engine):
    repo = fixture_repository("tiny", tmp_path)
    server = repo / "server.py"
    server.write_text(
        server.read_text().replace("import http.server", "raise SystemExit('tiny: cannot start: no config')\nimport http.server")
    )
    try:
        start = time.monotonic()
        result = run_task("up", "--env", "a", cwd=repo, check=False)
        elapsed = time.monotonic() - start
    finally:
        run_task("clean", "--env", "a", "--volumes", "--yes", cwd=repo, check=False)
    assert result.returncode == 1
    assert re.search(r"api of \S+ is crash-looping: it restarted [3-9] times since up began", result.stdout), result.stdout[
        -3000:
    ]
    assert "tiny: cannot start: no config" in result.stdout
    assert elapsed < 120, result.stdout[-3000:]  # found out before the wait for health (WAIT_TIMEOUT 120 s) gave up


def test_up_waits_for_a_service_its_own_healthcheck_gave_up_on_too_early(tmp_path, engine):
    repo = fixture_repository("tiny", tmp_path)
    # A slow first start (a database initialising its volume) under a check that allows one failure.
    server = repo / "server.py"
    server.write_text(server.read_text().replace("import http.server", "import time\ntime.sleep(6)\nimport http.server"))
    dockerfile = repo / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("--interval=1s", "--interval=1s --retries=1"))
    try:
        result = run_task("up", "--env", "a", cwd=repo, check=False)
    finally:
        run_task("clean", "--env", "a", "--volumes", "--yes", cwd=repo, check=False)
    assert result.returncode == 0, result.stdout[-3000:]


def test_data_under_the_image_volume_on_an_anonymous_volume_fails_smoke(repository):
    repo = repository("restart-until-ready")
    # The named volume one level up, as PostgreSQL 18's layout would have it: the
    # image's VOLUME /var/lib/postgresql/data still gets an anonymous one.
    env = repo / "env" / "ci.env.docker"
    env.write_text(env.read_text() + "DB_VOLUME_TARGET=db-data:/var/lib/postgresql\n")
    run_task("up", "--env", "ci", cwd=repo)
    result = run_task("smoke", "--env", "ci", cwd=repo, check=False)
    assert result.returncode == 1
    assert "FAIL db: data on named volumes" in result.stdout
    assert "/var/lib/postgresql/data is on an anonymous volume" in result.stdout
    assert "ok   api: data on named volumes" in result.stdout


def test_min_uid_is_the_contracts_and_the_default_refuses_uid_1001(repository):
    repo = repository("prefixed-api")
    run_task("up", "--env", "ci", cwd=repo)
    assert "ok   api: runs as non-root" in run_task("smoke", "--env", "ci", cwd=repo).stdout  # min-uid = 1000
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("min-uid = 1000\n", ""))
    result = run_task("smoke", "--env", "ci", cwd=repo, check=False)
    assert result.returncode == 1
    assert "the image's USER is 1001; expected a numeric UID >= 10000" in result.stdout
    assert "min-uid in pyproject.toml [tool.stackops.services.api]" in result.stdout


def test_env_files_git_ignores_fail_doctor_and_lint_naming_the_rule(repository):
    repo = repository("prefixed-api")
    assert "ok   env files" in run_task("doctor", "--env", "ci", cwd=repo, check=False).stdout  # deploy-env/: kept by git
    (repo / "deploy-env").rename(repo / "env")
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('env-dir = "deploy-env"', 'env-dir = "env"'))
    doctor = run_task("doctor", "--env", "ci", cwd=repo, check=False)
    assert doctor.returncode == 1
    assert "FAIL env files" in doctor.stdout and "env/ci.env.docker is ignored by git (.gitignore:6: env/)" in doctor.stdout
    lint = run_task("lint", cwd=repo, check=False)
    assert lint.returncode == 1
    assert "is ignored by git (.gitignore:6: env/), so a fresh clone has no env files" in lint.stdout.strip().splitlines()[-1]


def test_a_base_image_version_no_debian_suite_ships_is_refused_in_one_line(repository):
    repo = repository("redis-worker")
    env = repo / "env" / "ci.env.docker"
    env.write_text(env.read_text() + "PYTHON_BASE_IMAGE=python:3.12-slim\nBASE_IMAGES=local\n")
    result = run_task("images", "--env", "ci", cwd=repo, check=False)
    assert result.returncode == 1
    line = result.stdout.strip().splitlines()[-1]
    assert line == (
        "error: no local substitute can stand in for python:3.12-slim: Debian's packages give python 3.9 (bullseye), "
        "3.11 (bookworm), 3.13 (trixie), 3.14 (forky); name one of those versions, or make python:3.12-slim available "
        "(docker pull, or a registry)"
    )


def test_the_postgres_substitute_runs_the_init_scripts_once_as_the_official_image_does(engine, tmp_path):
    image = ensure_image(
        BaseImage("postgres", "POSTGRES_BASE_IMAGE", "postgres:15-bookworm"), load_settings("ci", environ={}), engine
    )
    scripts = tmp_path / "initdb"
    scripts.mkdir()
    (scripts / "01-schema.sql").write_text("CREATE TABLE notes (title text);\n")
    seed = """psql -q -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "INSERT INTO notes VALUES ('seeded')"\n"""
    (scripts / "02-seed.sh").write_text(seed)  # not executable: sourced, as the official image does
    volumes = {str(scripts): {"bind": "/docker-entrypoint-initdb.d", "mode": "ro"}}
    environment = {"POSTGRES_USER": "app", "POSTGRES_PASSWORD": "init-scripts", "POSTGRES_DB": "app"}
    container = engine.containers.run(image, detach=True, environment=environment, volumes=volumes)
    try:
        for _ in range(2):  # the second start finds the data directory made: the scripts do not run again
            deadline = time.monotonic() + 60
            while container.exec_run(["pg_isready", "-q", "-h", "127.0.0.1"]).exit_code != 0:
                assert time.monotonic() < deadline, container.logs().decode()[-2000:]
                time.sleep(0.5)
            rows = container.exec_run(["psql", "-tA", "-U", "app", "-d", "app", "-c", "SELECT title FROM notes"])
            assert rows.output.decode().split() == ["seeded"], container.logs().decode()[-2000:]
            container.restart(timeout=10)
        assert container.logs().decode().count("running /docker-entrypoint-initdb.d/01-schema.sql") == 1
    finally:
        container.remove(force=True, v=True)


def test_the_mariadb_substitute_runs_the_sql_init_scripts_once_into_its_database(engine, tmp_path):
    # kimjy-par/fastapi-async-architecture: its tables come from sql/*.sql, which its own compose mounted for MariaDB.
    image = ensure_image(BaseImage("mariadb", "MARIADB_BASE_IMAGE", "mariadb:10.11"), load_settings("ci", environ={}), engine)
    scripts = tmp_path / "sql"
    scripts.mkdir()
    (scripts / "01_tables.sql").write_text("CREATE TABLE notes (title text);\nINSERT INTO notes VALUES ('seeded');\n")
    volumes = {str(scripts): {"bind": "/docker-entrypoint-initdb.d", "mode": "ro"}}
    environment = {"MARIADB_USER": "app", "MARIADB_PASSWORD": "init-scripts", "MARIADB_DATABASE": "app"}
    environment["MARIADB_RANDOM_ROOT_PASSWORD"] = "1"
    container = engine.containers.run(image, detach=True, environment=environment, volumes=volumes)
    query = [
        "mariadb",
        "--protocol=tcp",
        "-h",
        "127.0.0.1",
        "-uapp",
        "-pinit-scripts",
        "-N",
        "app",
        "-e",
        "SELECT title FROM notes",
    ]
    try:
        for _ in range(2):  # the second start finds the data directory made: the scripts do not run again
            deadline = time.monotonic() + 90
            while (rows := container.exec_run(query)).exit_code != 0:
                assert time.monotonic() < deadline, container.logs().decode()[-2000:]
                time.sleep(0.5)
            assert rows.output.decode().split() == ["seeded"], container.logs().decode()[-2000:]
            container.restart(timeout=10)
        assert container.logs().decode().count("running /docker-entrypoint-initdb.d/01_tables.sql") == 1
    finally:
        container.remove(force=True, v=True)


def test_the_postgres_18_substitute_keeps_its_data_where_the_official_18_image_does(engine):
    """PostgreSQL 18's official image keeps PGDATA at /var/lib/postgresql/18/docker, under a VOLUME of
    /var/lib/postgresql, where init mounts the stack's named volume for an app that calls uuidv7()."""
    image = ensure_image(BaseImage("postgres", "POSTGRES_BASE_IMAGE", "postgres:18"), load_settings("ci", environ={}), engine)
    assert image == "local/postgres:18-forky"
    assert list(engine.images.get(image).attrs["Config"]["Volumes"]) == ["/var/lib/postgresql"]
    environment = {"POSTGRES_USER": "app", "POSTGRES_PASSWORD": "eighteen", "POSTGRES_DB": "app"}
    volume = engine.volumes.create()
    container = engine.containers.run(
        image, detach=True, environment=environment, volumes={volume.name: {"bind": "/var/lib/postgresql"}}
    )
    try:
        deadline = time.monotonic() + 60
        while container.exec_run(["pg_isready", "-q", "-h", "127.0.0.1"]).exit_code != 0:
            assert time.monotonic() < deadline, container.logs().decode()[-2000:]
            time.sleep(0.5)
        made = container.exec_run(["psql", "-tA", "-U", "app", "-d", "app", "-c", "SELECT uuidv7() IS NOT NULL"])
        assert made.output.decode().strip() == "t", made.output.decode()
        assert container.exec_run(["cat", "/var/lib/postgresql/18/docker/PG_VERSION"]).output.decode().strip() == "18"
    finally:
        container.remove(force=True, v=True)
        volume.remove(force=True)


def test_a_failed_init_script_leaves_no_half_made_database_and_runs_again_at_the_next_start(engine, tmp_path):
    image = ensure_image(
        BaseImage("postgres", "POSTGRES_BASE_IMAGE", "postgres:15-bookworm"), load_settings("ci", environ={}), engine
    )
    scripts = tmp_path / "initdb"
    scripts.mkdir()
    (scripts / "01-schema.sql").write_text('CREATE TABLE notes (\n  "title" text\n  "body" text\n);\n')  # a comma missing
    volumes = {str(scripts): {"bind": "/docker-entrypoint-initdb.d", "mode": "ro"}}
    environment = {"POSTGRES_USER": "app", "POSTGRES_PASSWORD": "init-scripts", "POSTGRES_DB": "app"}
    container = engine.containers.run(image, detach=True, environment=environment, volumes=volumes)
    try:
        for start in (1, 2):  # before, the second start found a data directory and served it without the table
            assert container.wait(timeout=60)["StatusCode"] != 0
            logs = container.logs().decode()
            assert logs.count("running /docker-entrypoint-initdb.d/01-schema.sql") == start, logs[-2000:]
            assert 'syntax error at or near ""body""' in logs and "initialisation failed (exit 3)" in logs
            container.start()
    finally:
        container.remove(force=True, v=True)


def test_substitutes_are_the_versions_their_images_name(engine, repository):
    repo = repository("redis-worker")
    assert "PYTHON_BASE_IMAGE=local/python:3.13-slim-trixie" in run_task("images", "--env", "ci", cwd=repo).stdout
    version = engine.containers.run("local/python:3.13-slim-trixie", ["python3", "-V"], remove=True).decode()
    assert version.startswith("Python 3.13.")
    # A tmpfs over the image's VOLUME: else each run leaves an anonymous volume (the SDK's remove keeps volumes).
    postgres = engine.containers.run(
        "local/postgres:17-trixie",
        entrypoint=["postgres", "--version"],
        remove=True,
        user="postgres",
        tmpfs={"/var/lib/postgresql/data": ""},
    )
    assert " 17." in postgres.decode()
