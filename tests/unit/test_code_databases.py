"""fastapi_stackops/adopt/code_databases.py: the database a repository's code itself writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_stackops.adopt.code_databases import code_sqlite_file

#: SQLModel's tutorial's shape: a file name, put in a URL by an f-string.
TUTORIAL = 'sqlite_file_name = "database.db"\nsqlite_url = f"sqlite:///{sqlite_file_name}"\n'


@pytest.mark.parametrize(
    ("code", "found"),
    [
        # julienpillaud/fastapi-sqlmodel: its SQLite file under the read-only code; the app could not open it.
        (TUTORIAL, ("database.db", "db.py:2")),
        ('engine = create_engine("sqlite:///./data/app.sqlite3")\n', ("data/app.sqlite3", "db.py:1")),
        ('URL = "sqlite+aiosqlite:///shop.db"\n', ("shop.db", "db.py:1")),
        ('URL = "sqlite:////var/lib/shop.db"\n', ("", "")),  # an absolute path is not the code's folder
        ('URL = "sqlite:///:memory:"\n', ("", "")),
        ('name = input()\nURL = f"sqlite:///{name}"\n', ("", "")),  # a name bound to no literal
        # kathleen547/fastapi-expense-api, mateusmtorres23/fastapi-bank-api: the file beside the code, found from its
        # own module's path; the app could not open it under the read-only code.
        ('ROOT = Path(__file__).resolve().parent\nDB = ROOT / "api.db"\nURL = f"sqlite:///{DB}"\n', ("api.db", "db.py:3")),
        ("B = Path(__file__).parent\nURL = f\"sqlite+aiosqlite:///{B / 'data' / 'x.db'}\"\n", ("data/x.db", "db.py:2")),
        ("B = os.path.dirname(__file__)\nURL = f\"sqlite:///{os.path.join(B, 'm.db')}\"\n", ("m.db", "db.py:2")),
    ],
)
def test_an_sqlite_file_the_code_names_under_its_folder_is_found(tmp_path: Path, code, found):
    (tmp_path / "db.py").write_text(code)
    assert code_sqlite_file(tmp_path) == found
