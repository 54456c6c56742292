"""The service inside the stack, on PostgreSQL: readiness, metrics across workers, replicas, logs."""

import json

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.utils import same_for_every_newcomer
from tests.utils.stacks import wait_for


@pytest.fixture(scope="module")
def gunicorn_stack(stacks):
    """PostgreSQL with two gunicorn workers, shared by this module's tests."""
    stack = stacks("ci", WEB_CONCURRENCY="2")
    stack.up()
    return stack


def test_resource_works_on_postgres(gunicorn_stack):
    url = gunicorn_stack.url()
    ids = [requests.post(url + "/api/v1/notes", json={"title": f"gunicorn_stack {i}"}, timeout=5).json()["id"] for i in range(3)]
    page = requests.get(url + "/api/v1/notes", params={"limit": 500}, timeout=5).json()
    assert set(ids) <= {n["id"] for n in page["items"]}
    assert requests.post(url + "/api/v1/notes", json={"title": ""}, timeout=5).status_code == 422
    assert requests.delete(url + f"/api/v1/notes/{ids[0]}", timeout=5).status_code == 204
    assert requests.get(url + f"/api/v1/notes/{ids[0]}", timeout=5).status_code == 404


def test_ready_follows_the_database_without_restarting_the_api(gunicorn_stack):
    url = gunicorn_stack.url()
    api = gunicorn_stack.containers("api")[0]
    started_at = api.attrs["State"]["StartedAt"]
    gunicorn_stack.compose("stop", "db")
    try:
        # A 503 Response is falsy (requests' bool is .ok): compare its JSON instead.
        body = wait_for(
            lambda: (r := requests.get(url + "/ready", timeout=10)).status_code == 503 and r.json(), what="/ready 503"
        )
        assert body["reason"].startswith("database:")
        assert requests.get(url + "/health", timeout=5).status_code == 200  # liveness does not depend on it
    finally:
        gunicorn_stack.compose("start", "db")
    wait_for(lambda: requests.get(url + "/ready", timeout=10).status_code == 200, timeout=60, what="/ready 200 again")
    api.reload()
    assert api.attrs["State"]["StartedAt"] == started_at and api.attrs["RestartCount"] == 0


def request_counts(url: str, route: str) -> float:
    families = text_string_to_metric_families(requests.get(url + "/metrics", timeout=5).text)
    return sum(s.value for f in families for s in f.samples if s.name == "http_requests_total" and s.labels.get("route") == route)


def worker_pids_with_counters(stack) -> set[str]:
    listing = stack.compose("exec", "-T", "api", "ls", "/tmp/metrics").stdout.split()
    return {name.split("_")[1].split(".")[0] for name in listing if name.startswith("counter_")}


def test_request_counter_sums_over_gunicorn_workers(gunicorn_stack):
    url, route = gunicorn_stack.url(), "/api/v1/notes/{note_id}"
    before, sent = request_counts(url, route), 0
    # Fresh connections until both workers have served some: only then can a
    # per-worker count differ from the sum.
    for _ in range(10):
        for _ in range(20):
            requests.get(url + "/api/v1/notes/987654321", timeout=5, headers={"Connection": "close"})
            sent += 1
        if len(worker_pids_with_counters(gunicorn_stack)) >= 2:
            break
    assert len(worker_pids_with_counters(gunicorn_stack)) >= 2, "requests never reached a second worker"
    assert request_counts(url, route) - before == sent


def test_logs_are_one_json_object_per_line(gunicorn_stack):
    requests.get(gunicorn_stack.url() + "/api/v1/notes/1", timeout=5)
    lines = [line for line in gunicorn_stack.logs("api") if line.strip()]
    assert len(lines) > 5
    entries = [json.loads(line) for line in lines]  # raises on any non-JSON line
    access = [e for e in entries if e.get("logger") == "app.access"]
    assert access and {"time", "level", "message", "request_id", "method", "path", "status", "duration_ms"} <= set(access[-1])


@same_for_every_newcomer
def test_two_replicas_on_an_empty_database_migrate_once(stacks):
    stack = stacks("ci")
    stack.inv("build")
    stack.compose("up", "--detach", "--wait", "--wait-timeout", "120", "--scale", "api=2")
    apis = stack.containers("api")
    assert len(apis) == 2
    for api in apis:
        port = api.attrs["NetworkSettings"]["Ports"]["8000/tcp"][0]["HostPort"]
        assert requests.get(f"http://127.0.0.1:{port}/ready", timeout=5).status_code == 200
    messages = [json.loads(line).get("message") for line in stack.logs("api") if line.startswith("{")]
    assert messages.count("migrated") == 1, messages
    assert messages.count("schema already at head") == 1
    versions = stack.compose(
        "exec", "-T", "db", "psql", "-U", "app", "-d", "app", "-tAc", "SELECT count(*) FROM alembic_version"
    ).stdout
    assert versions.strip() == "1"
    stack.inv("down")
