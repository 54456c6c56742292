"""fastapi_stackops/adopt/url_parts.py: a database URL the code assembles in an f-string names its parts by place."""

from __future__ import annotations

import pytest

from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import compose_text
from fastapi_stackops.adopt.url_parts import placed_parts
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
#: slev-v/fastapi-user's shape: a reader of its own, given a constant that names the variable.
AFTER_SCHEME_CODE = (
    "import os\n\nDB_URI_ENV = 'DB_URI'\n\ndef get_str_env(key):\n    value = os.getenv(key)\n    if not value:\n"
    "        raise ValueError(key)\n    return value\n\ndef load():\n"
    "    return f'postgresql+asyncpg://{get_str_env(DB_URI_ENV)}', f'postgresql://{get_str_env(DB_URI_ENV)}'\n"
)
#: RomiconEZ/FastApi-Pytest-project's shape: a settings class whose URL property joins a server and a name.
SERVER_AND_NAME_CODE = (
    "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    db_host: str\n    db_name: str\n\n"
    "    @property\n    def database_url(self) -> str:\n        return f'{self.db_host}/{self.db_name}'\n\nsettings = Settings()\n"
)
#: JSEB99/fastapi-notes's shape: bare names, read at module level, SQLite when any is unset.
BARE_PARTS = (
    "import os\n\nuser = os.getenv('USER')\npassword = os.getenv('PASSWORD')\nserver = os.getenv('SERVER')\n"
    "port = os.getenv('PORT')\ndatabase = os.getenv('DATABASE')\n"
    "if not all([user, password, server, port, database]):\n    URL = 'sqlite:///./blog.db'\nelse:\n"
    "    URL = f'postgresql+psycopg://{user}:{password}@{server}:{port}/{database}'\n"
)


