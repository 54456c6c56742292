"""fastapi_stackops/adopt/pipfile.py: what a Pipfile says the image installs, with its lock or without."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fastapi_stackops.adopt.conventions import pipfile_requirements
from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.pipfile import pipfile_python_said, pipfile_ranges
from fastapi_stackops.adopt.reading import read_repository
from tests.unit.shapes import APP
from tests.utils import written

#: jitsejan/fastapi-async-crud's shape: a Pipfile and no lock; init said nothing told it how to install.
PIPFILE = """[packages]
fastapi = "==0.63.0"
uvicorn = "*"
databases = {extras = ["postgresql"], version = ">=0.4"}
mylib = {git = "https://example.com/mylib.git"}
colorama = {version = "*", markers = "sys_platform == 'win32'"}

[dev-packages]
pytest = "*"

[requires]
python_version = "3.11"
"""


def test_a_pipfile_with_no_lock_installs_its_packages_with_pip_and_its_dev_packages_for_the_tests(tmp_path):
    repo = read_repository(
        written(tmp_path, {"Pipfile": PIPFILE, "main.py": APP, "tests/test_app.py": "def test_x():\n    pass\n"})
    )
    assert repo.installer == "pipfile" and repo.python == "3.11"
    assert repo.service_tests and repo.service_tests.kind == "pipfile-dev"
    dockerfile = dockerfile_text(repo, "/health", False)
    assert "COPY Pipfile ./" in dockerfile and "pip install -q --no-cache-dir -r /tmp/requirements.txt" in dockerfile


@pytest.mark.parametrize(
    ("section", "ranges"),
    [
        ("packages", {"fastapi": "==0.63.0", "uvicorn": "", "databases": ">=0.4", "colorama": ""}),
        ("dev-packages", {"pytest": ""}),
    ],
)
def test_a_pipfiles_ranges_leave_out_git_and_path_sources(tmp_path, section, ranges):
    assert pipfile_ranges(written(tmp_path, {"Pipfile": PIPFILE}), section) == ranges


def test_the_builders_reading_of_a_pipfile_gives_pip_each_package_with_its_extras_and_markers(tmp_path):
    written(tmp_path, {"Pipfile": PIPFILE})
    # as the builder's shell runs it, quoted as the Dockerfile writes it
    command = f"{sys.executable} -c {pipfile_requirements()}"
    lines = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert lines.splitlines() == [
        "fastapi==0.63.0",
        "uvicorn",
        "databases[postgresql]>=0.4",
        "colorama; sys_platform == 'win32'",
    ]


@pytest.mark.parametrize(
    ("files", "said"),
    [
        ({"Pipfile": PIPFILE}, ("==3.11.*", "Pipfile's python_version")),
        (
            {"Pipfile": PIPFILE, "Pipfile.lock": '{"_meta": {"requires": {"python_version": "3.9"}}}'},
            ("==3.9.*", "Pipfile.lock's python_version"),
        ),
        ({"Pipfile": "[packages]\nfastapi = '*'\n"}, ("", "")),
    ],
)
def test_the_python_a_pipfile_asks(tmp_path, files, said):
    assert pipfile_python_said(written(tmp_path, files)) == said
