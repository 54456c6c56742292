"""fastapi_stackops/adopt/source.py: where the app is, and the module name its code is imported by."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fastapi_stackops.adopt.source import find_apps

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


@pytest.mark.parametrize(
    ("files", "module", "source_root"),
    [
        ({"src/lens/__init__.py": "", "src/lens/main.py": APP}, "lens.main", "src"),  # a src layout
        ({"src/lens/__init__.py": "", "src/lens/main.py": "from .db import x\n" + APP, "src/lens/db.py": ""}, "lens.main", "src"),
        ({"src/__init__.py": "", "src/app.py": APP}, "src.app", ""),  # src/ a package of its own
        ({"main.py": "from src.db import create\n", "src/app.py": APP, "src/db.py": ""}, "src.app", ""),  # imported by name
        ({"src/app.py": "from .routes import router\n" + APP, "src/routes.py": ""}, "src.app", ""),  # relative, in src/
    ],
)
def test_src_is_a_source_root_unless_the_code_makes_it_a_package(tmp_path: Path, files, module, source_root):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    app = find_apps(tmp_path)[0]
    assert (app.module, app.source_root) == (module, source_root)


def test_a_file_is_parsed_once_per_version_and_again_when_it_changes(tmp_path):
    from fastapi_stackops.adopt.syntax import every_node, parsed

    module = tmp_path / "main.py"
    module.write_text("app = 1\n")
    first = parsed(module)
    assert parsed(module) is first and every_node(first) is every_node(first)  # shared across passes
    module.write_text("app = 2  # edited\n")  # another size: another version
    assert ast.unparse(parsed(module)) == "app = 2"