@pytest.mark.parametrize(
    ("code", "placed"),
    [
        (BARE_PARTS, {"USER": "user", "PASSWORD": "password", "SERVER": "host", "PORT": "port", "DATABASE": "name"}),
        # xdadaya/fastapi-videoplatform: the scheme in two fields joined by a +; DBMS got a made-up string and DB_DRIVER
        # the whole scheme, and SQLAlchemy could not parse the URL
        (
            "import os\n\nURL = f\"{os.getenv('DBMS')}+{os.getenv('DB_DRIVER')}://{os.getenv('U')}:{os.getenv('P')}@{os.getenv('H')}:"
            "{os.getenv('PORT')}/{os.getenv('N')}\"\n",
            {"DBMS": "kind", "DB_DRIVER": "module", "U": "user", "P": "password", "H": "host", "PORT": "port", "N": "name"},
        ),
        # no port: the four others by place
        (
            "import os\n\nURL = f\"mysql+aiomysql://{os.environ['WHO']}:{os.getenv('SECRET')}@{os.getenv('BOX')}/{os.getenv('STORE')}\"\n",
            {"WHO": "user", "SECRET": "password", "BOX": "host", "STORE": "name"},
        ),
        # a settings object's fields, as a property of the class writes them
        (
            "class S:\n    @property\n    def url(self):\n        return f'postgresql://{self.login}:{self.secret}@{self.box}:{self.port}/{self.store}'\n",
            {"login": "user", "secret": "password", "box": "host", "port": "port", "store": "name"},
        ),
        # wingorithm/fastapi-microservice-template: the scheme a field too, a database's by its name
        (
            "from app.config import settings\n\nURL = f'{settings.DB_POSTGRES_SCHEMA}://{settings.DB_POSTGRES_USERNAME}:"
            "{settings.DB_POSTGRES_PASSWORD}@{settings.DB_POSTGRES_HOST}:{settings.DB_POSTGRES_PORT}/{settings.DB_POSTGRES_NAME}'\n",
            {
                "DB_POSTGRES_SCHEMA": "driver",
                "DB_POSTGRES_USERNAME": "user",
                "DB_POSTGRES_PASSWORD": "password",
                "DB_POSTGRES_HOST": "host",
                "DB_POSTGRES_PORT": "port",
                "DB_POSTGRES_NAME": "name",
            },
        ),
        # junhyeong9812/fastapi-web: a query's field after the login's (`?charset={self.MARIADB_CHARSET}`); init stopped
        # with "zip() argument 2 is shorter than argument 1"
        (
            "class S:\n    @property\n    def url(self):\n        return f'mysql+aiomysql://{self.U}:{self.P}@{self.H}:{self.PORT}/{self.D}?charset={self.C}'\n",
            {"U": "user", "P": "password", "H": "host", "PORT": "port", "D": "name"},
        ),
        # common-47-git/fastapi-web-library: the driver's module a field of its own after the scheme's +
        (
            "class S:\n    @property\n    def url(self):\n        return f'postgresql+{self.DRIVER}://{self.U}:{self.P}@{self.H}/{self.D}'\n",
            {"DRIVER": "module", "U": "user", "P": "password", "H": "host", "D": "name"},
        ),
        # a broker's URL of the same shape is no database's
        (
            "from app.config import settings\n\nURL = f'{settings.BROKER_PROTOCOL}://{settings.U}:{settings.P}@{settings.H}:{settings.PORT}/{settings.VHOST}'\n",
            {},
        ),
        # a Redis URL's parts are Redis's, no database's (redis_by_place); an f-string with its host alone placed is none
        ("import os\n\nR = f\"redis://{os.getenv('RHOST')}:6379/0\"\n", {"RHOST": "redis host"}),
        ("import os\n\nU = f\"postgresql://app:app@{os.getenv('BOX')}/app\"\n", {}),
        # BojanaDrobnjak/mdpi-fastapi-api: yarl's URL.build, the database's name in `path`; init took `base` for a
        # secret, and asyncpg found no database of that made-up name
        (
            "class D:\n    @property\n    def url(self):\n        return URL.build(scheme='postgresql+asyncpg', host=self.host, "
            "port=self.port, user=self.user, password=self.password, path=f'/{self.base}')\n",
            {"host": "host", "port": "port", "user": "user", "password": "password", "base": "name"},
        ),
        (
            "import os\n\nU = URL.create(drivername='mysql+pymysql', username=os.getenv('WHO'), database=os.getenv('STORE'))\n",
            {"WHO": "user", "STORE": "name"},
        ),
        ("U = URL.build(scheme='https', host=settings.api_host, path=f'/{settings.base}')\n", {}),  # no database's
        # victorouttes/fastapi-api: an object's private attributes bound to the reads, then the URL of those
        (
            "import os\n\nclass H:\n    def __init__(self):\n        self.__host = os.environ.get('PG_HOST')\n"
            "        self.__db = os.environ.get('PG_DB')\n        self.url = f'postgresql://u:p@{self.__host}:5432/{self.__db}'\n",
            {},
        ),
        (
            "import os\n\nclass H:\n    def __init__(self):\n        self.__host = os.environ.get('PG_HOST')\n"
            "        self.__who = os.environ.get('PG_USER')\n        self.__pw = os.environ.get('PG_PW')\n"
            "        self.__db = os.environ.get('PG_DB')\n"
            "        self.url = f'postgresql://{self.__who}:{self.__pw}@{self.__host}/{self.__db}'\n",
            {"PG_USER": "user", "PG_PW": "password", "PG_HOST": "host", "PG_DB": "name"},
        ),
        # syengo254/fastapi-graphql: the engine opens a parameter whose default is the read (DB_CONFIG); unknown,
        # the variable was never given and create_async_engine(None) stopped the import
        (
            "import os\n\nDB_CONFIG = os.getenv('DB_CONFIG')\n\nclass S:\n    def __init__(self, url: str = DB_CONFIG):\n"
            "        self.engine = create_async_engine(url)\n",
            {"DB_CONFIG": "url"},
        ),
        ("import os\n\ndef open_it(*, url=os.environ['PLACE']):\n    return create_engine(url)\n", {"PLACE": "url"}),
        # KirvanRdz/fastapi-rest: a module's name for the settings' attribute, handed to the engine; unknown, the URL
        # got a made-up secret and the import stopped at SQLAlchemy's parse
        (
            "from app.core.config import settings\n\nDATABASE_URL = settings.DATABASE_URL\n\nengine = create_engine(DATABASE_URL)\n",
            {"DATABASE_URL": "url"},
        ),
        # rafawildfire42/python-fastapi-user-management: the port written out; POSTGRES_PW was made up as a secret
        (
            "from decouple import config\n\nu = config('PG_U')\np = config('PG_PW')\nh = config('PG_H')\nd = config('PG_D')\n"
            "URL = f'postgresql://{u}:{p}@{h}:5432/{d}'\n",
            {"PG_U": "user", "PG_PW": "password", "PG_H": "host", "PG_D": "name"},
        ),
        # slev-v/fastapi-user: the scheme written out, the rest read through a reader of the module's own, its
        # variable's name a constant; DB_URI got a whole URL, and the login was the scheme ("postgresql+asyncpg").
        (AFTER_SCHEME_CODE, {"DB_URI": "address"}),
        ("import os\n\nURL = f\"{os.getenv('SCHEME')}://{os.getenv('REST')}\"\n", {}),
        # RomiconEZ/FastApi-Pytest-project: a URL-named property joins all but the name (db_host) and the name.
        (SERVER_AND_NAME_CODE, {"db_host": "server", "db_name": "name"}),
        # zivenyang/nextjs-fastapi-monorepo-template: a route's URL of the same shape; the API's prefix got the
        # database's server, and FastAPI refused it at import ("A path prefix must start with '/'")
        (
            "class Settings(BaseSettings):\n    API_V1_STR: str = '/api/v1'\n    AUTH_TOKEN_URL: str = 'auth/login'\n\n"
            "    @property\n    def FULL_AUTH_TOKEN_URL(self) -> str:\n        return f'{self.API_V1_STR}/{self.AUTH_TOKEN_URL}'\n",
            {},
        ),
        ("class S:\n    def log_path(self):\n        return f'{self.folder}/{self.file}'\n", {}),
        ("import os\n\nPATH = f\"{os.getenv('FOLDER')}/{os.getenv('FILE')}\"\n", {}),
        ("import os\n\nDB_URL = f\"{os.getenv('SERVER')}/{os.getenv('NAME')}\"\n", {"SERVER": "server", "NAME": "name"}),
    ],
)
def test_each_part_of_a_url_the_code_assembles_is_known_by_its_place(tmp_path, code, placed):
    assert placed_parts(written(tmp_path, {"db.py": code})) == placed


