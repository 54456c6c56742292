"""startup's pure rules, on containers as the engine describes them."""

import socket
import socketserver
import threading
from types import SimpleNamespace

import pytest

from fastapi_stackops.engine import SERVICE_LABEL
from fastapi_stackops.startup import CRASH_LOOP_RESTARTS, answer, crash_loop, restarts_since, unsettled
from tests.utils.answering import JSONAnswering


def container(service, status="running", health=None, restarts=0, restarting=False, exit_code=0, policy="no", cid=None):
    state = {"Status": status, "Restarting": restarting, "ExitCode": exit_code}
    if health:
        state["Health"] = {"Status": health}
    attrs = {"State": state, "RestartCount": restarts, "HostConfig": {"RestartPolicy": {"Name": policy}}}
    return SimpleNamespace(id=cid or service, name=f"p-{service}-1", status=status, labels={SERVICE_LABEL: service}, attrs=attrs)


@pytest.mark.parametrize(
    "restarts, expected",
    [
        ({}, None),
        ({"api": CRASH_LOOP_RESTARTS - 1}, None),  # restarted while something it needs starts: still starting
        ({"api": CRASH_LOOP_RESTARTS}, "api"),
        ({"db": 0, "worker": CRASH_LOOP_RESTARTS + 2}, "worker"),
    ],
)
def test_crash_loop(restarts, expected):
    assert crash_loop(restarts) == expected


@pytest.mark.parametrize(
    "containers, baseline, expected",
    [
        ([container("api", restarts=2)], {"api": 2}, {}),  # restarts before this up do not count
        ([container("api", restarts=3)], {"api": 1}, {"api": 2}),
        ([container("api", restarts=1, restarting=True)], {"api": 1}, {"api": 1}),  # restarting right now counts
        ([container("api", restarts=1)], {}, {"api": 1}),  # a container new to this up counts from zero
        (
            [container("api", restarts=1, cid="a1"), container("api", restarts=2, cid="a2")],
            {"a1": 0, "a2": 0},
            {"api": 3},  # replicas add up
        ),
    ],
)
def test_restarts_since(containers, baseline, expected):
    assert restarts_since(containers, baseline) == expected


@pytest.mark.parametrize(
    "one, expected",
    [
        (container("api", health="healthy"), []),
        (container("api"), []),  # no healthcheck: running is all Compose can tell
        (container("api", health="starting"), ["api (starting)"]),
        (container("api", health="unhealthy"), ["api (unhealthy)"]),
        (container("migrate", status="exited"), []),  # a one-shot that exited 0 is done
        (container("migrate", status="exited", exit_code=1), ["migrate (exited)"]),
        (container("api", status="exited", policy="always"), ["api (exited)"]),  # a service meant to run
    ],
)
def test_unsettled(one, expected):
    assert unsettled([one]) == expected


class Paths(JSONAnswering):
    def do_GET(self):
        status = {"/health": 200, "/moved": 307, "/ready?deep=1": 200, "/broken": 503}.get(self.path, 404)
        self.answer(status, {"path": self.path})


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/health", None),
        ("/moved", None),  # a redirect is an answer: not followed
        ("/ready?deep=1", None),  # the query is asked too
        ("/broken", '503: {"path": "/broken"}'),
        ("/nowhere", '404: {"path": "/nowhere"}'),
    ],
)
def test_a_health_path_answers_2xx_or_3xx_else_what_it_said(path, said):
    with socketserver.TCPServer(("127.0.0.1", 0), Paths) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            assert answer(f"http://127.0.0.1:{server.server_address[1]}{path}") == said
        finally:
            server.shutdown()


def test_a_port_nothing_listens_on_is_no_answer():
    with socket.socket() as probe:  # a port just freed: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert answer(f"http://127.0.0.1:{port}/health") == "no answer (ConnectionRefusedError)"
