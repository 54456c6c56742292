"""failure_bundle.py's pure parts: masking, and the steps of a run."""

from types import SimpleNamespace

import pytest

from fastapi_stackops.checks import ci
from fastapi_stackops.checks.persistence import ScenarioRefused
from fastapi_stackops.failure_bundle import Run, masked


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("POSTGRES_PASSWORD=ci-0123456789abcdef", "POSTGRES_PASSWORD=***"),
        (
            '"DATABASE_URL": "postgresql+psycopg://app:ci-0123456789abcdef@db:5432/app"',
            '"DATABASE_URL": "postgresql+psycopg://app:***@db:5432/app"',
        ),
        ("redis://:hunter22@redis:6379/0", "redis://:***@redis:6379/0"),  # a URL's password, even one not in the env files
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_secrets_are_masked_wherever_they_appear(text, said):
    assert masked(text, {"ci-0123456789abcdef"}) == said


def test_a_run_records_each_step_and_the_one_that_failed():
    run = Run()
    run.step("build")
    run.step("up")
    run.failed("smoke failed")
    assert [(name, outcome) for name, _, outcome in run.steps] == [("build", "passed"), ("up", "failed")]
    assert run.cause == "smoke failed"


def test_a_step_with_no_verdict_is_skipped_with_its_reason_and_fails_nothing(capsys):
    run = Run()
    run.step("smoke")
    run.step("persistence-check")
    run.skipped("the app refused the scenario init read from its OpenAPI document")
    assert [(name, outcome) for name, _, outcome in run.steps] == [("smoke", "passed"), ("persistence-check", "skipped")]
    assert run.cause == "" and "skipped      persistence-check: the app refused" in capsys.readouterr().out


def test_ci_skips_the_persistence_check_when_the_app_refuses_a_guessed_scenario(monkeypatch, tmp_path):
    monkeypatch.setattr(ci.lifecycle, "build", lambda stack, cache: None)
    monkeypatch.setattr(ci.lifecycle, "up", lambda stack, build: None)
    monkeypatch.setattr(ci, "smoke_results", lambda stack, junit: [])

    def refused(*args, **kwargs):
        raise ScenarioRefused("pyproject.toml [tool.stackops.persistence]: the app refused ...")

    monkeypatch.setattr(ci, "persistence_results", refused)
    run = Run()
    ci.ci_steps(None, SimpleNamespace(service_tests="", persistence=object()), run, tmp_path, 1, False)
    run.close("passed")
    assert run.steps[-1][::2] == ("persistence-check", "skipped") and run.cause == ""


def test_a_failing_check_fails_its_step_by_name_and_every_check_reaches_the_step_summary(tmp_path, monkeypatch):
    from fastapi_stackops.checks.results import CheckResult
    from fastapi_stackops.failure_bundle import step_summary

    run = Run()
    run.step("smoke")
    results = [
        CheckResult("api: health /health", True, "200 in 4 ms", 0.004),
        CheckResult("api: no error in its log", False, "Traceback | token=s3cr3t-value", 0.01),
        CheckResult("db: healthy", False, "unhealthy", 0.0),
    ]
    assert not run.judged(results)
    assert run.cause == "smoke failed: api: no error in its log: Traceback | token=s3cr3t-value (and 1 more)"
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    step_summary(run, {"s3cr3t-value"})
    text = summary.read_text()
    assert "| smoke | api: health /health | ok | 0.00s | 200 in 4 ms |" in text
    assert "| smoke | api: no error in its log | failed | 0.01s | Traceback / token=*** |" in text  # a cell stays one
    assert "s3cr3t-value" not in text


def test_checks_that_pass_leave_the_step_open():
    from fastapi_stackops.checks.results import CheckResult

    run = Run()
    run.step("persistence-check")
    assert run.judged([CheckResult("cycle 1", True)]) and run.cause == "" and run.current == "persistence-check"
