"""failure_bundle.py's pure parts: masking, and the steps of a run."""

import pytest

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
