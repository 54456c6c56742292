"""fastapi_stackops/adopt/config_variables.py: the `${NAME}`s of a config file the code fills in from its environment."""

from __future__ import annotations

import pytest

from fastapi_stackops.adopt.app_environment import app_environment
from fastapi_stackops.adopt.config_variables import config_placed_parts, config_variables
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import compose_text
from tests.unit.shapes import APP
from tests.utils import committed, written

#: Sousa-jp/robust-fastapi-api's shape: settings/base.yaml holds `${NAME}`s, which a loader of its own fills in from the
#: environment with a pattern; init set none, and the import stopped at int('') of the unset port.
LOADER = 'import os, re\n\nPATTERN = re.compile(r"\\$\\{([^}]+)\\}")\n\ndef fill(text):\n    return PATTERN.sub(lambda m: os.environ.get(m[1], ""), text)\n'
YAML = (
    'app:\n  debug: "${DEBUG:-false}"\n  zone: ${ZONE-UTC}\n'
    'database:\n  url: "postgresql+asyncpg://${PG_USER}:${PG_PASSWORD}@${PG_HOST}:${PG_PORT}/${PG_DB}?sslmode=${PG_SSL:-disable}"\n'
)

DI_CONTAINER = "from dependency_injector import providers\n\nconfig = providers.Configuration(yaml_files=['config.yml'])\n"


@pytest.mark.parametrize(
    ("files", "fields"),
    [
        (
            {"config/loader.py": LOADER, "settings/base.yaml": YAML},
            {
                "DEBUG": "false",
                "ZONE": "UTC",
                "PG_USER": None,
                "PG_PASSWORD": None,
                "PG_HOST": None,
                "PG_PORT": None,
                "PG_DB": None,
                "PG_SSL": "disable",
            },
        ),
        (
            {"config/loader.py": "import os\n\nTEXT = os.path.expandvars(open('c.yml').read())\n", "c.yml": "k: ${KEY}\n"},
            {"KEY": None},
        ),
        ({"config/loader.py": "import yaml\n", "settings/base.yaml": YAML}, {}),  # nothing fills them in: a literal text
        # schuna/fastapi-graphql's shape: dependency_injector's `${NAME:default}`; unread, the URL stayed at SQLite in a
        # folder the app could not write, while the stack ran MariaDB for its pymysql.
        (
            {"api/container.py": DI_CONTAINER, "config.yml": 'db:\n  url: ${DATABASE_URL:"sqlite:///./database.db"}\n'},
            {"DATABASE_URL": "sqlite:///./database.db"},
        ),
    ],
)
def test_the_names_a_config_file_leaves_to_the_environment_are_settings_when_the_code_fills_them(tmp_path, files, fields):
    found = config_variables(written(tmp_path, files))
    assert {f.name: f.default for s in found for f in s.fields} == fields


def test_a_database_url_in_a_config_file_places_its_names_and_the_stack_gives_them(tmp_path):
    files = {
        "config/loader.py": LOADER,
        "settings/base.yaml": YAML,
        "main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
    }
    root = written(tmp_path, files | {"requirements.txt": "fastapi\nasyncpg\npyyaml\n"})
    assert config_placed_parts(root) == {
        "PG_USER": "user",
        "PG_PASSWORD": "password",
        "PG_HOST": "host",
        "PG_PORT": "port",
        "PG_DB": "name",
    }
    compose = compose_text(read_repository(root))
    assert "PG_HOST: ${PG_HOST-postgres}" in compose and "PG_PORT: ${PG_PORT-5432}" in compose, compose


#: xiaohejun/fastapi-celery's shape: dependency_injector's Configuration fills config.yml's `${...}` from the
#: environment; init read none of them, made up DB_ECHO as a secret at the first start, and the import failed on a bool.
CONTAINER = (
    "from dependency_injector import containers, providers\n\nclass Container(containers.DeclarativeContainer):\n"
    "    config = providers.Configuration()\n    config.from_yaml('config.yml', envs_required=True)\n"
)


def test_a_config_file_dependency_injector_fills_gives_its_variables_and_the_committed_env_its_booleans(tmp_path):
    files = {"requirements.txt": "fastapi\nuvicorn\ndependency-injector\n", "main.py": APP, "containers.py": CONTAINER}
    files |= {"config.yml": "db:\n  echo: ${DB_ECHO}\n  pool: ${DB_POOL}\n", ".env": "DB_ECHO=false\nDB_POOL=5\n"}
    environment = app_environment(read_repository(committed(written(tmp_path, files))))
    assert (environment["DB_ECHO"], environment["DB_POOL"]) == ("${DB_ECHO-false}", "${DB_POOL-5}")
