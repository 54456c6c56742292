"""fastapi_stackops/adopt/testing.py: the repository's own suite, and where pytest runs from."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_stackops.adopt.testing import ServiceTests, run_folder


@pytest.mark.parametrize(
    ("files", "project", "folder", "run_in"),
    [
        # The suite inside the package, its addopts naming tests/ from there (`cd svc && pytest`).
        ({"svc/tests/test_a.py": ""}, {"addopts": "--maxfail 1 --cov svc tests/"}, "svc", "svc"),
        ({"svc/tests/test_a.py": ""}, {"addopts": ["--cov", "svc", "tests"]}, "svc", "svc"),  # a list
        ({"svc/tests/test_a.py": "", "pytest.ini": "[pytest]\naddopts = tests\n"}, {}, "svc", "svc"),
        ({"tests/test_a.py": ""}, {"addopts": "--cov app tests/"}, "tests", ""),  # from the root, as given
        ({"svc/tests/test_a.py": ""}, {"addopts": '-k "not slow" --junitxml out/r.xml'}, "svc", ""),  # no path there
        ({"svc/tests/test_a.py": ""}, {"addopts": "-x"}, "svc", ""),
        ({"svc/tests/test_a.py": ""}, {"addopts": 'tests "unclosed'}, "svc", ""),  # unreadable: as before
    ],
)
def test_pytest_runs_from_where_its_own_addopts_name_paths(tmp_path: Path, files, project, folder, run_in):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = run_folder(tmp_path, {"tool": {"pytest": {"ini_options": project}}} if project else {}, folder)
    assert found == run_in
    tests = ServiceTests(folder, "requirements", "requirements.txt", "requirements.txt", run_in=found)
    assert tests.arguments == (("." if run_in == folder else folder),)
