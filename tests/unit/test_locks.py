"""locks: what a lock says the image installs."""

import pytest

from fastapi_stackops.adopt.locks import main_packages


@pytest.mark.parametrize(
    ("marker", "installed"),
    [
        # eslam5464/Fastapi-Template: psycopg[binary] for Windows only, plain psycopg elsewhere; the binary build was
        # counted as installed, no libpq went into the image, and psycopg found "no pq wrapper available".
        ("implementation_name != 'pypy' and sys_platform == 'win32'", {"psycopg"}),
        ('platform_system == "Darwin"', {"psycopg"}),
        # qwerty1347/fastapi-imageSearch: pywinpty under `os_name == 'nt'`, Windows' own wheels alone; init refused it
        # as a Rust build no image compiles
        ("os_name == 'nt'", {"psycopg"}),
        ("sys_platform == 'win32' or sys_platform == 'linux'", {"psycopg", "psycopg-binary"}),
        ("python_version >= '3.10'", {"psycopg", "psycopg-binary"}),
    ],
)
def test_a_lock_dependency_marked_for_another_system_is_not_installed(marker, installed):
    root = {"name": "app", "source": {"editable": "."}, "dependencies": [{"name": "psycopg"}]}
    root["dependencies"].append({"name": "psycopg-binary", "marker": marker})
    lock = {"package": [root, {"name": "psycopg"}, {"name": "psycopg-binary"}]}
    assert main_packages(lock, "uv") == installed