@pytest.mark.parametrize(
    ("imported", "placed"),
    [
        # hhkhoa96/fastapi_todos: settings.py binds db_table to os.getenv("DB_TABLE"), database.py imports it and puts
        # it where the database's name goes; init left it unset, and the web crash-looped on database "None"
        ("from settings import db_host, db_table", {"DB_HOST": "host", "DB_TABLE": "name"}),
        ("from config.settings import db_host, db_table as name", {"DB_HOST": "host", "DB_TABLE": "name"}),
        ("from elsewhere import db_host, db_table", {}),  # not the repository's module: nothing known of it
    ],
)
def test_names_imported_from_a_module_that_binds_them_to_reads_are_known_by_their_place(tmp_path, imported, placed):
    settings = "import os\n\ndb_host = os.getenv('DB_HOST')\ndb_table = os.getenv('DB_TABLE')\n"
    name = "name" if " as name" in imported else "db_table"
    db = f"{imported}\n\nURL = f'postgresql://{{user}}:{{password}}@{{db_host}}:5432/{{{name}}}'\n"
    files = {"settings.py": settings, "config/__init__.py": "", "config/settings.py": settings, "database.py": db}
    assert placed_parts(written(tmp_path, files)) == placed


def test_parts_known_by_their_place_are_given_the_stacks_database(tmp_path):
    """JSEB99/fastapi-notes: with none of USER, PASSWORD, SERVER, PORT and DATABASE given, the app fell back to an
    SQLite file under its read-only code, and init refused it ("unable to open database file")."""
    files = {"requirements.txt": "fastapi\nsqlalchemy\npsycopg[binary]\n", "main.py": APP, "db.py": BARE_PARTS}
    compose = compose_text(read_repository(written(tmp_path, files)))
    for variable, value in (("SERVER", "postgres"), ("PORT", "5432"), ("DATABASE", "app")):
        assert f"{variable}: ${{{variable}-{value}}}" in compose, compose
    # USER is handed to Compose from the host (the tasks pass it through): the host's would be the login, root here.
    assert "      USER: app\n" in compose, compose
    assert "PASSWORD: ${POSTGRES_PASSWORD" in compose or "PASSWORD: ${PASSWORD" in compose, compose


