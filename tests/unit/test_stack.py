"""stack.Stack: the model rendered ahead, in a thread, is the one the task gets, failure included."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from fastapi_stackops import StackError, stack


def test_a_model_rendered_ahead_is_rendered_once_off_the_tasks_thread(monkeypatch):
    rendered = []
    monkeypatch.setattr(stack, "render", lambda settings: rendered.append(threading.current_thread().name) or "model")
    ahead = stack.Stack(SimpleNamespace(config=None, project="p")).render_ahead()
    assert ahead.model == "model" and ahead.model == "model"
    assert len(rendered) == 1 and rendered[0].startswith("render")


def test_a_render_that_failed_ahead_fails_where_the_model_is_first_used(monkeypatch):
    def refuse(settings):
        raise StackError("compose.yaml: services.api.ports is invalid")

    monkeypatch.setattr(stack, "render", refuse)
    ahead = stack.Stack(SimpleNamespace(config=None, project="p")).render_ahead()
    with pytest.raises(StackError, match="ports is invalid"):
        _ = ahead.model
