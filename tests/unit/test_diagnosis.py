"""diagnosis: which log lines are errors (what a failed start shows first, and what smoke refuses), and the hints it gives."""

import pytest

from fastapi_stackops.diagnosis import error_lines, given_up_on, healthcheck_hint, silent_step

SECOND = 1_000_000_000


@pytest.mark.parametrize(
    "healthcheck, expected",
    [
        ({"Test": ["CMD", "true"], "Interval": SECOND, "Retries": 1}, "gave up after 1 failure 1s apart with no start_period"),
        ({"Test": ["CMD-SHELL", "true"]}, "gave up after 3 failures 30s apart"),  # the engine's defaults
        ({"Test": ["CMD", "true"], "Interval": SECOND // 2, "Retries": 5}, "5 failures 0.5s apart"),
        ({"Test": ["CMD", "true"], "StartPeriod": 10 * SECOND}, ""),  # a start period was given: not the cause
        ({"Test": ["NONE"]}, ""),  # the image's check switched off
        (None, ""),
    ],
)
def test_healthcheck_hint(healthcheck, expected):
    hint = healthcheck_hint(healthcheck)
    assert (expected in hint) if expected else hint == ""


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        (
            '{"level": "INFO", "message": "ok"}\n{"level": "ERROR", "message": "migration failed: boom"}\n',
            ['{"level": "ERROR", "message": "migration failed: boom"}'],
        ),
        ('{"level": "CRITICAL", "message": "x"}\n', ['{"level": "CRITICAL", "message": "x"}']),
        (
            "2026-11-21 UTC [1] FATAL:  password authentication failed\n",
            ["2026-11-21 UTC [1] FATAL:  password authentication failed"],
        ),
        # A traceback by the exception it ended in, not by its header.
        ('Traceback (most recent call last):\n  File "x.py", line 1\nValueError: x\n', ["ValueError: x"]),
        (
            '{"level": "INFO", "message": "x", "exc_info": "Traceback (most recent call last):\\n  File \\"x\\"\\nKeyError: \'k\'"}\n',
            ["KeyError: 'k'"],
        ),
        # A traceback cut off before its exception still says there was one.
        ("Traceback (most recent call last):\n", ["Traceback (most recent call last):"]),
        # A restarting container's one exception, said once; a module-qualified one that does not end in Error.
        (
            "Traceback (most recent call last):\nkombu.exceptions.VersionMismatch: needs redis 6\n" * 3,
            ["kombu.exceptions.VersionMismatch: needs redis 6"],
        ),
        (
            "INFO:     Started server process [1]\nERROR:    Exception in ASGI application\n",
            ["ERROR:    Exception in ASGI application"],
        ),
        # karlorz/full-stack-fastapi-template: passlib logs a warning with its traceback as bcrypt 4 lacks __about__
        (
            '(trapped) error reading bcrypt version\nTraceback (most recent call last):\n  File "b.py", line 620\n'
            "    version = _bcrypt.__about__.__version__\nAttributeError: module 'bcrypt' has no attribute '__about__'\n"
            'INFO:     127.0.0.1 - "GET / HTTP/1.1" 200 OK\n',
            [],
        ),
        (
            '{"level": "WARNING", "message": "retrying", "exc_info": "Traceback (most recent call last):\\nKeyError: \'k\'"}\n',
            [],
        ),
        # after a handled one, the next traceback is an error again
        (
            "Exception ignored in: <function C.__del__>\nTraceback (most recent call last):\nOSError: closed\n"
            "Traceback (most recent call last):\nValueError: boom\n",
            ["ValueError: boom"],
        ),
        ('{"level": "INFO", "message": "fine"}\n', []),
        ('{"level": "WARNING", "message": "an ERROR in a message is not a level"}\n', []),
        ("", []),
    ],
)
def test_error_lines(log, expected):
    assert error_lines(log) == expected


def test_error_lines_keeps_the_last_ones():
    log = "\n".join(f'{{"level": "ERROR", "message": "e{i}"}}' for i in range(10))
    assert [line[-5:-2] for line in error_lines(log, limit=3)] == ['"e7', '"e8', '"e9']


