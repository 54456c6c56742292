"""Images through a real registry (the official image, or one built from Debian's docker-registry).

Base images come from it with BASE_IMAGES=registry; the stack's images go to
it by commit and come back by digest, byte for byte.
"""

from __future__ import annotations

import pytest

from fastapi_stackops.baseimages import plan_substitute
from fastapi_stackops.ship.registry import CONTAINER
from tests.utils import free_port, same_for_every_newcomer
from tests.utils.stacks import run_task

pytestmark = same_for_every_newcomer


@pytest.fixture(scope="module")
def registry(engine, stacks):
    """A local registry on a free port, removed with what it stored when the module ends (if this test started it)."""
    if any(c.name == CONTAINER for c in engine.containers.list(all=True)):
        pytest.skip(f"a registry container {CONTAINER} is already here; not touching it")
    port = free_port()
    env = stacks("dev").env_file
    started = run_task("registry.start", "--env", str(env), "--port", str(port))
    assert f"registry  127.0.0.1:{port}" in started.stdout
    yield f"127.0.0.1:{port}"
    run_task("registry.stop", "--delete-images")
    assert not any(c.name == CONTAINER for c in engine.containers.list(all=True))


def test_base_images_come_from_the_registry_with_base_images_registry(engine, stacks, registry):
    stack = stacks("dev")
    stack.base_images()  # the python base exists here (official or substitute)
    local = engine.images.get(plan_substitute("python", "python:3.11-slim-bookworm").tag)
    remote = f"{registry}/python:3.11-slim-bookworm"
    local.tag(remote)
    for line in engine.images.push(remote, stream=True, decode=True):
        assert "error" not in line, line
    engine.images.remove(remote)  # only the registry holds it now

    from_registry = stacks("dev", BASE_IMAGES="registry", PYTHON_BASE_IMAGE=remote)
    built = from_registry.inv("build")
    assert f"pulling {remote}: done" in built.stdout
    assert engine.images.get(remote).id == local.id
    engine.images.remove(remote)  # the stack's clean removes what it built, not what it pulled


def test_images_are_pushed_by_commit_and_pulled_back_by_digest(engine, stacks, registry):
    stack = stacks("dev", REGISTRY=registry)
    stack.inv("build")
    built = engine.images.get(f"{stack.project}-api")
    output = stack.inv("push").stdout
    lines = [line.split() for line in output.splitlines() if line.startswith("  api") or "@sha256:" in line]
    tag, digest = lines[0][1], lines[1][0]
    assert tag.startswith(f"{registry}/{stack.project}-api:") and digest.startswith(f"{registry}/{stack.project}-api@sha256:")
    engine.images.remove(tag)
    pulled = engine.images.pull(digest)
    assert pulled.id == built.id  # the same bytes, by digest
    engine.images.remove(digest)
