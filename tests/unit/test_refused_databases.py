"""fastapi_stackops/adopt/refused_databases.py: the databases init refuses in one line before any build."""

from __future__ import annotations

import pytest

from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.reading import read_repository
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def refusal(root) -> str:
    """What reading the repository refuses with, in one line ("" when it is read)."""
    try:
        read_repository(root)
    except NotAFastAPIRepository as said:
        assert "\n" not in str(said)
        return str(said)
    return ""


@pytest.mark.parametrize(
    ("requirements", "default", "refused"),
    [
        # capicruz28/base_multi_tenant_fastapi: its import failed after 49 s, on aioodbc's missing ODBC library
        ("fastapi\npyodbc\naioodbc\n", "ODBC Driver 17 for SQL Server", "database is SQL Server (DB_DRIVER="),
        ("fastapi\noracledb\n", "oracle+oracledb://u:p@db:1521/x", "database is Oracle (DB_DRIVER="),
        ("fastapi\npyodbc\nasyncpg\n", "ODBC Driver 17 for SQL Server", ""),  # PostgreSQL is its database; ODBC a side
        ("fastapi\npyodbc\n", "a report server's DSN", ""),  # nothing says its database is SQL Server
        # f4rk4sh/fastapi_project: no default names it, a required setting's variable does; its import failed after 42 s
        ("fastapi\npyodbc\n", None, "database is SQL Server (MSSQL_SA_PASSWORD, the pyodbc dependency)"),
        # sajanv88/full_stack_fastapi_react_template: pymongo at localhost:27017 crash-looped its web in ci after 107 s
        ("fastapi\npymongo\n", "mongodb://localhost:27017", "database is MongoDB (DB_DRIVER='mongodb://localhost:27017'"),
        # Humbulan/fastapi-mobile-app: a default with its login written in; the refusal said its password
        (
            "fastapi\npymongo\n",
            "mongodb+srv://me:s3cret@c.example.net/",
            "MongoDB (DB_DRIVER='mongodb+srv://me:***@c.example.net/'",
        ),
    ],
)
def test_an_app_whose_database_no_image_here_runs_is_refused_in_one_line(tmp_path, requirements, default, refused):
    config = f"from pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    DB_DRIVER: str = {default!r}\n"
    if default is None:
        config = "from pydantic import BaseSettings, Field\n\nclass S(BaseSettings):\n"
        config += "    DB_HOST: str\n    DB_PASSWORD: str = Field(..., env='MSSQL_SA_PASSWORD')\n"
    root = written(tmp_path, {"requirements.txt": requirements, "main.py": APP, "config.py": config})
    said = refusal(root)
    assert (refused in said) if refused else not said, said


@pytest.mark.parametrize(
    ("code", "refused"),
    [
        # abhishek-goswamii/fastapi-expense-tracker: `dotenv_values(".env")["MONGO_URI"]`; the build ran, and the
        # import failed on the .env a fresh clone lacks. The key of that file is a variable the app reads.
        (
            'import pymongo\nfrom dotenv import dotenv_values\n\nclient = pymongo.MongoClient(dotenv_values(".env")["MONGO_URI"])\n',
            "database is MongoDB (MONGO_URI, the pymongo dependency)",
        ),
        (
            "import pymongo\n\nclient = pymongo.MongoClient(URI)\n",
            "database is MongoDB (its code imports pymongo, the pymongo dependency)",
        ),
        ("import json\n", ""),  # declared, never imported: no database it needs
        # bupemulenga13/todo-fastapi-server: SQLAlchemy's URL to SQL Server in an f-string; pyodbc failed to compile
        (
            'password = "x"\nURL = f"mssql+pyodbc://sa:{password}@localhost:1433/db?driver=ODBC+Driver+17"\n',
            "database is SQL Server (a URL at db.py line 2, the pyodbc dependency)",
        ),
        ('DOCS = "see https://learn.microsoft.com/sql/mssql"\n', ""),  # a web page's URL names no database
        # edukshare-max/fastapi-backend: Azure Cosmos DB's URL and key read at import; its made-up key failed to
        # decode ("Incorrect padding") 18 s into a build
        (
            'import os\nfrom azure.cosmos import CosmosClient\n\nclient = CosmosClient(os.environ["COSMOS_URL"], os.environ["COSMOS_KEY"])\n',
            "database is Azure Cosmos DB (COSMOS_URL, the azure-cosmos dependency)",
        ),
    ],
)
def test_an_app_whose_code_imports_a_driver_no_image_here_runs_is_refused_in_one_line(tmp_path, code, refused):
    requirements = "fastapi\npymongo\npyodbc\npython-dotenv\nazure-cosmos\n"
    root = written(tmp_path, {"requirements.txt": requirements, "main.py": APP, "db.py": code})
    said = refusal(root)
    assert (refused in said) if refused else not said, said