def test_parts_imported_from_the_module_that_reads_them_are_known_by_their_place(tmp_path):
    """afshario/fastapi-feedback-system: db.py assembles its URL of USER, PASS, SERVER, PORT and DB, imported from
    config.py, which reads them; init made up a secret for each, and the import failed on a host of that name."""
    config = "".join(f"{name} = os.getenv('{name}')\n" for name in ("USER", "PASS", "SERVER", "PORT", "DB"))
    db = "from config import USER, PASS, SERVER, PORT, DB\n\nURL = f'mysql+pymysql://{USER}:{PASS}@{SERVER}:{PORT}/{DB}'\n"
    placed = placed_parts(written(tmp_path, {"config.py": f"import os\n\n{config}", "db.py": db}))
    assert placed == {"USER": "user", "PASS": "password", "SERVER": "host", "PORT": "port", "DB": "name"}
    files = {"requirements.txt": "fastapi\nsqlalchemy\npymysql\n", "main.py": f"import db\n{APP}"}
    compose = compose_text(read_repository(written(tmp_path, files)))
    assert "SERVER: ${SERVER-mariadb}" in compose and "DB: ${DB-app}" in compose, compose


def test_a_nested_groups_parts_by_place_are_its_fields_not_the_apps_own_host(tmp_path):
    """BojanaDrobnjak/mdpi-fastapi-api: `db: DatabaseSettings`, whose URL.build puts `self.base` in the path; init made
    MDPI_API_DB__BASE up as a secret (no such database), and matched `self.host` to the app's own bind host too."""
    settings = (
        "from pydantic import BaseModel\nfrom pydantic_settings import BaseSettings, SettingsConfigDict\nfrom yarl import URL\n\n"
        "class DatabaseSettings(BaseModel):\n    host: str\n    port: int\n    user: str\n    password: str\n    base: str\n\n"
        "    @property\n    def url(self):\n        return URL.build(scheme='postgresql+asyncpg', host=self.host, port=self.port, "
        "user=self.user, password=self.password, path=f'/{self.base}')\n\n"
        "class Settings(BaseSettings):\n    host: str = '127.0.0.1'\n    port: int = 8000\n    db: DatabaseSettings\n"
        "    model_config = SettingsConfigDict(env_prefix='SVC_', env_nested_delimiter='__')\n\nsettings = Settings()\n"
    )
    files = {"requirements.txt": "fastapi\npydantic-settings\nasyncpg\nyarl\n", "main.py": APP, "settings.py": settings}
    compose = compose_text(read_repository(written(tmp_path, files)))
    assert "SVC_DB__BASE: ${SVC_DB__BASE-app}" in compose and "SVC_DB__HOST: ${SVC_DB__HOST-postgres}" in compose, compose
    assert "SVC_HOST:" not in compose, compose


@pytest.mark.parametrize(
    ("code", "given"),
    [
        # shivanisimformdev/fastapi-task-management: `create_engine(os.environ["URL_DATABASE"])`, a name no pattern
        # knows: init made it up as a secret, and SQLAlchemy could not parse it
        (
            "import os\nfrom sqlalchemy import create_engine\n\nURL_DATABASE = os.environ['URL_DATABASE']\nengine = create_engine(URL_DATABASE)\n",
            "URL_DATABASE",
        ),
        ("import os\nfrom sqlalchemy import create_engine\n\nengine = create_engine(os.getenv('STORE'))\n", "STORE"),
        # quick-sort/fastapi-simple-template: a pydantic URL handed as text, `create_async_engine(str(...))`
        ("import os\nfrom sqlalchemy import create_engine\n\nengine = create_engine(str(os.getenv('STORE')))\n", "STORE"),
        # nekoduykod/fastapi-webapp: fastapi-sqlalchemy's middleware takes `db_url=SQLITE_URL`, imported from its config
        # module, which reads it with environs; init made it up as a secret ("Could not parse SQLAlchemy URL")
        (
            "from environs import Env\n\nenv = Env()\nSQLITE_URL = env('SQLITE_URL')\n\n"
            "def setup(app):\n    app.add_middleware(DBSessionMiddleware, db_url=SQLITE_URL)\n",
            "SQLITE_URL",
        ),
    ],
)
def test_what_the_code_hands_the_engine_is_the_databases_url_whatever_its_name(tmp_path, code, given):
    files = {"requirements.txt": "fastapi\nsqlalchemy\npsycopg2-binary\n", "main.py": APP, "db.py": code}
    compose = compose_text(read_repository(written(tmp_path, files)))
    assert f"{given}: ${{{given}-postgresql://app:" in compose, compose


