"""inv bench's pure parts: reading ab's report, and the table it prints."""

import pytest

from bench.corpus import init_outcome
from bench.load import parse_ab
from bench.run import Row, number, table

AB_REPORT = """Concurrency Level:      64
Time taken for tests:   4.554 seconds
Complete requests:      3000
Failed requests:        {failed}
Non-2xx responses:      {non_2xx}
Keep-Alive requests:    3000
Requests per second:    658.68 [#/sec] (mean)
Percentage of the requests served within a certain time (ms)
  50%     89
  66%    102
  99%    183
 100%    240 (longest request)
"""


@pytest.mark.parametrize(
    ("failed", "non_2xx", "counted"),
    [("0", "0", 0), ("3", "0", 3), ("0", "12", 12), ("2", "5", 7)],
)
def test_ab_report_figures(failed, non_2xx, counted):
    run = parse_ab(AB_REPORT.format(failed=failed, non_2xx=non_2xx), 3000, 64)
    assert (run.per_second, run.p50_ms, run.p99_ms, run.failed) == (658.68, 89, 183, counted)


def test_ab_report_without_non_2xx_line_counts_none():
    report = AB_REPORT.format(failed="0", non_2xx="0").replace("Non-2xx responses:      0\n", "")
    assert parse_ab(report, 3000, 64).failed == 0


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.123, "0.12"), (2.5, "2.50"), (12.34, "12.3"), (352.4, "352"), (0, "0"), (None, "")],
)
def test_numbers_keep_three_significant_figures(value, shown):
    assert number(value) == shown


def test_table_row_shows_ratio_target_and_whether_met():
    row = Row("build", "cold build", 9.9, "s", "single-stage pip", 14.3, "<= 0.8x", True)
    assert table([row])[1] == ["cold build", "9.90 s", "single-stage pip: 14.3", "0.69x", "<= 0.8x", "yes"]


@pytest.mark.parametrize(
    ("code", "err", "outcome"),
    [
        (1, "error: the app's database is MongoDB ...\n", "refused"),
        (1, "Traceback (most recent call last):\n  File ...\nTypeError: x\n", "failed at init"),
        (
            1,
            "error: init stopped on a defect of its own: TypeError: x (dotenv_reads.py line 40); please report it\n",
            "failed at init",
        ),
        (-1, "timed out after 600 s", "failed at init"),
    ],
)
def test_an_init_that_stopped_sorts_as_refused_only_in_one_line_that_is_no_defect(code, err, outcome):
    assert init_outcome(code, err) == outcome
