"""The server deploy's reverse proxy (fastapi_stackops/base/proxy-entrypoint.sh) on its own, as `inv deploy` drives it:
a switch under clients that keep their connections open fails none of their requests, and sends new ones to the
container it names. Seconds, where a deploy's own client loop sees one switch per minute of deploying (the reload the
proxy did before failed a request or two in every 30 switches; this one fails none)."""

import subprocess
import uuid

import pytest
import requests

from fastapi_stackops.baseimages import PROXY_IMAGE, BaseImage, ensure_image
from fastapi_stackops.settings import load_settings
from tests.utils import same_for_every_newcomer
from tests.utils.clients import ClientLoop

pytestmark = [pytest.mark.integration, same_for_every_newcomer]

PYTHON = BaseImage(recipe="python", variable="PYTHON_BASE_IMAGE", official="python:3.11-slim-bookworm")
#: An upstream that keeps connections open (HTTP/1.1) and answers with its own name.
UPSTREAM = (
    "import http.server as h, sys\n"
    "class Name(h.BaseHTTPRequestHandler):\n"
    "    protocol_version = 'HTTP/1.1'\n"
    "    def do_GET(self):\n"
    "        body = sys.argv[1].encode()\n"
    "        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers()\n"
    "        self.wfile.write(body)\n"
    "    def log_message(self, *_): pass\n"
    "h.ThreadingHTTPServer(('', 8000), Name).serve_forever()\n"
)
SWITCH = "/usr/local/bin/proxy-entrypoint.sh"


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check)


@pytest.fixture(scope="module")
def proxied(engine):
    """A proxy and two upstreams on a network of their own; the proxy's address and the upstreams' names."""
    settings = load_settings("ci", environ={})
    python, proxy_image = ensure_image(PYTHON, settings, engine), ensure_image(PROXY_IMAGE, settings, engine)
    name = f"it-proxy-{uuid.uuid4().hex[:6]}"
    docker("network", "create", name)
    upstreams = [f"{name}-{side}" for side in ("blue", "green")]
    try:
        for upstream in upstreams:
            docker("run", "-d", "--name", upstream, "--network", name, python, "python", "-c", UPSTREAM, upstream)
        options = ["--read-only", "--tmpfs", "/tmp", "--stop-signal", "SIGUSR1", "-p", "127.0.0.1::8080"]
        docker("run", "-d", "--name", f"{name}-proxy", "--network", name, *options, proxy_image)
        port = docker("port", f"{name}-proxy", "8080").stdout.split(":")[-1].strip()
        yield f"{name}-proxy", f"http://127.0.0.1:{port}", upstreams
    finally:
        docker("rm", "-f", "-v", f"{name}-proxy", *upstreams, check=False)
        docker("network", "rm", name, check=False)


def answer(address: str) -> requests.Response:
    for _ in range(50):  # the proxy's first second
        try:
            return requests.get(address, timeout=5)
        except requests.ConnectionError:
            subprocess.run(["sleep", "0.1"])
    return requests.get(address, timeout=5)


def test_before_any_switch_it_answers_503_and_a_name_that_does_not_resolve_is_refused_with_what_serves_kept(proxied):
    proxy, address, (blue, _) = proxied
    before = answer(address)
    assert before.status_code == 503 and "no release is deployed here yet" in before.text
    refused = docker("exec", proxy, SWITCH, "switch", "nowhere:8000", "api:8000", check=False)
    assert refused.returncode == 1 and "nowhere does not resolve" in refused.stderr
    docker("exec", proxy, SWITCH, "switch", f"{blue}:8000", "api:8000")
    assert answer(address).text == blue
    assert docker("exec", proxy, SWITCH, "switch", "nowhere:8000", "api:8000", check=False).returncode == 1
    assert answer(address).text == blue
    assert docker("exec", proxy, "cat", "/var/lib/proxy/serving").stdout.strip() == f"{blue}:8000"


def test_switching_under_clients_that_keep_connections_open_fails_none_and_sends_new_requests_where_it_names(proxied):
    proxy, address, upstreams = proxied
    docker("exec", proxy, SWITCH, "switch", f"{upstreams[0]}:8000", "api:8000")
    sessions = [requests.Session() for _ in range(4)]
    loops = [ClientLoop(lambda s=s: s.get(address, timeout=10).raise_for_status(), pause=0) for s in sessions]
    for loop in loops:
        loop.start()
    try:
        for turn in range(60):
            target = upstreams[(turn + 1) % 2]
            docker("exec", proxy, SWITCH, "switch", f"{target}:8000", "api:8000")
            assert requests.get(address, timeout=10).text == target  # a new connection goes where the switch said
    finally:
        for loop in loops:
            loop.stop()
    answered, failed = sum(loop.ok for loop in loops), sum(loop.failed for loop in loops)
    print(f"proxy figure: 60 switches under 4 keep-alive clients: {answered} answered, {failed} failed")
    assert answered > 200 and failed == 0, [error for loop in loops for error in loop.errors[:2]]