@pytest.mark.parametrize(
    ("said", "containers"),
    [
        ("container adopt-3ef425-web-1 is unhealthy", ["adopt-3ef425-web-1"]),  # it restarted and recovered since
        ("container notes-migrate-1 exited (1)", ["notes-migrate-1"]),
        ("dependency failed to start: container notes-db-1 is unhealthy", ["notes-db-1"]),
        ("context deadline exceeded", []),
    ],
)
def test_the_containers_composes_wait_gave_up_on_are_read_from_its_words(said, containers):
    assert given_up_on(said) == containers


@pytest.mark.parametrize(
    ("said", "unhealthy"),
    [
        ("dependency failed to start: container notes-db-1 is unhealthy", ["notes-db-1"]),
        ("container notes-migrate-1 exited (1)", []),  # an exit is no slow health check
        ("context deadline exceeded", []),
    ],
)
def test_the_containers_compose_called_unhealthy_are_told_from_those_that_exited(said, unhealthy):
    assert given_up_on(said, why=("is unhealthy",)) == unhealthy


class _Container:
    attrs = {"State": {"StartedAt": "2026-12-05T19:00:00.000000000Z"}}

    def logs(self, tail: int, since: float | None) -> bytes:
        return b'INFO: "POST /items HTTP/1.1" 500\nTraceback (most recent call last):\n  File "x.py"\nKeyError: \'owner_id\'\n'


class _Stack:
    def containers(self, service: str) -> list:
        return [_Container()] if service == "web" else []


@pytest.mark.parametrize(
    ("detail", "said"),
    [
        # danielleit241/todo-fastapi and eight more failed persistence on "answered 500: Internal Server Error" alone
        ("POST /items answered 500, expected 2xx or 3xx: Internal Server Error", "  web's log says:\n    KeyError: 'owner_id'\n"),
        ("GET /items/1 answered 404, expected 200", ""),  # the app's answer says it: its log is not asked
    ],
)
def test_a_check_the_service_answered_with_its_own_failure_shows_its_error_lines(capsys, detail, said):
    from fastapi_stackops.checks.results import CheckResult
    from fastapi_stackops.diagnosis import said_by_the_service

    said_by_the_service(_Stack(), "web", [CheckResult("cycle 1", False, detail)])
    assert capsys.readouterr().out == said


class _Database:
    name = "shop-init-postgres-1"

    def logs(self, tail: int, since: float | None) -> bytes:
        return b'running /docker-entrypoint-initdb.d/init.sql\npsql:init.sql:15: ERROR:  syntax error at or near "CREATE"\n'


class _Trial:
    def look_again(self):
        return self

    def containers(self) -> list:
        return [_Database()]


@pytest.mark.parametrize(
    ("said", "words"),
    [
        # rogers1992/fastapi-backend-pb: its db/init.sql lacks a parenthesis; init said only "container ... is unhealthy"
        (
            "dependency failed to start: container shop-init-postgres-1 is unhealthy",
            'shop-init-postgres-1 says: psql:init.sql:15: ERROR:  syntax error at or near "CREATE"',
        ),
        ("dependency failed to start: container shop-init-redis-1 is unhealthy", ""),  # not a container of the trial's
        ("exit status 1", ""),
    ],
)
def test_a_dependency_compose_gave_up_on_says_why_in_its_own_error_lines(said, words):
    from fastapi_stackops.diagnosis import given_up_words

    assert given_up_words(_Trial(), said) == words


TITLES = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]


@pytest.mark.parametrize(
    ("processes", "step"),
    [
        # MamangRust/payment-gateway-clean-fastapi-sqlalchemy: alembic waited on alembic.ini's 172.17.0.2 with no word,
        # and init said only that the web never became healthy.
        (
            [
                ["app", "1", "0", "0", "", "?", "", "sh -c alembic upgrade heads && exec uvicorn main:app"],
                ["app", "8", "1", "0", "", "?", "", "/opt/venv/bin/python3 /opt/venv/bin/alembic upgrade heads"],
            ],
            "/opt/venv/bin/python3 /opt/venv/bin/alembic upgrade heads",
        ),
        ([["app", "1", "0", "0", "", "?", "", "/opt/venv/bin/python3 /opt/venv/bin/uvicorn main:app"]], ""),  # the server
        ([], ""),
    ],
)
def test_the_step_a_silent_start_still_runs_is_its_newest_process(processes, step):
    assert silent_step({"Titles": TITLES, "Processes": processes}) == step
