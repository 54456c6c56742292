"""fastapi_stackops/service_tests.py: the one line a failed suite is said in."""

import pytest

from fastapi_stackops.service_tests import pytest_summary

COLOURED = "\x1b[31m====== \x1b[32m1025 passed\x1b[0m, \x1b[33m3 skipped\x1b[0m, \x1b[31m\x1b[1m7 errors\x1b[0m\x1b[31m in 30.18s\x1b[0m ======\n"


@pytest.mark.parametrize(
    ("lines", "code", "said"),
    [
        (["collected 3 items\n", "===== 1 failed, 2 passed in 0.50s =====\n"], 4, "1 failed, 2 passed in 0.50s"),
        ([COLOURED], 1, "1025 passed, 3 skipped, 7 errors in 30.18s"),  # its own settings force colour
        (["ERROR: file or directory not found: tests/\n"], 4, "ERROR: file or directory not found: tests/"),
        (["Traceback (most recent call last):\n"], 4, "exit 4"),
        # nythonore/fastapi-graphql-orm's pytest.ini: python_files = tests/**_test.py, which no file matches.
        (
            ["no tests ran in 0.00s\n"],
            5,
            "pytest collected no tests (exit 5): its testpaths and python_files, as configured, match no test",
        ),
    ],
)
def test_a_failed_suite_is_said_by_pytests_own_closing_line(lines, code, said):
    assert pytest_summary(lines, code) == said


def test_a_suite_running_past_its_timeout_is_stopped_its_container_removed_and_said(monkeypatch):
    """sagnik-santra17/fastapi-realtime-chat-api: its suite stood at 87% for ten minutes, and inv ci waited on it; a
    hung test would hold a CI job until the job's own limit, and leave its container running."""
    from types import SimpleNamespace

    from fastapi_stackops import StackError, service_tests
    from fastapi_stackops.commands import Background

    removed, listed = [], []
    container = SimpleNamespace(remove=lambda force: removed.append(force))
    client = SimpleNamespace(containers=SimpleNamespace(list=lambda **kw: listed.append(kw) or [container]))
    config = SimpleNamespace(service_tests="web-test", tests_timeout_minutes=0.02, where=lambda key: f"pyproject.toml {key}")
    stack = SimpleNamespace(config=config, settings=None, model=SimpleNamespace(active=[]), client=client, project="shop")
    stack.start_compose = lambda args, base, on_line: Background(["sleep", "30"], on_line=on_line)
    monkeypatch.setattr(service_tests, "ensure_base_images", lambda *args, **kwargs: {})
    monkeypatch.setattr(service_tests, "build_images", lambda *args: None)
    with pytest.raises(StackError, match=r"ran past 0.02 minutes and were stopped .* pyproject.toml tests-timeout-minutes$"):
        service_tests.run_service_tests(stack)
    assert removed == [True] and "com.docker.compose.project=shop" in listed[0]["filters"]["label"]
