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


def test_a_poetry_groups_pins_at_an_exact_patch_release_are_read_at_the_minor_before_pip_reads_them():
    # peacefulseeker/fastapi-url-shortener: `python = "3.11.11"` put `python_full_version == "3.11.11"` on every line
    # of the dev group's export; pip skipped them all without a word, and the suite met no moto.
    from fastapi_stackops.adopt.conventions import AT_THE_MINOR

    install = ServiceTests("tests", "poetry-group", "dev", "poetry's dev group").install
    read_at_the_minor, pip_reads = install.find(f"{AT_THE_MINOR} /tmp/test-requirements.txt"), install.find("-r /tmp/test-")
    assert 0 < read_at_the_minor < pip_reads