#: zergcore/fastapi-movies-api's shape: a variable named for a URL holding the file's path, joined to the code's folder.
JOINED_FILE = (
    "import os\nfrom sqlalchemy import create_engine\n\nSQLALCHEMY_DATABASE_URL = os.getenv('SQLALCHEMY_DATABASE_URL')\n"
    "base_dir = os.path.dirname(os.path.realpath(__file__))\n"
    "engine = create_engine(f'sqlite:///{os.path.join(base_dir, SQLALCHEMY_DATABASE_URL)}', "
    "connect_args={'check_same_thread': False})\n"
)


@pytest.mark.parametrize(
    ("code", "placed"),
    [
        (JOINED_FILE, {"SQLALCHEMY_DATABASE_URL": "file"}),
        ("import os\n\nURL = f\"sqlite:///{os.getenv('DB_FILE')}\"\n", {"DB_FILE": "file"}),
        ("import os\nfrom pathlib import Path\n\nURL = f\"sqlite:///{Path('.') / os.getenv('DB_FILE')}\"\n", {"DB_FILE": "file"}),
    ],
)
def test_the_file_an_sqlite_url_the_code_assembles_names_is_known_by_its_place(tmp_path, code, placed):
    assert placed_parts(written(tmp_path, {"db.py": code})) == placed


def test_an_sqlite_file_known_by_its_place_is_on_the_volume_whatever_its_name(tmp_path):
    """zergcore/fastapi-movies-api: init gave SQLALCHEMY_DATABASE_URL a whole URL, which the code joined to its folder
    as a file name, and the app could not open it ("unable to open database file")."""
    files = {"requirements.txt": "fastapi\nsqlalchemy\n", "main.py": APP, "db.py": JOINED_FILE}
    compose = compose_text(read_repository(written(tmp_path, files)))
    assert "SQLALCHEMY_DATABASE_URL: ${SQLALCHEMY_DATABASE_URL-/var/lib/app/app.db}" in compose, compose


@pytest.mark.parametrize(
    ("code", "given"),
    [
        (AFTER_SCHEME_CODE, "DB_URI: ${DB_URI-app:${POSTGRES_PASSWORD}@postgres:5432/app}"),
        (SERVER_AND_NAME_CODE, "DB_HOST: ${DB_HOST-postgresql+asyncpg://app:${POSTGRES_PASSWORD}@postgres:5432}"),
        (SERVER_AND_NAME_CODE, "DB_NAME: ${DB_NAME-app}"),
    ],
)
def test_a_url_piece_the_code_writes_the_rest_around_gets_that_piece_of_the_stacks_database(tmp_path, code, given):
    """slev-v/fastapi-user crash-looped on a login named after the scheme, and RomiconEZ/FastApi-Pytest-project on
    "Could not parse SQLAlchemy URL from string 'postgres/app'": each variable got another piece than the code wanted."""
    files = {"requirements.txt": "fastapi\nsqlalchemy\nasyncpg\npydantic-settings\n", "main.py": APP, "config.py": code}
    assert given in compose_text(read_repository(written(tmp_path, files)))


def test_a_url_built_of_keywords_around_reads_by_keyword_and_a_host_by_name_is_the_stacks(tmp_path):
    """ambarjobs/fastapi_template: `getenv(key="APP_DATABASE", default="")` and the like, handed to SQLAlchemy's URL
    by keyword (the password through `.get_secret_value()`) at host="postgresql-db", its own Compose service; init read
    none of them, and the app stopped at import on its own "Missing database credentials."."""
    config = 'from os import getenv\nfrom pydantic import SecretStr\n\nAPP_DATABASE = getenv(key="APP_DATABASE", default="")\n'
    config += 'APP_USER = getenv(key="APP_USER", default="")\nAPP_PASSWORD = SecretStr(getenv(key="APP_PASSWORD", default=""))\n'
    database = "from sqlalchemy import URL\nimport config as cfg\n\nurl = URL.create(drivername='postgresql+psycopg2', "
    database += (
        "username=cfg.APP_USER, password=cfg.APP_PASSWORD.get_secret_value(), host='postgresql-db', database=cfg.APP_DATABASE)\n"
    )
    files = {"requirements.txt": "fastapi\nsqlalchemy\npsycopg2-binary\n", "main.py": APP, "config.py": config, "db.py": database}
    compose = compose_text(read_repository(written(tmp_path, files)))
    for variable, value in (("APP_DATABASE", "app"), ("APP_USER", "app"), ("APP_PASSWORD", "${POSTGRES_PASSWORD}")):
        assert f"{variable}: ${{{variable}-{value}}}" in compose, compose
    assert "aliases: [postgresql-db]" in compose
