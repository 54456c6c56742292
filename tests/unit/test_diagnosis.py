import pytest

from fastapi_stackops.diagnosis import healthcheck_hint

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
