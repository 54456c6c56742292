"""fastapi_stackops/checks/probes.py: what a service's health and ready paths must answer, and a probe its status."""

from __future__ import annotations

import http.server
import threading

import pytest

from fastapi_stackops.checks.probes import SERVING, WrongStatus, run_probe
from fastapi_stackops.lazy import requests
from fastapi_stackops.project import Probe
from tests.utils.answering import JSONAnswering


@pytest.fixture
def answering_with():
    """A service that answers every GET with the status the test sets."""
    status = {"now": 200}

    class Handler(JSONAnswering):
        def do_GET(self):
            self.answer(status["now"], {})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield status, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(
    ("expected", "answered", "passes"),
    [
        # daxitpatel/fastapi-microservice-template: /k8/liveness answers 204, and smoke failed it ("expected 200")
        (SERVING, 204, True),
        (SERVING, 200, True),
        (SERVING, 404, False),
        (SERVING, 500, False),
        (200, 204, False),  # a probe the contract gives a status keeps to it
        (201, 201, True),
    ],
)
def test_a_health_path_serves_with_any_2xx_or_3xx_and_a_probe_keeps_its_status(answering_with, expected, answered, passes):
    status, url = answering_with
    status["now"] = answered
    probe = Probe("/health", status=expected)
    if passes:
        assert run_probe(requests.Session(), url, probe).status_code == answered
    else:
        with pytest.raises(
            WrongStatus, match=f"answered {answered}, expected {'2xx or 3xx' if expected == SERVING else expected}"
        ):
            run_probe(requests.Session(), url, probe)


@pytest.mark.parametrize(("limited", "passes"), [(1, True), (3, True), (4, False)])
def test_a_rate_limited_health_path_is_asked_again_after_the_wait_it_names(limited, passes):
    """MIXgleb/fastapi-movie-manager: its health route allows one request a second; smoke asked health and ready in the
    same second and failed the second on 429."""
    asked = []

    class Limited(JSONAnswering):
        def do_GET(self):
            asked.append(1)
            if len(asked) <= limited:
                self.send_response(429)
                self.send_header("Retry-After", "0.05")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self.answer(200, {})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Limited)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        if passes:
            assert run_probe(requests.Session(), url, Probe("/health", status=SERVING)).status_code == 200
        else:
            with pytest.raises(WrongStatus, match="answered 429"):
                run_probe(requests.Session(), url, Probe("/health", status=SERVING))
    finally:
        server.shutdown()
