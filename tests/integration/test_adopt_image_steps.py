"""The builder's own steps in the Dockerfile init writes (fastapi_stackops/adopt/image.py), run as they are in the
Python base image: a dependency's file this Python cannot compile, an exact patch marker, an install that brought no
fastapi or one that does not import. Seconds each, where a whole build of a repository in each shape would take minutes."""

import json
import subprocess

import pytest

from fastapi_stackops.adopt.conventions import AT_THE_MINOR, pipfile_pins
from fastapi_stackops.adopt.image import held_to_its_date
from fastapi_stackops.adopt.installers import (
    BUILD_ONLY,
    DEPENDENCIES_COMPILED,
    FRAMEWORK_INSTALLED,
    NO_INSTALLER,
    WITHOUT_OUR_TABLES,
)
from fastapi_stackops.baseimages import BaseImage, ensure_image
from fastapi_stackops.settings import load_settings
from tests.utils import same_for_every_newcomer

pytestmark = [pytest.mark.integration, same_for_every_newcomer]

PYTHON = BaseImage(recipe="python", variable="PYTHON_BASE_IMAGE", official="python:3.11-slim-bookworm")
#: A venv as the builder leaves it, with one dependency file only Python 2 could compile.
VENV = "python -m venv /opt/venv && echo 'print \"python 2\"' > /opt/venv/lib/python3.11/site-packages/legacy_module.py"


@pytest.fixture(scope="module")
def python_image(engine):
    return ensure_image(PYTHON, load_settings("ci", environ={}), engine)


def in_image(image: str, script: str, *options: str) -> subprocess.CompletedProcess:
    command = [
        "docker",
        "run",
        "--rm",
        "-e",
        "PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin",
        *options,
        image,
        "sh",
        "-c",
        script,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_a_dependency_file_this_python_cannot_compile_stays_source_and_the_build_goes_on(python_image):
    compiled = "ls /opt/venv/lib/python3.11/site-packages/pip/__pycache__ | grep -c pyc"
    done = in_image(python_image, f"{VENV} && {DEPENDENCIES_COMPILED} && {compiled}")
    assert done.returncode == 0, done.stderr
    assert "do not compile under Python 3.11.2; kept as source" in done.stdout
    assert int(done.stdout.split()[-1]) > 0, "the other dependencies' bytecode is there"
    # Without the fallback the same step fails the build: what the corpus's two failures were.
    assert in_image(python_image, f"{VENV} && python -m compileall -q /opt/venv/lib").returncode != 0


def test_an_install_that_brought_no_fastapi_fails_in_one_line(python_image):
    done = in_image(python_image, f"python -m venv /opt/venv && {FRAMEWORK_INSTALLED}")
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        == "stackops: installed without fastapi for Python 3.11.2: no dependency names it, or the pins' markers exclude this Python"
    )


def test_an_installed_fastapi_that_does_not_import_says_so_in_one_line(python_image):
    """IanLiuTW/python-fastapi-WeatherAPI: FastAPI 0.68 under pydantic 1.8 installs on 3.11 and fails to import; the
    check said it was not installed, which sent init nowhere."""
    site = "/opt/venv/lib/python3.11/site-packages"
    broken = (
        f"mkdir -p {site}/fastapi {site}/fastapi-0.68.0.dist-info"
        f" && echo 'raise ValueError(\"not a valid parameter name\")' > {site}/fastapi/__init__.py"
        f" && printf 'Metadata-Version: 2.1\\nName: fastapi\\nVersion: 0.68.0\\n' > {site}/fastapi-0.68.0.dist-info/METADATA"
    )
    done = in_image(python_image, f"python -m venv /opt/venv && {broken} && {FRAMEWORK_INSTALLED}")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "stackops: fastapi 0.68.0 is installed and does not import on Python 3.11.2: ValueError: not a valid parameter name"
    )


def test_an_exact_patch_marker_is_read_at_the_minor(python_image):
    exported = "fastapi==0.115.6 ; python_full_version == \"3.11.7\"\nanyio==4.6 ; python_full_version == '3.11.7'\n"
    # grski/fastapi-pdf: poetry's `python = "^3.11.6"`, a floor at a patch release above Debian's 3.11.2
    exported += 'uvicorn==0.24.0 ; python_full_version >= "3.11.6" and python_version < "4.0"\n'
    evaluate = (
        'python -c "from pip._vendor.packaging.requirements import Requirement as R; '
        "print([R(l).marker.evaluate() for l in open('/tmp/r.txt').read().splitlines()])\""
    )
    script = f"printf '%s' '{exported.replace(chr(39), chr(39) + chr(92) + chr(39) + chr(39))}' > /tmp/r.txt && {evaluate}"
    before = in_image(python_image, script)
    after = in_image(python_image, script.replace(" && python -c", f" && {AT_THE_MINOR} /tmp/r.txt && python -c"))
    assert before.stdout.strip() == "[False, False, False]", before.stderr  # pip would install nothing, silently
    assert after.stdout.strip() == "[True, True, True]", after.stderr


def test_an_unlocked_install_resolves_as_at_its_last_commit(python_image):
    """The builder's pip (the base's is older than 26) upgraded, then held to the date: SQLAlchemy as it was in May 2025
    (2.0, which brought greenlet), not 2.1, which async code last committed then does not import."""
    dated, newer_pip = held_to_its_date("2025-06-01T00:00:00Z")
    assert "ENV PIP_UPLOADED_PRIOR_TO=${DEPENDENCIES_AS_OF}" in dated
    report = "pip install -q --dry-run --no-cache-dir --report - sqlalchemy"
    ca = ["-v", "/etc/ssl/certs/ca-certificates.crt:/tmp/ca.crt:ro", "-e", "PIP_CERT=/tmp/ca.crt"]
    held = ["-e", "PIP_UPLOADED_PRIOR_TO=2025-06-01T00:00:00Z"]
    done = in_image(python_image, f"python -m venv /opt/venv && {newer_pip}{report}", *ca, *held)
    assert done.returncode == 0, done.stderr[-2000:]
    versions = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in json.loads(done.stdout)["install"]}
    assert versions["sqlalchemy"].startswith("2.0.") and "greenlet" in versions, versions


