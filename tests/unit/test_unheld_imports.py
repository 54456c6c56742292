"""fastapi_stackops/adopt/unheld_imports.py: a module of the repository's own that the app imports and the repository
does not hold, refused before any build."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.reading import read_repository
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
V1 = {"app/__init__.py": "", "app/main.py": "from app.api.v1 import router\n" + APP, "app/api/__init__.py": ""}


@pytest.mark.parametrize(
    ("files", "refused"),
    [
        # ctycho-dev/fastapi-production-starter: app/api/v1/__init__.py imports .camera and four more modules it no
        # longer holds; init built the image for 30 s to find the import failing.
        (
            V1 | {"app/api/v1/__init__.py": "from .camera import router\n"},
            "app/api/v1/__init__.py line 1 imports app.api.v1.camera",
        ),
        (V1 | {"app/api/v1/__init__.py": "from app.api.v1.camera import router\n"}, "imports app.api.v1.camera"),
        (V1 | {"app/api/v1/__init__.py": "import app.api.v1.camera\n"}, "imports app.api.v1.camera"),
        # followed through the modules the app imports
        (
            V1 | {"app/api/v1/__init__.py": "from .users import router\n", "app/api/v1/users.py": "from ..deps import db\n"},
            "app/api/v1/users.py line 1 imports app.api.deps",
        ),
        # held: a module, a package, a name its package defines, a compiled module's source, a namespace package
        (V1 | {"app/api/v1/__init__.py": "from .camera import router\n", "app/api/v1/camera.py": ""}, ""),
        (V1 | {"app/api/v1/__init__.py": "from .camera import router\n", "app/api/v1/camera/__init__.py": ""}, ""),
        (V1 | {"app/api/v1/__init__.py": "router = 1\n"}, ""),
        (V1 | {"app/api/v1/__init__.py": "from .fast import router\n", "app/api/v1/fast.pyx": ""}, ""),
        ({"main.py": "from app.routes import r\n" + APP, "app/routes.py": ""}, ""),
        # never run as the app loads, or not the repository's own: left to the build
        (V1 | {"app/api/v1/__init__.py": "try:\n    from .camera import router\nexcept ImportError:\n    router = None\n"}, ""),
        (V1 | {"app/api/v1/__init__.py": "def f():\n    from .camera import router\n"}, ""),
        ({"main.py": "import redis.asyncio\n" + APP, "redis.py": ""}, ""),  # a module file's, which Python says best
        ({"main.py": "from alembic import op\n" + APP, "alembic/env.py": ""}, ""),  # a namespace folder: the library's
        ({"main.py": "import old\n" + APP, "scripts/old.py": "import app.gone\n"}, ""),  # a script the app never imports
    ],
)
def test_a_module_the_app_imports_and_the_repository_does_not_hold_is_refused_before_any_build(tmp_path: Path, files, refused):
    written(tmp_path, {"requirements.txt": "fastapi\n", **files})
    if not refused:
        read_repository(tmp_path)
        return
    with pytest.raises(NotAFastAPIRepository) as error:
        read_repository(tmp_path)
    assert refused in str(error.value) and str(error.value).endswith("fix the import, or commit the module")


@pytest.mark.parametrize(("made", "imported", "refused"), [("empty", True, True), ("none", True, True), ("empty", False, False)])
def test_a_git_submodule_the_code_imports_and_the_checkout_lacks_is_refused_before_any_build(
    tmp_path: Path, made, imported, refused
):
    """hardikambati/fastapi-order-payment-microservices: each service imports core, a submodule a clone leaves empty;
    the trial built the image, and its import failed on "No module named 'core'" with advice about --set and --app."""
    main = "from fastapi import FastAPI\n" + ("from core.utils import x\n" if imported else "") + "\napp = FastAPI()\n"
    modules = '[submodule "orders/core"]\n\tpath = orders/core\n\turl = https://example.org/core.git\n'
    root = written(tmp_path, {"orders/requirements.txt": "fastapi\n", "orders/main.py": main, ".gitmodules": modules})
    if made == "empty":  # as a clone leaves it; a copy of the files (git archive) leaves none
        (root / "orders/core").mkdir()
    if not refused:
        assert read_repository(root / "orders").app.reference == "main:app"
        return
    with pytest.raises(NotAFastAPIRepository) as refused_as:
        read_repository(root / "orders")
    assert str(refused_as.value) == (
        "core/, which the code imports, is a git submodule (https://example.org/core.git) this checkout lacks: run "
        "`git submodule update --init`, then init again"
    )


def test_a_gitmodules_file_above_the_checkouts_own_top_is_another_repositorys(tmp_path: Path):
    """A checkout kept inside another repository's folder: that one's submodules are not this one's."""
    main = "from fastapi import FastAPI\nfrom core.utils import x\n\napp = FastAPI()\n"
    modules = '[submodule "orders/core"]\n\tpath = orders/core\n\turl = https://example.org/core.git\n'
    root = written(tmp_path, {"orders/requirements.txt": "fastapi\n", "orders/main.py": main, ".gitmodules": modules})
    (root / "orders/.git").mkdir()
    assert read_repository(root / "orders").app.reference == "main:app"
