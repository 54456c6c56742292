"""fastapi_stackops/adopt/written_login.py: a database login the repository writes out, served as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import compose_text, env_texts
from fastapi_stackops.adopt.written_login import written_login
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
#: alembic's generic env.py: it connects with alembic.ini's URL as written.
ENV_PY = 'url = config.get_main_option("sqlalchemy.url")\ncontext.configure(url=url)\n'
INI = "[alembic]\nscript_location = migrations\nsqlalchemy.url = {url}\n"


@pytest.mark.parametrize(
    ("files", "found"),
    [
        # berkbacalan/fastapi-celery-ms: a settings module's constant; smanaton/fastapi-celery-postgresql: the engine's.
        ({"config/settings.py": 'DATABASE_URL = "postgresql://admin:admin@postgres:5432/books"\n'}, "admin admin books postgres"),
        ({"db.py": 'URL = "postgresql://postgres:example@postgresserver/db"\n'}, "postgres example db postgresserver"),
        ({"db.py": 'URL = "postgresql://u:p@pg-container:5432/shop?sslmode=disable"\n'}, "u p shop pg-container"),
        # dixon1e/fastapi-chat-app: its database's name a constant of the module, in an f-string; the stack's own login
        # served, and the app's import stopped on "password authentication failed for user postgres"
        ({"database.py": 'NAME = "talks"\nURL = f"postgresql://postgres:postgres@db/{NAME}"\n'}, "postgres postgres talks db"),
        # KaratayBerkay/fastapi-celery-redis, testdrivenio/fastapi-sqlmodel-alembic: alembic.ini, which env.py uses.
        (
            {"alembic.ini": INI.format(url="postgresql+asyncpg://u:p%40ss@db:5432/foo"), "migrations/env.py": ENV_PY},
            "u p@ss foo db",
        ),
        # pkyosx/fastapi-example: alembic.ini in the app's folder, run there (env -C); its host was never served, and
        # the migrations crash-looped the web on "could not translate host name".
        (
            {
                "pkg/alembic.ini": INI.format(url="postgresql://root:password@fastapi-db/db"),
                "pkg/migrations/env.py": ENV_PY,
                "pkg/migrations/versions/1_a.py": "revision = '1'\n",
            },
            "root password db fastapi-db",
        ),
        # Not served as written: an env.py that sets its own URL, a placeholder, localhost, another port, a default.
        ({"alembic.ini": INI.format(url="postgresql://u:p@db/foo"), "migrations/env.py": "import os\nos.environ['X']\n"}, None),
        ({"alembic.ini": INI.format(url="driver://user:pass@localhost/dbname"), "migrations/env.py": ENV_PY}, None),
        # LamequeFernandes/fastapi-async-api: its env.py takes the models' metadata from its settings, and its URL from
        # alembic.ini; that login's host was never served, and the migrations crash-looped the web at ci.
        (
            {
                "alembic.ini": INI.format(url="postgresql://u:p@pg_x/foo"),
                "migrations/env.py": ENV_PY + "m = settings.Base.metadata\n",
            },
            "u p foo pg_x",
        ),
        ({"alembic.ini": INI.format(url="postgresql://u:p@db/foo"), "migrations/env.py": ENV_PY + "u = settings.DB_URL\n"}, None),
        ({"alembic.ini": INI.format(url="postgresql://u:p@db/foo"), "migrations/env.py": ENV_PY + "u = settings.db.url\n"}, None),
        # drmacsika/fastapi-async-blog: old code kept in a string (a getenv there) is no code: env.py uses alembic.ini's URL.
        (
            {
                "alembic.ini": INI.format(url="postgresql://u:p@db/foo"),
                "migrations/env.py": ENV_PY + '"""\nos.getenv("X")\n"""\n',
            },
            "u p foo db",
        ),
        (
            {
                "alembic.ini": INI.format(url="postgresql://u:p@db/foo"),
                "migrations/env.py": ENV_PY + 'import os\nos.getenv("X")\n',
            },
            None,
        ),
        ({"db.py": 'URL = "postgresql://u:p@localhost:5432/db"\n'}, None),
        ({"db.py": 'URL = "postgresql://u:p@db:6543/db"\n'}, None),
        ({"db.py": 'import os\nURL = os.getenv("URL", "postgresql://u:p@db/x")\n'}, None),
        ({"db.py": 'URL = "mysql://u:p@db/x"\n'}, None),  # another kind of database
        ({"tests/conftest.py": 'URL = "postgresql://u:p@db/x"\n'}, None),  # a suite's own
        # Shubham100718/fastapi-event-management-app: the URL handed to the engine as it is made; the app crash-looped
        # on its host, which the stack's database did not answer to.
        (
            {"db.py": 'engine = create_async_engine(\n    "postgresql+asyncpg://admin:pw@pg:5432/events", echo=True\n)\n'},
            "admin pw events pg",
        ),
        ({"db.py": 'client = connect("postgresql://u:p@db/x")\n'}, None),  # no engine's: not this check's
        # KERELKO/strawberry-fastapi-product-service: a module the Python running init cannot parse (3.12's f-strings
        # reusing their quotes) is passed over; init stopped on a traceback.
        ({"config.py": "print(f'{'x':-^40}')\n", "db.py": 'URL = "postgresql://u:p@db/x"\n'}, "u p x db"),
        # rhoboro/draft-fastapi-todo-api (pytest 9's [tool.pytest]), pavelekshin/fastapi-restapi (pytest.ini): the URL
        # pytest-env gives the suite, whatever the stack's environment says; its tests failed to log in.
        (
            {"pyproject.toml": '[tool.pytest]\nenv = ["DB_URI=postgresql+asyncpg://postgres:pw@postgres:5432/test"]\n'},
            "postgres pw test postgres",
        ),
        ({"pyproject.toml": '[tool.pytest.ini_options]\nenv = ["D:R:DB=postgresql://u:p@pg/t", "X=1"]\n'}, "u p t pg"),
        (
            {"pytest.ini": "[pytest]\nenv =\n    DEBUG=1\n    DATABASE_URL=postgresql+asyncpg://app:app@app_testdb:5432/app\n"},
            "app app app app_testdb",
        ),
        ({"pytest.ini": "[pytest]\nenv =\n    DATABASE_URL=postgresql://u:p@localhost:5432/app\n"}, None),
        # rachmanzz/full-stack-fastapi-graphql: a settings class's default written out but for its host, which a variable
        # gives; the app's login failed on the password init made up for the stack's server.
        (
            {"core/config.py": 'h = os.getenv("DB_HOST")\nclass S(BaseSettings):\n    URI = f"postgresql://pg:pw@{h}/fastapi"\n'},
            "pg pw fastapi ",
        ),
        ({"db.py": 'URL = f"postgresql://pg:pw@{host}:{port}/x"\n'}, "pg pw x "),
        ({"db.py": 'URL = f"postgresql://{user}:pw@{host}/x"\n'}, None),  # read parts: the settings' (url_parts)
        ({"db.py": 'URL = f"postgresql://u:p@{host}/{name}"\n'}, None),
        # Paselan91/fastapi-graphql: a literal's .format() with a literal dict; its host was never served.
        (
            {"db.py": 'URL = "postgresql://{u}:{p}@{h}/{d}".format(**{"u": "a", "p": "b", "h": "db", "d": "x"})\n'},
            "a b x db",
        ),
        # the-peach-drone/fastapi-flight-record-server: strings joined with +, the login's parts read and the database's
        # name written out; the stack made only its own database, and the app was let into none other.
        (
            {"db.py": 'URL = "postgresql://" + s.U + ":" + s.P + "@" + s.H + ":" + s.PORT + "/flights"\n'},
            "app  flights ",
        ),
        ({"db.py": 'URL = f"postgresql://{s.U}:{s.P}@{s.H}/flights"\n'}, "app  flights "),
        ({"db.py": 'URL = "mysql://" + s.U + ":" + s.P + "@" + s.H + "/flights"\n'}, None),  # another kind's
        ({"db.py": 'URL = "postgresql://{u}:p@db/x".format(u=user)\n'}, None),
        ({"db.py": 'URL = "postgresql://{}:p@db/x".format()\n'}, None),
    ],
)
def test_a_login_the_repository_writes_out_is_found(tmp_path: Path, files, found):
    login, _ = written_login(written(tmp_path, files), "postgres")
    assert (login and f"{login.user} {login.password} {login.database} {login.host}") == found


def test_the_stacks_database_serves_the_written_login_under_the_name_it_writes(tmp_path: Path):
    files = {"requirements.txt": "fastapi\npsycopg2-binary\n", "main.py": APP}
    files["config/settings.py"] = 'DATABASE_URL = "postgresql://admin:s3cret@postgresserver:5432/books"\n'
    repo = read_repository(written(tmp_path, files))
    compose = compose_text(repo)
    assert "POSTGRES_USER: admin" in compose and "POSTGRES_DB: books" in compose and "-U admin -d books" in compose
    assert "aliases: [postgresserver]" in compose
    env = env_texts(repo, "env", False, {})
    assert (
        "POSTGRES_PASSWORD=s3cret\n" in env["env/ci.env.docker"]
        and "POSTGRES_PASSWORD=s3cret\n" in env["env/dev.local.env.docker"]
    )
    plain = read_repository(written(tmp_path / "plain", {"requirements.txt": "fastapi\npsycopg2-binary\n", "main.py": APP}))
    assert "POSTGRES_USER: app" in compose_text(plain) and "aliases" not in compose_text(plain)


def test_mysqls_root_written_out_at_a_host_by_name_is_the_servers_root(tmp_path: Path):
    """raphaelgibson/fastapi-crud logs in as root at mysql-container: passed over, the app's import failed on that host."""
    files = {"requirements.txt": "fastapi\npymysql\n", "main.py": APP}
    files["db.py"] = "URL = 'mysql+pymysql://root:my-password@mysql-container:3306/fastapi_crud?charset=utf8mb4'\n"
    compose = compose_text(read_repository(written(tmp_path, files)))
    assert "MARIADB_ROOT_PASSWORD: ${MARIADB_PASSWORD}" in compose and "MARIADB_DATABASE: fastapi_crud" in compose
    assert "aliases: [mysql-container]" in compose and "MARIADB_USER" not in compose
