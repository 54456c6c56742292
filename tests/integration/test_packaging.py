"""The package as the index would ship it: a wheel with every module and script, installed into a new environment,
gives the `fastapi-stackops` command (what `pipx run fastapi-stackops init` runs)."""

import shutil
import subprocess
import sys
import venv
import zipfile

import pytest

from tests.utils import ROOT, same_for_every_newcomer

pytestmark = [pytest.mark.integration, same_for_every_newcomer]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """Built from the repository's files alone (tracked and new), as from a fresh clone: no build/ left from before."""
    source, folder = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, text=True)
    for name in filter(None, listed.stdout.split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(source)], capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return next(folder.glob("fastapi_stackops-*.whl"))


def test_the_wheel_holds_every_package_script_and_the_license(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "fastapi_stackops").rglob("*.py")}
    assert packages <= {name.rpartition("/")[0] for name in names}, "a subpackage is missing from the wheel"
    for data in (
        "fastapi_stackops/base/build-base.sh",
        "fastapi_stackops/base/compose.proxy.yaml",
        "fastapi_stackops/base/proxy-entrypoint.sh",
        "fastapi_stackops/provision-engine.sh",
    ):
        assert data in names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "fastapi-stackops = fastapi_stackops.cli:main" in entry_points
    assert any(n.endswith("/LICENSE") for n in names)


def test_the_installed_command_reads_a_repository(wheel, tmp_path):
    environment = tmp_path / "env"
    venv.create(environment, with_pip=True)
    installed = subprocess.run(
        [environment / "bin/pip", "install", "-q", str(wheel)], capture_output=True, text=True, timeout=600
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo/requirements.txt").write_text("fastapi\n")
    result = subprocess.run(
        [environment / "bin/fastapi-stackops", "init", str(tmp_path / "repo")], capture_output=True, text=True
    )
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stdout + result.stderr
    assert "no FastAPI app found" in result.stderr
