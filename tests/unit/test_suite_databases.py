"""fastapi_stackops/adopt/suite_databases.py: the logins and databases a suite writes out are made on the stack's
PostgreSQL before it runs, under the hosts it writes."""

from __future__ import annotations

import pytest
import yaml

from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import compose_text
from fastapi_stackops.adopt.suite_databases import SuiteDatabase, made_sql, suite_databases
from tests.unit.shapes import APP
from tests.utils import written

CONFTEST = "tests/conftest.py"


@pytest.mark.parametrize(
    ("conftest", "found"),
    [
        # MoigeMatino/fastapi-htmx-todo-spa: a login, a database and a host of its own
        (
            'URL = (\n    "postgresql://test_user:test_password@test_db/todo_test"\n)\n',
            [SuiteDatabase("test_user", "test_password", "todo_test", "test_db", CONFTEST)],
        ),
        # tighwm/webnovell-fastapi-htmx-jinja2-tailwind: at localhost, as its CI's service container is
        (
            'os.environ["DB_URL"] = "postgresql+asyncpg://novel:pw@localhost:5432/novel_test"\n',
            [SuiteDatabase("novel", "pw", "novel_test", "localhost", CONFTEST)],
        ),
        # snkennedy21/fastapi-postgres-posting-site: the stack's database's name with a suffix
        (
            "URL = f'postgresql://{s.USER}:{s.PASSWORD}@{s.HOST}:{s.PORT}/{s.DATABASE_NAME}_test'\n",
            [SuiteDatabase("", "", "{database}_test", "", CONFTEST)],
        ),
        # Pogchamp-company/fastapi-async-sqlalchemy-template: a prefix spliced into the URL
        ("uri = uri[:start] + 'test_' + uri[start:]\n", [SuiteDatabase("", "", "test_{database}", "", CONFTEST)]),
        # GonZoRus/fastapi-wallet-service: its login's parts read, its database a name bound to a literal; the suite's
        # setup failed on "database wallet_test_db does not exist"
        (
            "NAME = 'wallet_test_db'\nURL = f'postgresql+asyncpg://{U}:{P}@{H}:{PORT}/{NAME}'\n",
            [SuiteDatabase("", "", "wallet_test_db", "", CONFTEST)],
        ),
        ('URL = "postgresql://u:p@db:6543/other"\n', []),  # another server's port
        ('URL = "mysql://u:p@db/x"\n', []),
        ('URL = os.environ["DATABASE_URL"]\n', []),
    ],
)
def test_the_logins_and_databases_a_suite_writes_out_are_read(tmp_path, conftest, found):
    assert list(suite_databases(written(tmp_path, {CONFTEST: conftest}), "tests")) == found


@pytest.mark.parametrize(
    ("wanted", "made"),
    [
        (
            SuiteDatabase("tester", "it's", "t", "", ""),
            [
                "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', 'tester', 'it''s') WHERE NOT EXISTS "
                "(SELECT FROM pg_roles WHERE rolname = 'tester')\\gexec",
                "SELECT format('CREATE DATABASE %I OWNER %I', 't', 'tester') WHERE NOT EXISTS "
                "(SELECT FROM pg_database WHERE datname = 't')\\gexec",
            ],
        ),
        (
            SuiteDatabase("", "", "{database}_test", "", ""),
            [
                "SELECT format('CREATE DATABASE %I OWNER %I', 'app_test', 'app') WHERE NOT EXISTS "
                "(SELECT FROM pg_database WHERE datname = 'app_test')\\gexec"
            ],
        ),
        (SuiteDatabase("app", "pw", "app", "db", ""), []),  # the stack's own
    ],
)
def test_what_the_one_shot_makes_is_only_what_does_not_exist(wanted, made):
    assert made_sql((wanted,), "app", "app") == made


def test_a_dollar_in_a_password_is_kept_from_composes_interpolation():
    assert "'pa$$s'" in made_sql((SuiteDatabase("u", "pa$s", "d", "", ""),), "app", "app")[0]


def stack(tmp_path, conftest: str) -> dict:
    files = {"requirements.txt": "fastapi\npsycopg2-binary\npytest\n", "main.py": APP, CONFTEST: conftest}
    files["tests/test_main.py"] = "def test_main():\n    pass\n"
    return yaml.safe_load(compose_text(read_repository(written(tmp_path, files))))["services"]


def test_the_suite_waits_for_its_databases_and_the_server_answers_to_the_host_it_writes(tmp_path):
    services = stack(tmp_path, 'URL = "postgresql://test_user:test_password@test_db/todo_test"\n')
    one_shot = services["suite-databases"]
    assert one_shot["profiles"] == ["test"] and one_shot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "CREATE ROLE %I LOGIN PASSWORD %L', 'test_user'" in one_shot["environment"]["SUITE_SQL"]
    assert services["web-test"]["depends_on"]["suite-databases"]["condition"] == "service_completed_successfully"
    assert services["postgres"]["networks"]["default"]["aliases"] == ["test_db"]
    assert "network_mode" not in services["web-test"]


def test_a_suite_at_localhost_shares_the_servers_network(tmp_path):
    services = stack(tmp_path, 'URL = "postgresql://novel:pw@localhost:5432/novel_test"\n')
    assert services["web-test"]["network_mode"] == "service:postgres" and "networks" not in services["postgres"]


def test_a_suite_on_the_stacks_own_database_gets_nothing(tmp_path):
    services = stack(tmp_path, 'URL = os.environ["DATABASE_URL"]\n')
    assert "suite-databases" not in services and "suite-databases" not in services["web-test"].get("depends_on", {})


def test_a_default_at_localhost_of_the_suites_own_database_stays_as_written(tmp_path):
    """dmayes77/nextjs-fastapi-foundation: TEST_DATABASE_URL read with a default at localhost, which its CI sets alike;
    given the stack's database instead, its own check refused a name without `test` in it."""
    url = "postgresql+psycopg://postgres:postgres@localhost:5432/next_test"
    services = stack(tmp_path, f'import os\n\nURL = os.environ.get("TEST_DATABASE_URL", "{url}")\n')
    assert services["web-test"]["environment"]["TEST_DATABASE_URL"] == url.replace("@localhost", "@postgres")


def test_a_test_modules_urls_are_its_data_not_its_databases(tmp_path):
    """dmayes77/nextjs-fastapi-foundation's tests of its URL checks write a dozen URLs (`production`, a host named
    `host`): none is a database the suite connects to."""
    root = written(tmp_path, {"tests/test_urls.py": 'CASES = ["postgresql://u:p@host:5432/production"]\n'})
    assert suite_databases(root, "tests") == ()
