"""fastapi_stackops/adopt/backing_reading.py: the database a repository's code names, read before any build."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_stackops.adopt.backing_reading import code_sqlite_file
from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import compose_text

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
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
    ],
)
def test_an_sqlite_file_the_code_names_under_its_folder_is_found(tmp_path: Path, code, found):
    (tmp_path / "db.py").write_text(code)
    assert code_sqlite_file(tmp_path) == found


def test_the_sqlite_file_the_code_names_is_a_link_into_the_data_volume(tmp_path: Path):
    for name, text in {"requirements.txt": "fastapi\nsqlmodel\n", "main.py": APP, "app/database.py": TUTORIAL}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    repo = read_repository(tmp_path)
    assert repo.database == "sqlite" and repo.sqlite_in_code == "database.db"
    assert "ln -sf /var/lib/app/database.db /srv/database.db" in dockerfile_text(repo, "/", repo.keeps_data)
    assert "app-data:/var/lib/app" in compose_text(repo)


@pytest.mark.parametrize(
    ("code", "tls"),
    [
        # AkashAkuthota/fastapi-jwt-redis-backend: a cloud database's TLS written in the code; the stack's PostgreSQL
        # had none ("server does not support SSL, but SSL was required"), and the app crash-looped.
        ('engine = create_engine(url, connect_args={"sslmode": "require"})\n', True),
        ('URL = "postgresql://u:p@db/x?sslmode=verify-full"\n', True),
        ('pool = await asyncpg.create_pool(dsn, **{"ssl": "require"})\n', True),
        ('engine = create_engine(url, connect_args={"sslmode": "prefer"})\n', False),
        ('# connect_args={"sslmode": "require"}\nengine = create_engine(url)\n', False),
    ],
)
def test_a_database_whose_code_requires_tls_gets_it_on(tmp_path: Path, code, tls):
    for name, text in {"requirements.txt": "fastapi\npsycopg2-binary\n", "main.py": APP, "db.py": code}.items():
        (tmp_path / name).write_text(text)
    compose = compose_text(read_repository(tmp_path))
    assert ("ssl=on" in compose and "ssl-cert-snakeoil.key" in compose) == tls
