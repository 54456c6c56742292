"""`--build-cache DIR`: a runner that starts with an empty engine builds from the images the last run saved."""

import uuid

import docker
import pytest

from fastapi_stackops.build_cache import REPOSITORY
from tests.utils import fixture_repository, same_for_every_newcomer
from tests.utils.stacks import run_task

pytestmark = same_for_every_newcomer  # who runs inv changes nothing here: proven once, by the outer run


@pytest.fixture
def stamped(engine, tmp_path):
    """The tiny fixture with an image name of its own and a last step whose output differs on every run of it."""
    repo = fixture_repository("tiny", tmp_path)
    image, stamp = f"tiny-cache-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    env = repo / "env" / "a.env.docker"
    env.write_text(env.read_text() + f"API_IMAGE={image}\n")
    dockerfile = repo / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("USER ", f"RUN echo {stamp} && date +%s%N > /stamp\nUSER ", 1))
    yield repo, f"{image}:latest", stamp
    for stale in engine.images.list(name=image):
        engine.images.remove(stale.id, force=True)


def forget_the_engines_cache_of(engine: docker.DockerClient, stamp: str) -> None:
    """What a new runner lacks: the build-cache records of the stamped step (only those: other tests build beside)."""
    for record in engine.api.df()["BuildCache"] or []:
        if stamp in (record.get("Description") or ""):
            engine.api.prune_builds(filters={"id": record["ID"]})


def test_a_build_on_an_engine_without_its_cache_reuses_the_images_the_folder_kept(engine, stamped):
    repo, image, stamp = stamped
    first = run_task("build", "--env", "a", "--build-cache", "cache", cwd=repo)
    assert "build cache  none yet in" in first.stdout and "build cache  1 image(s) saved to" in first.stdout, first.stdout
    assert [p.name for p in (repo / "cache").iterdir()] == [f"{REPOSITORY}-api.tar"]
    layers = engine.images.get(image).attrs["RootFS"]["Layers"]
    engine.images.remove(image, force=True)
    forget_the_engines_cache_of(engine, stamp)

    again = run_task("build", "--env", "a", "--build-cache", "cache", cwd=repo)
    assert "build cache  1 image(s) from" in again.stdout, again.stdout
    # The stamped step did not run again: its layer is the saved one, byte for byte.
    assert engine.images.get(image).attrs["RootFS"]["Layers"] == layers
    assert not engine.images.list(name=REPOSITORY), "the cache's own tags are left behind"
