"""A Docker engine on its very first start, as a new user's or a new CI machine's is.

On a brand-new data root the default bridge's IPAM config names no Gateway;
only a restart writes it. The engine in the cluster's node image, on a volume
of its own, is such an engine every time: the cluster finds the manager's
address where a container on the bridge always sees it.
"""

import uuid

import docker
import pytest

from fastapi_stackops.baseimages import ensure_image
from fastapi_stackops.settings import load_settings
from fastapi_stackops.ship.cluster import LABEL, NODE_IMAGE, WORKER_CAPABILITIES, bridge_gateway
from tests.utils import same_for_every_newcomer
from tests.utils.stacks import wait_for

pytestmark = same_for_every_newcomer


@pytest.fixture
def fresh_engine(engine):
    """A Docker engine started for the first time on an empty data root, reached over TCP from this host's network."""
    image = ensure_image(NODE_IMAGE, load_settings("ci", environ={}), engine)
    node = engine.containers.run(
        image,
        ["-H", "tcp://0.0.0.0:2375", "-H", "unix:///var/run/docker.sock"],
        name=f"stackops-test-fresh-engine-{uuid.uuid4().hex[:6]}",
        detach=True,
        labels={LABEL: "test"},
        cap_add=WORKER_CAPABILITIES,
        security_opt=["seccomp=unconfined", "apparmor=unconfined"],
        cgroupns="host",
        volumes={"/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw"}},
        tmpfs={"/run": ""},
    )
    try:
        node.reload()
        url = f"tcp://{node.attrs['NetworkSettings']['IPAddress']}:2375"

        def answering():
            try:
                return docker.DockerClient(base_url=url, timeout=60)  # asks the engine its API version at once
            except docker.errors.DockerException as error:
                raise AssertionError(str(error)) from None

        yield wait_for(answering, timeout=60, what="the fresh engine")
    finally:
        node.remove(force=True, v=True)  # v: its data root (an anonymous volume) goes too


def test_the_manager_address_is_found_on_an_engine_whose_bridge_names_no_gateway(engine, fresh_engine):
    configs = fresh_engine.networks.get("bridge").attrs["IPAM"]["Config"]
    # The condition itself: what the cluster read before, and found empty.
    assert configs and not any(config.get("Gateway") for config in configs), configs
    (image,) = fresh_engine.images.load(b"".join(engine.images.get("local/python:3.11-slim-bookworm").save()))
    probe = fresh_engine.containers.run(image.id, ["sleep", "60"], detach=True)
    try:
        gateway = bridge_gateway(probe)
    finally:
        probe.remove(force=True)
    subnet = configs[0]["Subnet"]
    assert gateway.rsplit(".", 1)[0] == subnet.split("/")[0].rsplit(".", 1)[0]  # on the bridge's own subnet
