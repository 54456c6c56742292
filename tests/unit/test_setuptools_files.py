"""fastapi_stackops/adopt/setuptools_files.py: what setup.cfg and setup.py declare a project installs, read by init and
by the builder alike."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fastapi_stackops.adopt.dependency_files import installer
from fastapi_stackops.adopt.setuptools_files import SETUP_PY_LIST, setup_py_requires
from tests.unit.shapes import APP
from tests.utils import written

# sasha-kosove/fastapi-upload-app, neel000/fastapi-rest, RonquilloAeon/fastapi-starter: setup.py alone, its
# install_requires a literal list; init refused: nothing it read said how to install them.
SETUP = 'from setuptools import setup, find_packages\n\n{bound}setup(\n    name="svc",\n    install_requires={given},\n)\n'


@pytest.mark.parametrize(
    ("bound", "given", "listed", "names"),
    [
        ("", '["fastapi[all]==0.78.0", "uvicorn>=0.17"]', ["fastapi[all]==0.78.0", "uvicorn>=0.17"], ("fastapi", "uvicorn")),
        ('REQUIRES = ("fastapi", "sqlalchemy<2")\n\n', "REQUIRES", ["fastapi", "sqlalchemy<2"], ("fastapi", "sqlalchemy")),
        ("", 'open("requirements.txt").read().splitlines()', [], ()),  # computed: only running it would tell
        ("", "[]", [], ()),
    ],
)
def test_setup_pys_literal_requirements_are_read_alike_by_init_and_the_builder(tmp_path, bound, given, listed, names):
    root = written(tmp_path, {"setup.py": SETUP.format(bound=bound, given=given), "main.py": APP})
    assert setup_py_requires(root) == listed
    if listed:
        built = subprocess.run([sys.executable, "-c", SETUP_PY_LIST], cwd=root, capture_output=True, text=True, check=True)
        assert built.stdout.splitlines() == listed
        how, found, _, names = installer(root, {})
        assert (how, found.value, names) == (
            "setup.py",
            "setup.py's install_requires, with pip (no lock)",
            ("fastapi", *names[1:]),
        )
