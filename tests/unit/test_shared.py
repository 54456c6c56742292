"""fastapi_stackops/tasks/shared.py: every failure a task meets ends in one sentence and an exit code, no traceback."""

import pytest
import requests
import urllib3
from invoke import Exit

from fastapi_stackops import Interrupted, StackError
from fastapi_stackops.tasks.shared import reports_errors

TIMEOUT = requests.exceptions.ReadTimeout(
    urllib3.exceptions.ReadTimeoutError(None, "/containers/x", "Read timed out. (read timeout=30)")
)


@pytest.mark.parametrize(
    ("raised", "code", "said"),
    [
        (KeyboardInterrupt(), 130, "interrupted: what was under way was stopped where it stood"),
        (Interrupted("interrupted after the switch"), 130, "interrupted after the switch"),
        (StackError("no env file"), 1, "error: no env file"),
        (TIMEOUT, 1, "error: the Docker engine did not answer in time (it is busy, and may still finish what was asked)"),
        (requests.exceptions.ConnectionError("Connection refused"), 1, "error: the Docker engine could not be reached"),
    ],
)
def test_a_failure_is_one_sentence_and_an_exit_code(raised, code, said):
    def task():
        raise raised

    with pytest.raises(Exit) as ended:
        reports_errors(task)()
    assert ended.value.code == code and ended.value.message.startswith(said), ended.value.message
    assert "\n" not in ended.value.message


def test_an_os_error_of_our_own_is_not_taken_for_the_engine():
    def task():
        raise FileNotFoundError("reports/x")

    with pytest.raises(FileNotFoundError):
        reports_errors(task)()
