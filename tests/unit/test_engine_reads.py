"""fastapi_stackops/engine_reads.py: the local engine's reads without the SDK, and the SDK for everything else."""

from __future__ import annotations

import json
import shutil
import socketserver
import tempfile
import threading
from types import SimpleNamespace

import pytest

from fastapi_stackops.engine import image_exists, project_containers
from fastapi_stackops.engine_reads import LocalReads, local_socket
from tests.utils.answering import JSONAnswering


@pytest.mark.parametrize(
    ("environ", "config", "socket"),
    [
        ({}, None, "/var/run/docker.sock"),
        ({"DOCKER_HOST": "unix:///run/user/1000/docker.sock"}, None, "/run/user/1000/docker.sock"),  # rootless
        ({"DOCKER_HOST": "tcp://10.0.0.5:2376"}, None, None),  # TLS and TCP: the SDK's
        ({"DOCKER_HOST": "ssh://deploy@host"}, None, None),
        ({}, {"currentContext": "colima"}, None),  # a context names the socket: the SDK resolves it
        ({}, {"currentContext": "default"}, "/var/run/docker.sock"),
        ({"DOCKER_CONTEXT": "desktop-linux"}, None, None),
        ({}, "not json", "/var/run/docker.sock"),
    ],
)
def test_only_an_engine_at_a_unix_socket_chosen_without_a_context_is_read_here(tmp_path, environ, config, socket):
    if config is not None:
        (tmp_path / "config.json").write_text(config if isinstance(config, str) else json.dumps(config))
    assert local_socket({"DOCKER_CONFIG": str(tmp_path), **environ}) == socket


CONTAINER = {
    "Id": "c0ffee",
    "Name": "/shop-api-1",
    "Config": {"Labels": {"com.docker.compose.project": "shop", "com.docker.compose.service": "api"}},
    "State": {"Status": "running"},
    "NetworkSettings": {"Ports": {"8000/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8123"}]}},
    "RestartCount": 2,
}
IMAGE = {"Id": "sha256:be11", "Config": {"Labels": {"io.stackops.base.recipe-hash": "abc"}}, "RepoTags": ["local/python:3.11"]}


class Engine(JSONAnswering):
    """An engine that holds one container (and one removed as it is listed) and one image."""

    asked: list[str] = []

    def do_GET(self):  # noqa: N802
        Engine.asked.append(self.path)
        answers = {"/containers/c0ffee/json": CONTAINER, "/images/local%2Fpython%3A3.11/json": IMAGE}
        if self.path.startswith("/containers/json?"):
            answers[self.path] = [{"Id": "c0ffee"}, {"Id": "gone"}]
        self.answer(200, answers[self.path]) if self.path in answers else self.answer(404, {"message": "no such"})


@pytest.fixture
def engine():
    folder = tempfile.mkdtemp(prefix="engine-", dir="/tmp")  # a unix socket's path is at most 107 bytes: not tmp_path's
    path = f"{folder}/engine.sock"
    server = socketserver.ThreadingUnixStreamServer(path, Engine)
    server.RequestHandlerClass.address_string = lambda self: "engine"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Engine.asked.clear()
    yield path
    server.shutdown()
    shutil.rmtree(folder, ignore_errors=True)


class SDK:
    """The SDK client's stand-in: records what was asked of it."""

    def __init__(self):
        self.asked = []
        self.containers = self.images = self

    def list(self, **kwargs):
        self.asked.append(("list", kwargs))
        return ["from the SDK"]

    def get(self, reference):
        self.asked.append(("get", reference))
        return SimpleNamespace(short_id=f"the SDK's {reference}")


def test_the_projects_containers_are_read_as_the_sdk_reads_them_and_no_sdk_is_made(engine):
    made = []
    reads = LocalReads(engine, lambda: made.append(1) or SDK())
    [container] = project_containers(reads, "shop")  # the container removed while listed is left out, as the SDK does
    assert (container.id, container.name, container.status, container.labels["com.docker.compose.service"]) == (
        "c0ffee",
        "shop-api-1",
        "running",
        "api",
    )
    assert (
        container.attrs["RestartCount"] == 2 and container.attrs["NetworkSettings"]["Ports"]["8000/tcp"][0]["HostPort"] == "8123"
    )
    assert '"com.docker.compose.project=shop"' in Engine.asked[0].replace("%22", '"').replace("%3D", "=")
    assert made == []


def test_an_image_is_read_here_and_an_absent_one_is_none_without_the_sdk(engine):
    made = []
    reads = LocalReads(engine, lambda: made.append(1) or SDK())
    assert image_exists(reads, "local/python:3.11").labels == {"io.stackops.base.recipe-hash": "abc"}
    assert image_exists(reads, "python:3.11-slim-bookworm") is None
    assert made == []


def test_what_is_not_read_here_is_asked_of_the_sdk(engine, tmp_path):
    sdk = SDK()
    reads = LocalReads(engine, lambda: sdk)
    [container] = project_containers(reads, "shop")
    assert container.short_id == "the SDK's c0ffee"  # the SDK's own object, fetched for what is not read here
    assert reads.containers.get("c0ffee").short_id == "the SDK's c0ffee"
    unanswered = LocalReads(str(tmp_path / "no-engine.sock"), lambda: sdk)
    assert unanswered.containers.list(all=True, filters={"label": ["x"]}) == ["from the SDK"]  # it says why, not us
    assert ("list", {"all": True, "filters": {"label": ["x"]}, "ignore_removed": False}) in sdk.asked
