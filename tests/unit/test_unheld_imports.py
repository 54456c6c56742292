"""fastapi_stackops/adopt/unheld_imports.py: modules the app imports that its image would not hold, refused before
any build."""

from __future__ import annotations

import pytest

from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.unheld_imports import around
from tests.utils import committed, written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


@pytest.mark.parametrize(
    ("imports", "requirements", "held_here", "refused"),
    [
        # Filin153/FastAPI_auth: services/auth/main.py imports common, which ../../common holds and its own Compose file
        # mounted; init refused only after a 90 s build, on the built image's "No module named 'common'".
        ("from common.config import settings\n", "fastapi\n", False, "main.py line 1 imports common, which lies outside"),
        ("import common\n", "fastapi\ncommon\n", False, ""),  # a dependency of that name: installed, not the folder's
        ("import jwt\n", "fastapi\nPyJWT\n", False, ""),  # a dependency that installs a module of another name
        ("from common.config import settings\n", "fastapi\n", True, ""),  # the service's own folder holds one too
        ("import json\n", "fastapi\n", False, ""),  # the standard library's, whatever a folder above is called
        ("def load():\n    import common\n", "fastapi\n", False, ""),  # inside a function: may never run
    ],
)
def test_a_module_only_a_folder_around_the_service_holds_is_refused_before_any_build(
    tmp_path, imports, requirements, held_here, refused
):
    files = {
        "common/__init__.py": "",
        "common/config.py": "settings = {}\n",
        "json/__init__.py": "",
        "jwt/__init__.py": "",
        "services/auth/requirements.txt": requirements,
        "services/auth/main.py": imports + APP,
    }
    files |= {"services/auth/common/__init__.py": "", "services/auth/common/config.py": "settings = {}\n"} if held_here else {}
    committed(written(tmp_path, files))
    if not refused:
        assert read_repository(tmp_path / "services/auth").app.reference == "main:app"
        return
    with pytest.raises(NotAFastAPIRepository, match=refused) as raised:
        read_repository(tmp_path / "services/auth")
    assert "(../../common)" in str(raised.value) and len(str(raised.value).splitlines()) == 1


def test_a_namespace_package_beside_a_monorepos_service_folder_is_named_as_outside_it(tmp_path):
    # AndriyKostenko/React-FastAPI_E-Commerce_App: backend/shared (no __init__.py) was said to be no dependency's.
    files = {"svc/requirements.txt": "fastapi\n", "svc/main.py": APP, "shared/contracts/events.py": "", "docs/x.md": ""}
    committed(written(tmp_path, files))
    assert around(tmp_path / "svc").get("shared") == "../shared"


def test_a_package_two_folders_above_a_monorepos_service_folder_is_named_as_outside_it(tmp_path):
    # MamangRust/monolith-fastapi-payment-gateway: internal/services/user_service imports internal/lib, which init said
    # no dependency installs; a sibling a level up named alike is the nearer.
    service = "internal/services/user_service"
    files = {f"{service}/requirements.txt": "fastapi\n", f"{service}/main.py": APP, "internal/lib/__init__.py": ""}
    committed(written(tmp_path, files | {"internal/services/common/__init__.py": "", "internal/common.py": "", "top.py": ""}))
    found = around(tmp_path / service)
    assert (found["lib"], found["common"], found["top"]) == ("../../lib", "../common", "../../../top.py")


def test_a_uv_workspace_members_import_of_a_sibling_package_is_not_refused(tmp_path):
    # A uv workspace's member imports its sibling by a module name its dependency's name does not say (acme-common's
    # `common`): the member's image is built from the workspace, which holds it.
    top = '[project]\nname = "top"\nversion = "1"\n[tool.uv.workspace]\nmembers = ["services/*", "common"]\n'
    member = '[project]\nname = "auth"\nversion = "1"\ndependencies = ["fastapi", "acme-common"]\n'
    files = {"pyproject.toml": top, "uv.lock": "version = 1\n", "common/__init__.py": "", "common/config.py": ""}
    files |= {"services/auth/pyproject.toml": member, "services/auth/main.py": "import common.config\n" + APP}
    committed(written(tmp_path, files))
    assert read_repository(tmp_path / "services/auth").app.reference == "main:app"


def test_code_that_imports_its_own_service_folder_as_a_package_is_not_refused(tmp_path):
    # Kira7dn/fastapi_template: backend/app imports `backend.app...`, itself as run from the folder above; init
    # refused it as a module outside the service's folder ("(../backend)"), which is the service's folder itself.
    files = {"backend/requirements.txt": "fastapi\n", "backend/__init__.py": "", "backend/app/__init__.py": ""}
    files |= {"backend/app/main.py": "from backend.app import users\n" + APP, "backend/app/users.py": "USERS = []\n"}
    committed(written(tmp_path, files))
    assert read_repository(tmp_path / "backend").package == "backend"
