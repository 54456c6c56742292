"""fastapi_stackops/adopt/system_freeze.py: a requirements file frozen from a Linux system's Python."""

from __future__ import annotations

import pytest

from fastapi_stackops.adopt.system_freeze import distributions_own
from fastapi_stackops.adopt.unlocked import systems_own
from tests.utils import written

#: artabramov/fastapi-server's shape: an Ubuntu system's `pip freeze`; pip found no distro-info==1.1+ubuntu0.2, and
#: init was refused after a build.
FREEZE = "fastapi==0.109.0\ndistro-info==1.1+ubuntu0.2\npython-apt==2.4.0+ubuntu2\nPyGObject==3.42.1\nrequests==2.31.0\n"


@pytest.mark.parametrize(
    ("code", "left_out"),
    [
        ("import requests\n", ["distro-info==1.1+ubuntu0.2", "python-apt==2.4.0+ubuntu2", "pygobject==3.42.1"]),
        ("import gi\n", ["distro-info==1.1+ubuntu0.2", "python-apt==2.4.0+ubuntu2"]),  # what the app imports stays
    ],
)
def test_the_distributions_own_pins_the_code_never_imports_are_left_out(tmp_path, code, left_out):
    root = written(tmp_path, {"requirements.txt": FREEZE, "main.py": code})
    pins = {"fastapi": "==0.109.0", "distro-info": "==1.1+ubuntu0.2", "python-apt": "==2.4.0+ubuntu2"}
    assert distributions_own(root, pins | {"pygobject": "==3.42.1", "requests": "==2.31.0"}) == left_out
    own, said = systems_own(root, "requirements", "requirements.txt")
    assert list(own) == left_out and "a freeze of its system Python" in said[0].line()


def test_a_lock_or_a_file_with_none_of_them_leaves_nothing_out(tmp_path):
    root = written(tmp_path, {"requirements.txt": "fastapi==0.109.0\n", "main.py": ""})
    assert systems_own(root, "requirements", "requirements.txt") == ((), [])
    assert systems_own(root, "poetry", "") == ((), [])


def test_ubuntus_desktop_tools_in_a_freeze_are_left_out(tmp_path):
    # ronynor1/FastAPI-MarketPlace: `apturl==0.5.2` among its pins; pip found no such package, after a 62 s build
    root = written(tmp_path, {"requirements.txt": "fastapi==0.110.0\napturl==0.5.2\nlouis==3.20.0\n", "main.py": ""})
    pins = {"fastapi": "==0.110.0", "apturl": "==0.5.2", "louis": "==3.20.0"}
    assert distributions_own(root, pins) == ["apturl==0.5.2", "louis==3.20.0"]
