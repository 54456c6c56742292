"""fastapi_stackops/adopt/code_databases.py: the database a repository's code itself writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_stackops.adopt.code_databases import code_sqlite_file
from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import compose_text
from tests.utils import written

#: SQLModel's tutorial's shape: a file name, put in a URL by an f-string.
TUTORIAL = 'sqlite_file_name = "database.db"\nsqlite_url = f"sqlite:///{sqlite_file_name}"\n'


@pytest.mark.parametrize(
    ("code", "found"),
    [
        # julienpillaud/fastapi-sqlmodel: its SQLite file under the read-only code; the app could not open it.
        (TUTORIAL, ("database.db", "db.py:2")),
        ('engine = create_engine("sqlite:///./data/app.sqlite3")\n', ("data/app.sqlite3", "db.py:1")),
        ('URL = "sqlite+aiosqlite:///shop.db"\n', ("shop.db", "db.py:1")),
        # vmi98/fastapi-api-analytics: its own Dockerfile's /app/db/database.db, written in the code: "unable to open
        # database file" in the image, which has no such folder; a link there into the data volume now.
        ('URL = "sqlite:////var/lib/shop.db"\n', ("/var/lib/shop.db", "db.py:1")),
        ('URL = "sqlite:////tmp/shop.db"\n', ("", "")),  # under /tmp, a tmpfs: nothing persists, nothing to link
        # the standard library's sqlite3 opening its file by path alone, as small apps do
        ('import sqlite3\nconn = sqlite3.connect("notes.db", check_same_thread=False)\n', ("notes.db", "db.py:2")),
        ('import sqlite3\nNAME = "./data/notes.sqlite3"\nconn = sqlite3.connect(NAME)\n', ("data/notes.sqlite3", "db.py:3")),
        ('import sqlite3\nconn = sqlite3.connect(":memory:")\n', ("", "")),
        ('import other\nconn = other.connect("notes.db")\n', ("", "")),  # no SQLite's
        ('URL = "sqlite:///:memory:"\n', ("", "")),
        # Palakorn-Voramongkol/fastapi-async-crud: Tortoise ORM's relative URL, a parameter's default; the app could
        # not open it under the read-only code, and crash-looped at ci.
        ("async def init_db(db_url: str = 'sqlite://./example.db'):\n    pass\n", ("example.db", "db.py:1")),
        ('TORTOISE = {"connections": {"default": "sqlite://db.sqlite3"}}\n', ("db.sqlite3", "db.py:1")),
        ('URL = "sqlite://:memory:"\n', ("", "")),
        # Danielk84/fastapi-simple-app: the file chosen by a flag at the module's top; the branch that runs names it.
        (
            'DEBUG = False\nif DEBUG:\n    NAME = "test.db"\nelse:\n    NAME = "database.db"\nURL = f"sqlite:///{NAME}"\n',
            ("database.db", "db.py:6"),
        ),
        ('name = input()\nURL = f"sqlite:///{name}"\n', ("", "")),  # a name bound to no literal
        # kathleen547/fastapi-expense-api, mateusmtorres23/fastapi-bank-api: the file beside the code, found from its
        # own module's path; the app could not open it under the read-only code.
        ('ROOT = Path(__file__).resolve().parent\nDB = ROOT / "api.db"\nURL = f"sqlite:///{DB}"\n', ("api.db", "db.py:3")),
        ("B = Path(__file__).parent\nURL = f\"sqlite+aiosqlite:///{B / 'data' / 'x.db'}\"\n", ("data/x.db", "db.py:2")),
        ("B = os.path.dirname(__file__)\nURL = f\"sqlite:///{os.path.join(B, 'm.db')}\"\n", ("m.db", "db.py:2")),
        # glowing-sea/fastapi-web-dictionary: a settings dataclass's field, the path computed from its file, handed to
        # sqlite3.connect through a parameter; the app could not create it under the read-only code.
        (
            'import sqlite3\n@dataclass(frozen=True)\nclass S:\n    DB: Path = Path(__file__).resolve().parent / "app.db"\n',
            ("app.db", "db.py:4"),
        ),
        ('import duckdb\nDB = Path(__file__).parent / "x.db"\n', ("", "")),  # a .db file, not SQLite's
    ],
)
def test_an_sqlite_file_the_code_names_under_its_folder_is_found(tmp_path: Path, code, found):
    (tmp_path / "db.py").write_text(code)
    assert code_sqlite_file(tmp_path) == found


ENV_SETS = 'config.set_main_option("sqlalchemy.url", "{url}")\ncontext.configure(url=config.get_main_option("sqlalchemy.url"))\n'
GENERIC_ENV = 'context.configure(url=config.get_main_option("sqlalchemy.url"))\n'
INI = "[alembic]\nscript_location = migrations\nsqlalchemy.url = {url}\n"


@pytest.mark.parametrize(
    ("ini_url", "env", "revisions", "refused"),
    [
        # bebebebebebebebebebebebebebebe/uv-fastapi-production-template: env.py sets a URL at localhost, and its
        # migrations, run before the app, crash-looped the stack on "Connection refused".
        (
            "driver://user:pass@localhost/dbname",
            ENV_SETS.format(url="postgresql://u:pw@localhost:5432/dev"),
            True,
            "migrations/env.py line 1",
        ),
        # the ini's, as env.py uses it: alembic runs at the stack's database instead (migrations_target)
        ("postgresql://u:pw@127.0.0.1/app", GENERIC_ENV, True, ""),
        ("driver://user:pass@localhost/dbname", GENERIC_ENV, True, ""),  # alembic's placeholder: no database's URL
        ("", ENV_SETS.format(url="postgresql://u:pw@db:5432/dev"), True, ""),  # at a host by name: not this check's
        ("", 'config.set_main_option("sqlalchemy.url", settings.url)\n', True, ""),  # read from a setting
        ("", ENV_SETS.format(url="postgresql://u:pw@localhost:5432/dev"), False, ""),  # no revisions: nothing runs
        # another option set first, then the URL: the URL's call is the one read
        (
            "",
            'config.set_main_option("script_location", "migrations")\n' + ENV_SETS.format(url="postgresql://u:pw@localhost/dev"),
            True,
            "migrations/env.py line 2",
        ),
    ],
)
def test_migrations_that_open_their_database_at_localhost_as_written_are_refused_before_any_build(
    tmp_path: Path, ini_url, env, revisions, refused
):
    files = {"requirements.txt": "fastapi\nasyncpg\nalembic\n", "main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"}
    files |= {"alembic.ini": INI.format(url=ini_url), "migrations/env.py": env}
    written(tmp_path, files | ({"migrations/versions/1_first.py": "revision = '1'\n"} if revisions else {}))
    if not refused:
        assert read_repository(tmp_path).database == "postgres"
        return
    with pytest.raises(NotAFastAPIRepository) as error:
        read_repository(tmp_path)
    assert str(error.value).startswith(f"{refused}: the migrations open the database at ") and ":pw@" not in str(error.value)


@pytest.mark.parametrize(
    ("module", "code", "aliases"),
    [
        # CreativeeBlackWolf/fastapi-tickets: its URL assembled from settings around the host `db`, its own Compose
        # service's name; the stack's database answered to another, and ci crash-looped on "could not translate host".
        ("db.py", 'URL = f"postgresql+psycopg2://{s.user}:{s.password}@db:{s.port}/{s.name}"\n', "aliases: [db]"),
        ("db.py", 'URL = f"mysql+aiomysql://{user}:{pw}@mysql-db/{name}"\n', "aliases: [mysql-db]"),
        ("db.py", 'URL = f"postgresql://{user}:{pw}@{host}:5432/{name}"\n', ""),  # a host from settings: init sets it
        # jpcontreras/fastapi-clean-arch-scaffolding: its suite's own URL around `db`, "could not translate host name"
        ("tests/base_test.py", "URL = f\"postgresql+psycopg2://{os.getenv('U')}:{os.getenv('P')}@db:5432/x\"\n", "aliases: [db]"),
    ],
)
def test_the_stacks_database_answers_to_the_host_an_assembled_url_writes_out(tmp_path: Path, module, code, aliases):
    requirements = "fastapi\nsqlalchemy\n" + ("aiomysql\n" if "mysql" in code else "psycopg2-binary\n")
    files = {"requirements.txt": requirements, "main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n", module: code}
    compose = compose_text(read_repository(written(tmp_path, files)))
    assert (aliases in compose) if aliases else "aliases:" not in compose


def test_migrations_whose_alembic_ini_a_level_down_opens_localhost_are_run_at_the_stacks_database(tmp_path: Path):
    # ar-work-acc/demo_fastapi_sqlalchemy2: src/alembic.ini's URL at localhost, and no alembic.ini at the top; init
    # stopped on a defect of its own, reading the top's.
    files = {"requirements.txt": "fastapi\nasyncpg\nalembic\n", "src/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"}
    files |= {
        "src/alembic.ini": INI.format(url="postgresql+asyncpg://u:pw@localhost:5432/dev"),
        "src/migrations/env.py": GENERIC_ENV,
    }
    written(tmp_path, files | {"src/migrations/versions/1_first.py": "revision = '1'\n"})
    assert read_repository(tmp_path).database == "postgres"
