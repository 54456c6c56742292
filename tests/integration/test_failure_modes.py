"""Failure modes, each with the outcome a user should see, on real containers."""

import base64
import io
import json
import threading
import time
from collections import Counter

import requests

from fastapi_stackops.engine import connect
from tests.utils import same_for_every_newcomer
from tests.utils.stacks import wait_for

# The service's and the engine's behaviour, the same whoever runs inv: proven once, by the outer run.
pytestmark = same_for_every_newcomer


def kill_hard(stack, container) -> None:
    """kill -9 of the container's main process from the host: a crash, not a `docker stop` or `docker kill`.

    Those two count as a deliberate stop, which the restart policy respects.
    The signal comes from a helper container in the host's PID namespace, so
    a user in the docker group can send it as well as root can.
    """
    container.reload()
    pid = container.attrs["State"]["Pid"]
    image = stack.base_images()["PYTHON_BASE_IMAGE"]
    connect().containers.run(image, ["sh", "-c", f"kill -9 {pid}"], pid_mode="host", remove=True)


class Writer(threading.Thread):
    """Posts notes until stopped; remembers every one acknowledged with 201."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.acknowledged, self.failed, self.refused, self.sent = url, {}, 0, Counter(), 0
        self.spans: list[tuple[float, float]] = []  # (sent, answered) of each request, monotonic seconds
        self.stopping = threading.Event()

    def run(self) -> None:
        index = 0
        while not self.stopping.is_set():
            index += 1
            title = f"w{index}"
            self.sent += 1
            started = time.monotonic()
            try:
                response = requests.post(self.url + "/api/v1/notes", json={"title": title}, timeout=5)
                if response.status_code == 201:
                    self.acknowledged[response.json()["id"]] = title
                else:
                    self.failed += 1
                    self.refused[response.status_code] += 1
            except requests.RequestException:
                self.failed += 1
                time.sleep(0.1)
            finally:
                self.spans.append((started, time.monotonic()))

    def in_flight_between(self, start: float, end: float) -> int:
        """How many requests were open at some moment from start to end."""
        return sum(1 for sent, answered in self.spans if sent < end and answered > start)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)


def missing(url: str, acknowledged: dict) -> list:
    return [
        i for i, title in acknowledged.items() if requests.get(f"{url}/api/v1/notes/{i}", timeout=5).json().get("title") != title
    ]


def test_database_killed_during_writes_keeps_every_acknowledged_write(stacks):
    stack = stacks("ci")
    url = stack.up()
    writer = Writer(url)
    writer.start()
    wait_for(lambda: len(writer.acknowledged) >= 20, what="writes before the kill")
    kill_hard(stack, stack.containers("db")[0])
    killed_at = time.monotonic()
    time.sleep(1)
    # The restart policy brings the database back; the api reconnects by itself.
    wait_for(lambda: requests.get(url + "/ready", timeout=5).status_code == 200, timeout=60, what="ready after db restart")
    back_at = time.monotonic()
    before = len(writer.acknowledged)
    wait_for(lambda: len(writer.acknowledged) > before + 5, what="writes after the restart")
    writer.stop()
    # A write was open while the database was down. Whether one fails depends on how soon it is back: the api's pool
    # waits for it, and on a quick restart every write succeeds, late (a fresh-engine run saw 0 of them fail). Counting
    # requests *sent* in that time is not the measure: one write can wait out the whole restart (a CI run saw 0 sent).
    down = writer.in_flight_between(killed_at, back_at)
    assert down > 0, "no write was open while the database was down: the kill proved nothing"
    assert set(writer.refused) <= {503}, f"only 503s while the database is down, not {writer.refused}"
    assert stack.containers("db")[0].attrs["RestartCount"] >= 1
    assert missing(url, writer.acknowledged) == []
    said = stack.logs("api")
    assert not [line for line in said if "Traceback" in line], "a traceback where one WARNING line says it"


def test_sqlite_api_killed_during_writes_restarts_with_intact_data(stacks):
    stack = stacks("dev")
    url = stack.up()
    writer = Writer(url)
    writer.start()
    wait_for(lambda: len(writer.acknowledged) >= 30, what="writes before the kill")
    api = stack.containers("api")[0]
    kill_hard(stack, api)
    wait_for(lambda: requests.get(stack.url() + "/ready", timeout=5).status_code == 200, timeout=60, what="api back")
    writer.url = stack.url()
    before = len(writer.acknowledged)
    wait_for(lambda: len(writer.acknowledged) > before + 5, what="writes after the restart")
    writer.stop()
    api.reload()
    assert api.attrs["RestartCount"] >= 1  # the restart policy, not the test, brought it back
    check = "import sqlite3; print(sqlite3.connect('/data/app.db').execute('PRAGMA integrity_check').fetchone()[0])"
    assert stack.compose("exec", "-T", "api", "python", "-c", check).stdout.strip() == "ok"
    assert missing(stack.url(), writer.acknowledged) == []


def test_api_waits_for_a_late_database_then_becomes_ready(stacks):
    stack = stacks("ci")
    stack.inv("build")
    # Start the api alone: Swarm and Kubernetes have no depends_on either.
    stack.compose("up", "--detach", "--no-deps", "api")
    url = wait_for(lambda: requests.get(stack.url() + "/health", timeout=2).ok and stack.url(), what="api serving")
    response = requests.get(url + "/ready", timeout=5)
    assert response.status_code == 503 and response.json()["reason"].startswith("database:")

    def waits():
        return [json.loads(line) for line in stack.logs("api") if '"waiting for the database"' in line]

    wait_for(lambda: len(waits()) >= 3, what="three waits for the database")
    delays = [w["retry_in_s"] for w in waits()]
    assert delays[2] > delays[0]  # backing off
    stack.compose("up", "--detach", "--wait", "db")
    wait_for(lambda: requests.get(url + "/ready", timeout=5).status_code == 200, timeout=30, what="ready once the db is there")
    api = stack.containers("api")[0]
    api.reload()
    assert api.attrs["RestartCount"] == 0


BROKEN_MIGRATION = """
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    raise RuntimeError("boom: this migration is broken")


