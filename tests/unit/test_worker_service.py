"""fastapi_stackops/adopt/worker_service.py: how the stack runs the repository's worker."""

from __future__ import annotations

import pytest

from fastapi_stackops.adopt.worker_service import ARQ_WITH_A_LOOP, worker_command, worker_healthcheck


@pytest.mark.parametrize(
    ("command", "python", "runs"),
    [
        # ansalls/fastapi_template: arq 0.26.3's worker on 3.14 asked asyncio for a loop the main thread no longer
        # has, and crash-looped at ci ("There is no current event loop in thread 'MainThread'")
        ("arq worker.arq_worker.WorkerSettings", "3.14", [*ARQ_WITH_A_LOOP, "worker.arq_worker.WorkerSettings"]),
        ("arq worker.WorkerSettings", "3.13", ["arq", "worker.WorkerSettings"]),
        ("celery -A app worker", "3.14", ["celery", "-A", "app", "worker"]),
    ],
)
def test_the_workers_command_line_by_the_images_python(command, python, runs):
    assert worker_command(command, python) == runs


def test_the_loop_arq_is_given_lets_its_worker_ask_for_one():
    import subprocess
    import sys

    code = ARQ_WITH_A_LOOP[2].replace("from arq.cli import cli; cli()", "print(asyncio.get_event_loop().is_closed())")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


@pytest.mark.parametrize(
    ("worker", "asked"),
    [
        # KappaRoss2/fastapi-todo-list: its Celery app in worker_config.py; the check asked `celery -A inspect ping`,
        # and the worker never became healthy
        ("celery -A worker_config worker --loglevel INFO", "celery -A worker_config inspect ping"),
        ("celery --workdir jobs -A app worker", "celery --workdir jobs -A app inspect ping"),
        # antoniorobertojr/Docker-Celery-FastApi-Stocks: the app's module is worker.py
        ("celery -A worker worker --loglevel INFO", "celery -A worker inspect ping"),
    ],
)
def test_a_celery_workers_health_is_asked_of_its_own_app(worker, asked):
    assert f'"{asked} --destination' in worker_healthcheck(worker, True)
