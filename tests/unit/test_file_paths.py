"""fastapi_stackops/adopt/file_paths.py: paths a module computes from its own file, from the service's folder."""

from __future__ import annotations

import ast

import pytest

from fastapi_stackops.adopt.file_paths import module_paths


@pytest.mark.parametrize(
    ("code", "module", "paths"),
    [
        (
            "ROOT = Path(__file__).resolve().parent.parent\nDB = ROOT / 'api.db'\n",
            "app/database.py",
            {"ROOT": (), "DB": ("api.db",)},
        ),
        ("B = Path(__file__).parent\nI = B / 'instance'\n", "app/db.py", {"B": ("app",), "I": ("app", "instance")}),
        ("D = os.path.dirname(os.path.realpath(__file__))\nF = os.path.join(D, 'x.db')\n", "db.py", {"D": (), "F": ("x.db",)}),
        ("P = Path(__file__).parents[1] / 'y.db'\n", "app/core/db.py", {"P": ("app", "y.db")}),
        ("B = Path(__file__).parent.parent.parent\n", "app/db.py", {}),  # above the service's folder: nothing of it here
        ("B = Path(__file__).parent\nB = Path(os.getenv('DATA'))\n", "db.py", {}),  # bound again to what is not known
        ("B = Path(__file__).parent\nURL = f'sqlite:///{B}/a.db'\n", "db.py", {"B": ()}),  # a URL is no path
        ("B = Path('/var/lib/app')\n", "db.py", {}),  # not from the module's file
        # Elian-Rodriguez/fastapi-cars: a literal name joined to the module's folder, `..` taking it up to the service's
        # folder; unread, the app opened its SQLite file under the read-only code ("unable to open database file").
        (
            "N = '../x.db'\nD = os.path.dirname(__file__)\nF = os.path.join(D, N)\n",
            "config/db.py",
            {"D": ("config",), "F": ("x.db",)},
        ),
        ("F = os.path.join(os.path.dirname(__file__), '../../x.db')\n", "config/db.py", {}),  # above the service's folder
        # amard33p/fastapi-oauth: a property's own name for Path(BASE_DIR, "app", "test.db").as_posix(); unread, the app's
        # SQLite file stayed under the read-only code and the app crash-looped on "unable to open database file"
        (
            "BASE = Path(__file__).resolve().parent.parent\n\nclass S:\n    @property\n    def url(self):\n"
            "        db_path = Path(BASE, 'app', 'test.db').as_posix()\n        return f'sqlite:///{db_path}'\n",
            "app/config.py",
            {"BASE": (), "db_path": ("app", "test.db")},
        ),
    ],
)
def test_a_path_computed_from_the_modules_file_is_read_from_the_services_folder(code, module, paths):
    assert module_paths(ast.parse(code), module) == paths