def downgrade():
    pass
"""


def test_broken_migration_fails_up_within_seconds_showing_its_error(stacks, engine):
    stack = stacks("ci")
    stack.inv("build")
    encoded = base64.b64encode(BROKEN_MIGRATION.encode()).decode()
    dockerfile = (
        f"FROM {stack.project}-api\nUSER 0\n"
        f"RUN echo {encoded} | base64 -d > /srv/app/migrations/versions/0002_broken.py\nUSER 10001:10001\n"
    )
    engine.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=f"{stack.project}-api", rm=True)
    start = time.monotonic()
    result = stack.inv("up", "--no-build", check=False)
    elapsed = time.monotonic() - start
    assert result.returncode == 1
    assert "boom: this migration is broken" in result.stdout, result.stdout[-3000:]
    assert "did not become healthy within" not in result.stdout  # a failure, not a wait timeout
    # Failed at once: before the wait for health would have given up (the bound is the behaviour, not a speed).
    assert elapsed < stack.settings.wait_timeout, f"took {elapsed:.0f}s:\n{result.stdout[-4000:]}"


def test_rejected_credentials_fail_up_within_seconds_naming_the_cause(stacks):
    # The api logs in as a role the database does not have.
    stack = stacks("ci", APP_DATABASE_URL="postgresql+psycopg://intruder@db:5432/app")
    stack.inv("build")
    start = time.monotonic()
    result = stack.inv("up", "--no-build", check=False)
    elapsed = time.monotonic() - start
    assert result.returncode == 1
    assert "the database refused the connection" in result.stdout, result.stdout[-3000:]
    assert "password authentication failed" in result.stdout
    assert "waiting for the database" not in result.stdout  # not retried
    assert elapsed < stack.settings.wait_timeout, f"took {elapsed:.0f}s:\n{result.stdout[-4000:]}"


def test_fresh_postgres_volume_serves_right_after_up(stacks):
    stack = stacks("ci")
    for _ in range(3):
        url = stack.up()
        assert requests.post(url + "/api/v1/notes", json={"title": "first"}, timeout=5).status_code == 201
        assert requests.get(url + "/ready", timeout=5).status_code == 200
        stack.inv("down", "--volumes")


def test_graceful_stop_lets_a_slow_request_finish(stacks):
    stack = stacks("ci", APP_TESTING_ENDPOINTS="true")
    url = stack.up()
    outcome = {}

    def slow_request():
        try:
            outcome["response"] = requests.get(url + "/api/v1/_testing/sleep", params={"seconds": 4}, timeout=30)
        except requests.RequestException as error:
            outcome["error"] = error

    client = threading.Thread(target=slow_request)
    client.start()
    time.sleep(1)
    start = time.monotonic()
    stack.inv("down")
    client.join()
    assert "error" not in outcome, outcome
    assert outcome["response"].status_code == 200 and outcome["response"].json() == {"slept": 4}
    assert time.monotonic() - start < 30  # it waited for the request, not for the kill at the 30 s stop grace period


def test_prod_env_is_hardened_and_passes_smoke(stacks):
    stack = stacks("prod", POSTGRES_PASSWORD="prod-test-secret", WEB_CONCURRENCY="2")
    stack.up()
    result = stack.inv("smoke")
    assert "ok   api: hardening in effect" in result.stdout and "smoke passed" in result.stdout
    db = stack.containers("db")[0].attrs["HostConfig"]
    assert db["ReadonlyRootfs"] and "ALL" in db["CapDrop"] and db["Memory"] and db["PidsLimit"]
    api = stack.containers("api")[0].attrs["HostConfig"]
    assert all(b["HostIp"] == "127.0.0.1" for b in api["PortBindings"]["8000/tcp"])