def test_pipenvs_lock_becomes_requirements_pip_reads(python_image):
    lock = (
        '{"default": {"fastapi": {"version": "==0.115.6", "markers": "python_version >= \'3.8\'"}, '
        '"mylib": {"git": "https://example.com/mylib.git"}}}'
    )
    script = f"cd /tmp && printf '%s' '{lock.replace(chr(39), chr(39) + chr(92) + chr(39) + chr(39))}' > Pipfile.lock"
    done = in_image(python_image, f"{script} && python -c {pipfile_pins()}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["fastapi==0.115.6; python_version >= '3.8'"]  # a git source has no pin to give


PROJECT = '[project]\nname = "shop"\ndependencies = [\n  "fastapi",\n]\n\n[tool.stackopsy]\nkept = true\n'
CONTRACT = (
    '[tool.stackops]\n# init\'s\nentry = "web"\n[tool.stackops.services.web]\nhealth = "/health"\n'
    "[[tool.stackops.extra]]\nx = 1\n[tool.ruff]\nline-length = 99\n"
)


def test_the_install_reads_the_same_manifest_with_or_without_the_contract(python_image, tmp_path):
    """init writes [tool.stackops] after its first build: the manifests' stage takes those tables out, so the builder's
    install is cached across init and ci, and an edit to the contract reinstalls nothing."""
    (tmp_path / "bare.toml").write_text(PROJECT + "[tool.ruff]\nline-length = 99\n")
    (tmp_path / "adopted.toml").write_text(PROJECT + CONTRACT)
    step = " && ".join(WITHOUT_OUR_TABLES.replace("{path}", f"/tmp/m/{name}") for name in ("bare.toml", "adopted.toml"))
    done = in_image(python_image, f"cp -r /in /tmp/m && {step} && cat /tmp/m/adopted.toml", "-v", f"{tmp_path}:/in:ro")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (tmp_path / "bare.toml").read_text()  # every other table kept, tool.stackopsy too


@pytest.mark.parametrize(
    ("dependency", "kept"),
    [
        # kamranabdicse/fastapi-postgres-boilerplate: gunicorn 20 imports pkg_resources as it loads; the runtime had
        # no setuptools, and the app crash-looped on `No module named 'pkg_resources'`.
        ("import os\nimport pkg_resources\n", "setuptools"),
        ("def version():\n    import pkg_resources\n", ""),  # read only when called, and guarded: no reason to keep it
        # gabriele-mastrapasqua/fastapi-ocr: paddlepaddle imports setuptools itself as it loads; the runtime had none
        ("import os\nfrom setuptools import Extension\n", "setuptools"),
        ("import setuptools_scm\n", ""),  # another distribution's module
    ],
)
def test_setuptools_stays_only_for_a_dependency_that_imports_it_as_it_loads(python_image, dependency, kept):
    module = "/opt/venv/lib/python3.11/site-packages/olddep.py"
    made = f"python -m venv /opt/venv && printf '{dependency}' > {module}"
    left = "ls /opt/venv/lib/python3.11/site-packages | grep -E '^(pip|setuptools)$' || true"
    done = in_image(python_image, f"{made} && {NO_INSTALLER} && {left}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ([kept] if kept else [])


def test_a_dependencys_test_suite_leaves_the_venv_and_a_package_named_tests_stays(python_image):
    # irvaniamirali/fastapi-url-shortener: pytest-alembic's own code is its tests/ package; the builder removed it, and
    # pytest stopped at start on "No module named 'pytest_alembic.tests'".
    packages = "/opt/venv/lib/python3.11/site-packages"
    # jeongmin24/fastapi-server: numpy 2.3's testing imports numpy._core.tests._natype; the builder removed that
    # tests/, and statsmodels' import failed as the app loaded. A tests/ its own package's code imports stays.
    made = (
        f"python -m venv /opt/venv && mkdir -p {packages}/suite/tests {packages}/plugin/tests {packages}/num/_core/tests"
        f" {packages}/num/testing && touch {packages}/suite/tests/test_suite.py {packages}/plugin/tests/default.py"
        f" {packages}/num/_core/tests/test_x.py {packages}/num/_core/tests/_natype.py"
        f" && echo 'from num._core.tests._natype import NA' > {packages}/num/testing/utils.py"
    )
    done = in_image(python_image, f"{made} && {BUILD_ONLY} && ls -d {packages}/*/tests {packages}/*/*/tests")
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.split()) == [f"{packages}/num/_core/tests", f"{packages}/plugin/tests"]


def test_type_stubs_leave_the_venv_and_a_packages_own_init_stub_stays(python_image):
    # gabriele-mastrapasqua/fastapi-ocr: scikit-image's lazy_loader reads skimage/__init__.pyi as it loads; the builder
    # deleted every stub, and the app's import failed on "Cannot load imports from non-existent stub".
    packages = "/opt/venv/lib/python3.11/site-packages"
    made = f"python -m venv /opt/venv && mkdir -p {packages}/lazy && touch {packages}/lazy/__init__.pyi {packages}/lazy/core.pyi"
    done = in_image(python_image, f"{made} && {BUILD_ONLY} && ls {packages}/lazy")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["__init__.pyi"]
