"""The service in-process: resource, validation, health, readiness, metrics (SQLite natively, PostgreSQL in the test image)."""

import json
import logging
import time

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError
from sqlalchemy import text

from app.db import make_engine
from app.main import create_app
from app.migrate import DatabaseRefused, upgrade_to_head, wait_for_database
from app.observability import JsonFormatter
from app.settings import Settings, describe_error


@pytest.fixture
def client(settings):
    upgrade_to_head(make_engine(settings))
    with TestClient(create_app(settings)) as client:
        yield client


def test_sqlite_ignores_a_database_password(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/app.db", database_password="set-for-postgres")
    with make_engine(settings).connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1


def test_postgres_password_is_escaped_into_the_url():
    engine = make_engine(Settings(database_url="postgresql+psycopg://app@db:5432/app", database_password='p@ss:/"#'))
    assert engine.url.password == 'p@ss:/"#' and engine.url.host == "db"


def test_postgres_password_from_a_secret_file(tmp_path):
    secret = tmp_path / "db_password"
    secret.write_text('p@ss:/"#\n')  # as `echo` or a Swarm secret made from a file leaves it
    # database_password=None: in the test image the environment sets APP_DATABASE_PASSWORD, which would win.
    settings = Settings(
        database_url="postgresql+psycopg://app@db:5432/app", database_password=None, database_password_file=secret
    )
    assert make_engine(settings).url.password == 'p@ss:/"#'


def test_a_missing_password_file_is_a_setting_error(tmp_path):
    with pytest.raises(ValidationError, match="database_password_file"):
        Settings(database_password_file=tmp_path / "absent")


def test_health_is_cheap_and_needs_no_database(settings):
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").json()["status"] == "ok"


def test_ready_when_migrated(client):
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "revision": "0001"}


def test_not_ready_before_migrations(settings):
    with TestClient(create_app(settings)) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["reason"] == "schema not migrated yet (head is ['0001'])"


def test_not_ready_when_schema_behind_head(settings, client):
    with make_engine(settings).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    response = client.get("/ready")
    assert response.status_code == 503
    assert "head is ['0001']" in response.json()["reason"]


def test_note_round_trip(client):
    created = client.post("/api/v1/notes", json={"title": "first", "body": "hello"})
    assert created.status_code == 201
    note = created.json()
    assert note["title"] == "first" and isinstance(note["id"], int)
    assert client.get(f"/api/v1/notes/{note['id']}").json()["body"] == "hello"
    assert client.delete(f"/api/v1/notes/{note['id']}").status_code == 204
    assert client.get(f"/api/v1/notes/{note['id']}").status_code == 404
    assert client.delete(f"/api/v1/notes/{note['id']}").status_code == 404


def test_list_paginates(client):
    for index in range(5):
        client.post("/api/v1/notes", json={"title": f"n{index}"})
    page = client.get("/api/v1/notes", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 1
    assert [n["title"] for n in page["items"]] == ["n1", "n2"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "extra": 1}, "extra"),
        ({"title": 5}, "title"),
    ],
)
def test_invalid_bodies_get_422_with_details(client, body, field):
    response = client.post("/api/v1/notes", json=body)
    assert response.status_code == 422
    assert any(field in error["loc"] for error in response.json()["detail"])


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}])
def test_invalid_pagination_gets_422(client, params):
    assert client.get("/api/v1/notes", params=params).status_code == 422


def test_metrics_count_requests_by_route_template(client):
    for _ in range(3):
        client.get("/api/v1/notes/999")
    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
    counts = {
        tuple(sorted(s.labels.items())): s.value for s in families["http_requests"].samples if s.name == "http_requests_total"
    }
    assert counts[(("method", "GET"), ("route", "/api/v1/notes/{note_id}"), ("status", "404"))] >= 3
    assert "http_request_duration_seconds" in families


def test_request_id_is_echoed_or_made(client):
    assert client.get("/health", headers={"X-Request-ID": "abc"}).headers["x-request-id"] == "abc"
    assert len(client.get("/health").headers["x-request-id"]) == 32


def test_openapi_and_docs(client):
    assert "/api/v1/notes" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200


def test_testing_endpoints_only_when_enabled(settings):
    assert TestClient(create_app(settings)).get("/api/v1/_testing/sleep", params={"seconds": 0}).status_code == 404
    enabled = Settings(database_url=settings.database_url, testing_endpoints=True)
    assert TestClient(create_app(enabled)).get("/api/v1/_testing/sleep", params={"seconds": 0}).json() == {"slept": 0}


def test_invalid_setting_is_one_line_naming_the_variable(monkeypatch):
    monkeypatch.setenv("APP_LOG_LEVEL", "LOUD")
    with pytest.raises(Exception) as error:
        Settings()
    line = describe_error(error.value)
    assert "\n" not in line and line.startswith("invalid setting APP_LOG_LEVEL:") and "'LOUD'" in line


def test_json_log_lines_carry_extras():
    record = logging.LogRecord("app.access", logging.INFO, "", 0, "request", None, None)
    record.status = 201
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "request" and entry["status"] == 201 and entry["level"] == "INFO"


def test_rejected_credentials_are_refused_at_once(stack_server_url):
    intruder = stack_server_url.set(username="intruder").render_as_string(hide_password=False)
    engine = make_engine(Settings(database_url=intruder, database_password="whatever"))
    start = time.monotonic()
    with pytest.raises(DatabaseRefused, match="password authentication failed"):
        wait_for_database(engine, timeout=30)
    assert time.monotonic() - start < 5


def test_wait_for_database_gives_up_after_its_bound():
    engine = make_engine(Settings(database_url="postgresql+psycopg://u@127.0.0.1:1/x"))
    with pytest.raises(TimeoutError, match="not reachable after 1s"):
        wait_for_database(engine, timeout=1, first_delay=0.1)


def test_an_unreachable_database_answers_503_with_retry_after_not_a_500(tmp_path, caplog):
    """Nothing listens on port 1: what a request meets while PostgreSQL is down or restarting."""
    settings = Settings(database_url="postgresql+psycopg://app@127.0.0.1:1/app", database_password="x")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        answers = [client.get("/api/v1/notes") for _ in range(3)]
    assert [a.status_code for a in answers] == [503] * 3 and answers[0].headers["Retry-After"] == "2"
    assert answers[0].json() == {"detail": "database unavailable; retry shortly"}
    assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info], "a traceback per request"