MOTOR = "from motor import motor_asyncio\n\nclient = motor_asyncio.AsyncIOMotorClient(settings.MONGO_DATABASE_URI)\n"


@pytest.mark.parametrize(
    ("field", "code", "refused"),
    [
        # tofaramususa/fastapi-production-api: psycopg2-binary declared and never used, motor imported, and
        # MONGO_DATABASE_URI required; init ran PostgreSQL, and the import failed on its URL after a build.
        ("MONGO_DATABASE_URI: str", MOTOR, "database is MongoDB (MONGO_DATABASE_URI, the motor dependency)"),
        ("MONGO_DATABASE_URI: str = 'mongodb://db'", MOTOR, ""),  # a default: the app may start on PostgreSQL
        ("MONGO_DATABASE_URI: str", "import json\n", ""),  # the driver never imported
        # CHOJUNGHO96/fastapi-chat-project, theandrunique/fastapi-chat: PostgreSQL through SQLAlchemy, and MongoDB
        # beside it, which its client reaches lazily: green with a made-up URL, never refused.
        ("MONGO_DATABASE_URI: str", MOTOR + "import sqlalchemy\n", ""),
        # raya-mansouri/BookStore-FastAPI-DDD: beside SQLAlchemy, MongoDB at localhost written in an f-string, reached
        # at startup; its web crash-looped in ci on "localhost:27017: Connection refused". Nothing serves it, lazily or not.
        (
            "MONGO_USER: str = 'u'",
            "from motor import motor_asyncio\nimport sqlalchemy\n\nc = motor_asyncio.AsyncIOMotorClient("
            "f'mongodb://{settings.MONGO_USER}:pw@localhost:27017/')\n",
            "database is MongoDB (a URL at localhost, db.py line 4, the motor dependency)",
        ),
    ],
)
def test_a_mongodb_the_app_cannot_start_without_is_refused_beside_a_driver_init_runs(tmp_path, field, code, refused):
    config = f"from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    {field}\n"
    files = {"requirements.txt": "fastapi\npsycopg2-binary\nmotor\n", "main.py": APP, "config.py": config, "db.py": code}
    said = refusal(written(tmp_path, files))
    assert (refused in said) if refused else not said, said


@pytest.mark.parametrize(
    ("requirements", "read", "refused"),
    [
        # Levurmion/FastAPI-ToDo: its own image installed psycopg2-binary, which requirements.txt lacks; init made up a
        # URL, and the app's import failed 14 s into a build.
        ("fastapi\nsqlalchemy\n", 'os.environ["POSTGRES_URL"]', "needs POSTGRES_URL, a PostgreSQL URL, and none of"),
        ("fastapi\nsqlalchemy\n", 'os.environ["MYSQL_DATABASE_URL"]', "needs MYSQL_DATABASE_URL, a MySQL URL"),
        ("fastapi\nsqlalchemy\npsycopg2-binary\n", 'os.environ["POSTGRES_URL"]', ""),
        ("fastapi\ndatabases[postgresql]\n", 'os.environ["PG_DSN"]', ""),  # the extra installs asyncpg
        ("fastapi\nsqlalchemy\naiosqlite\n", 'os.environ["POSTGRES_URL"]', ""),  # SQLite, whatever its name
        ("fastapi\nsqlalchemy\n", 'os.getenv("POSTGRES_URL", "sqlite:///app.db")', ""),  # a default: SQLite
        ("fastapi\nsqlalchemy\n", 'os.environ["DATABASE_URL"]', ""),  # no server named
    ],
)
def test_a_server_the_app_names_with_no_driver_for_it_is_refused_in_one_line(tmp_path, requirements, read, refused):
    database = f"import os\nfrom sqlalchemy import create_engine\n\nengine = create_engine({read})\n"
    root = written(tmp_path, {"requirements.txt": requirements, "main.py": APP, "database.py": database})
    said = refusal(root)
    assert (refused in said) if refused else not said, said


@pytest.mark.parametrize(
    ("requirements", "refused"),
    [
        # virajssolanki/fastapi-tortoise-boilerplate: `database_url: PostgresDsn` required, aiosqlite and no PostgreSQL
        # driver; init ran SQLite, and the import refused its sqlite:// URL after a build.
        ("fastapi\ntortoise-orm\naiosqlite\n", "needs DATABASE_URL, a PostgreSQL URL, and none of its dependencies"),
        ("fastapi\ntortoise-orm[asyncpg]\naiosqlite\n", ""),  # the driver is there: PostgreSQL runs
    ],
)
def test_a_required_url_typed_for_a_server_with_no_driver_for_it_is_refused_beside_sqlite(tmp_path, requirements, refused):
    config = "from pydantic import PostgresDsn\nfrom pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n"
    config += "    database_url: PostgresDsn\n"
    said = refusal(written(tmp_path, {"requirements.txt": requirements, "main.py": APP, "config.py": config}))
    assert (refused in said) if refused else not said, said
