"""fastapi_stackops/adopt/image.py: the builder's steps, run here on a tree shaped as a venv is."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

from fastapi_stackops.adopt.image import STRIPPED, native_steps

VENV_FILES = {
    "site-packages/pydantic_core/_pydantic_core.cpython-311-x86_64-linux-gnu.so": True,
    "site-packages/cryptography/hazmat/bindings/_rust.abi3.so": True,
    # macodroid/fastapi-weather-prophet: torch's own libraries, stripped, no longer loaded ("ELF load command
    # address/offset not page-aligned") and the app failed to import in the image.
    "site-packages/torch/lib/libtorch_global_deps.so": False,
    "site-packages/numpy.libs/libopenblas64_p-r0-0cf96a72.3.23.dev.so": False,  # vendored by auditwheel
}


def test_strip_touches_extension_modules_alone(tmp_path: Path):
    for name in VENV_FILES:
        (tmp_path / "lib" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "lib" / name).write_bytes(b"")
    step = STRIPPED.replace("/opt/venv", str(tmp_path)).replace("strip --strip-unneeded", "ls")
    listed = subprocess.run(step, shell=True, capture_output=True, text=True, check=True).stdout.split()
    assert sorted(listed) == sorted(str(tmp_path / "lib" / name) for name, stripped in VENV_FILES.items() if stripped)


@pytest.mark.parametrize(
    ("compiled", "builder", "runtime"),
    [
        # agasca94/fastapi-store, pinned in 2020 and built on 3.9: cffi 1.14 wants libffi's headers ("ffi.h: No such
        # file or directory"), uvloop 0.14 builds its libuv with make ("No such file or directory: 'make'").
        (("cffi==1.14.0", "uvloop==0.14.0"), "gcc g++ libc6-dev make libffi-dev", ""),
        (("psycopg2==2.8.4", "cffi==1.14.0"), "gcc g++ libc6-dev make libpq-dev libffi-dev", "libpq5"),
        # Rojas-Andres/fastapi-ddd: pycurl 7.45.1, no wheel for 3.11, built with libcurl's curl-config ("No such file or
        # directory: 'curl-config'"), which the builder lacked.
        (("pycurl==7.45.1",), "gcc g++ libc6-dev make libcurl4-openssl-dev libssl-dev", "curl"),
        (("pycairo==1.28.0",), "gcc g++ libc6-dev make libcairo2-dev pkg-config", "libcairo2"),
        # the-peach-drone/fastapi-flight-record-server: MariaDB's own connector builds with mariadb_config ("not found")
        (("mariadb==1.0.11",), "gcc g++ libc6-dev make libmariadb-dev", "libmariadb3"),
        # sech444/FastAPI-crypto_prices: fastecdsa 2.3, no wheel for 3.11, compiled against GMP's headers
        (("fastecdsa==2.3.0",), "gcc g++ libc6-dev make libgmp-dev", "libgmp10"),
    ],
)
def test_a_pin_built_from_source_gets_its_headers_and_tools_in_the_builder_alone(compiled, builder, runtime):
    build, run = native_steps(compiled)
    assert f"apt-get install -y --no-install-recommends {builder} " in build
    assert (f"--no-install-recommends {runtime} " in run) if runtime else run == ""


@pytest.mark.parametrize(
    ("compiled", "held"),
    [
        # k3forx/fastapi-example: pyyaml==5.4.1 (no wheel for 3.11) compiled against Cython 3, which its build refuses
        # ("Failed to build 'PyYAML' when getting requirements to build wheel"); the build stopped init.
        (("pyyaml==5.4.1",), True),
        (("PyYAML==6.0", "cffi==1.14.0"), True),
        (("pyyaml==6.0.1",), False),  # builds with Cython 3
        (("cffi==1.14.0",), False),
    ],
)
def test_a_pin_that_compiles_only_with_cython_before_3_is_built_with_it(compiled, held):
    build, _ = native_steps(compiled)
    # pip 26 reads PIP_BUILD_CONSTRAINT in its build environments; PIP_CONSTRAINT alone no longer reaches them
    assert (
        "RUN echo 'cython<3' > /opt/build-constraints.txt\nENV PIP_BUILD_CONSTRAINT=/opt/build-constraints.txt" in build
    ) == held


def test_strip_leaves_a_module_auditwheel_pointed_at_its_vendored_libraries(tmp_path: Path):
    """monthero/fastapi-tortoise-user-crud-demo on 3.9: bullseye's strip left Pillow 8.3.1's _imaging, whose rpath is
    $ORIGIN/../Pillow.libs, unloadable ("ELF load command address/offset not properly aligned"); such a module keeps
    its symbols, any other loses them. Real modules of this venv: psycopg's binary build has such an rpath."""
    modules = [installed_module("psycopg_binary", "pq.*.so"), installed_module("charset_normalizer", "md.*.so")]
    if shutil.which("readelf") is None or None in modules:
        pytest.skip("needs binutils and the binary builds of psycopg and charset_normalizer")
    pointed, plain = modules
    copies = {path: tmp_path / "lib" / path.parent.name / path.name for path in (pointed, plain)}
    for path, copy in copies.items():
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    subprocess.run(STRIPPED.replace("/opt/venv", str(tmp_path)), shell=True, check=True, capture_output=True)
    assert copies[pointed].read_bytes() == pointed.read_bytes()
    assert copies[plain].stat().st_size < plain.stat().st_size


def installed_module(package: str, pattern: str) -> Path | None:
    """An extension module of an installed package, found without importing it (psycopg_binary refuses that alone)."""
    spec = importlib.util.find_spec(package)
    found = sorted(Path(spec.submodule_search_locations[0]).glob(pattern)) if spec else []
    return found[0] if found else None
