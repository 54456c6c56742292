"""fastapi_stackops.waiting: polling to a deadline, and steps a Ctrl-C or SIGTERM waits out rather than splits."""

from __future__ import annotations

import os
import signal
import time

import pytest

from fastapi_stackops.waiting import interrupts_held, poll, within


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_held_steps_lets_them_finish_then_interrupts(number):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    done = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_held():
            os.kill(os.getpid(), number)
            time.sleep(0.05)  # the signal arrives while the steps run
            done.append("switched")
            done.append("recorded")
    assert done == ["switched", "recorded"]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_held_steps_with_no_signal_end_quietly():
    with interrupts_held():
        value = 1
    assert value == 1


def test_poll_returns_the_first_truthy_answer_or_the_last_at_the_deadline():
    answers = iter([None, 0, "ready"])
    assert poll(lambda: next(answers), within(5), interval=0.01) == "ready"
    assert poll(lambda: None, within(0.05), interval=0.01) is None
