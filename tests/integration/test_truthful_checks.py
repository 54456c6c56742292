"""Checks that judge real stacks truthfully, in both directions: each scenario here once fooled a check."""

import uuid

import pytest

from fastapi_stackops.engine import PROJECT_LABEL
from tests.utils import fixture_repository, same_for_every_newcomer
from tests.utils.stacks import run_task

pytestmark = same_for_every_newcomer  # who runs inv changes nothing here: proven once, by the outer run


@pytest.fixture
def tiny(engine, tmp_path):
    """The tiny fixture repository with two envs, a and b, sharing one fixed image name; both cleaned at the end."""
    repo = fixture_repository("tiny", tmp_path)
    image = f"tiny-api-{uuid.uuid4().hex[:6]}"
    for env in ("a", "b"):
        path = repo / "env" / f"{env}.env.docker"
        path.write_text(path.read_text() + f"API_IMAGE={image}\n")
    yield repo, image
    for env in ("a", "b"):
        run_task("clean", "--env", env, "--volumes", "--yes", cwd=repo, check=False)
    for stale in engine.images.list(name=image):
        engine.images.remove(stale.id, force=True)


def project_of(repo, env):
    return next(
        line.split("=", 1)[1] for line in (repo / "env" / f"{env}.env.docker").read_text().splitlines() if "PROJECT" in line
    )


def test_a_key_planted_early_is_found_though_an_older_build_shares_every_layer_but_the_last(tiny):
    repo, _ = tiny
    dockerfile = repo / "Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text().replace("WORKDIR /srv", "RUN mkdir -p /opt/keys && echo planted > /opt/keys/id_rsa\nWORKDIR /srv")
    )
    run_task("build", "--env", "a", cwd=repo)  # the older build: every layer of b's but its last
    dockerfile.write_text(dockerfile.read_text() + "RUN echo appended > /tmp/appended\n")
    run_task("up", "--env", "b", cwd=repo)
    result = run_task("smoke", "--env", "b", cwd=repo, check=False)
    assert result.returncode == 1
    assert "FAIL api: no forbidden files in image" in result.stdout
    assert "/opt/keys/id_rsa (id_rsa)" in result.stdout


def test_forbidden_files_pass_on_a_clean_image_counting_only_its_own_layers(tiny):
    repo, _ = tiny
    # An empty env file, as init writes for an app that reads one at import (its values come from the environment),
    # holds nothing to leak.
    dockerfile = repo / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("WORKDIR /srv", "WORKDIR /srv\nRUN touch /srv/.env"))
    run_task("up", "--env", "a", cwd=repo)
    result = run_task("smoke", "--env", "a", cwd=repo, check=False)  # tiny's VOLUME /data fails another check
    # Its own layers: the passwd line, /data, WORKDIR and server.py; nothing of the base image's.
    assert "ok   api: no forbidden files in image" in result.stdout
    files = int(result.stdout.split("no forbidden files in image")[1].split("files in the project's layers")[0].split()[-1])
    assert 0 < files < 20


def test_clean_removes_superseded_builds_and_anonymous_volumes_and_keeps_another_envs_image(tiny, engine):
    repo, image = tiny
    project_a, project_b = project_of(repo, "a"), project_of(repo, "b")
    run_task("up", "--env", "a", cwd=repo)
    anonymous = {
        m["Name"]
        for c in engine.containers.list(filters={"label": f"{PROJECT_LABEL}={project_a}"})
        for m in c.attrs["Mounts"]
        if m["Destination"] == "/data"
    }
    assert len(anonymous) == 1  # the image's VOLUME /data
    server = repo / "server.py"
    server.write_text(server.read_text().replace('VERSION = "1"', 'VERSION = "2"'))  # a code-only change
    run_task("up", "--env", "a", cwd=repo)  # rebuilds: the first image is superseded, still labelled a's
    run_task("up", "--env", "b", cwd=repo)  # b builds the same image name, and uses it
    assert len(engine.images.list(filters={"label": f"{PROJECT_LABEL}={project_a}"})) == 2

    result = run_task("clean", "--env", "a", "--volumes", "--yes", cwd=repo)

    assert "is not clean" not in result.stdout
    assert not engine.images.list(filters={"label": f"{PROJECT_LABEL}={project_a}"})
    assert not engine.volumes.list(filters={"label": f"{PROJECT_LABEL}={project_a}"})
    assert not anonymous & {v.name for v in engine.volumes.list()}
    b_image = engine.images.get(f"{image}:latest")
    assert b_image.labels[PROJECT_LABEL] == project_b
    assert run_task("status", "--env", "b", cwd=repo).stdout.count("healthy") == 1


def test_clean_keeps_an_image_another_env_names_even_when_this_env_built_it_last(tiny, engine):
    repo, image = tiny
    project_a = project_of(repo, "a")
    run_task("up", "--env", "a", cwd=repo)
    # With --volumes: a plain clean keeps the container's anonymous volume (no data goes unasked), and once the
    # container is gone nothing names it as the project's, so the suite would leave it behind.
    result = run_task("clean", "--env", "a", "--volumes", "--yes", cwd=repo)
    assert f"kept image {image}:latest (another env of this project names it)" in result.stdout
    assert engine.images.get(f"{image}:latest").labels[PROJECT_LABEL] == project_a


def test_a_built_http_service_without_a_healthcheck_fails_smoke_with_the_fix(tiny):
    repo, _ = tiny
    run_task("up", "--env", "a", cwd=repo)
    assert "ok   api: has a healthcheck" in run_task("smoke", "--env", "a", cwd=repo, check=False).stdout
    dockerfile = repo / "Dockerfile"
    dockerfile.write_text("\n".join(line for line in dockerfile.read_text().splitlines() if not line.startswith("HEALTHCHECK")))
    run_task("up", "--env", "a", cwd=repo)  # waits for /health instead, then succeeds
    result = run_task("smoke", "--env", "a", cwd=repo, check=False)
    assert result.returncode == 1
    assert "FAIL api: has a healthcheck" in result.stdout
    assert "it has no healthcheck, so it counts as healthy as soon as it runs" in result.stdout
    assert "urlopen('http://127.0.0.1:8000/health', timeout=3)" in result.stdout
