"""What the repository's suite gets in its environment: the app's, as its own CI would give it (the stack's database
and brokers where the app's defaults reach none), with the values the repository gives its tests, its mode for tests,
and what only the suite reads."""

from __future__ import annotations

import json
import re

from fastapi_stackops.adopt.app_environment import (
    database_environment,
    database_url,
    made_up_environment,
    wired_environment,
)
from fastapi_stackops.adopt.app_mode import local_mode
from fastapi_stackops.adopt.app_settings import DATABASE_FIELD, DATABASE_PART, UNSET, SettingField, setting_fields
from fastapi_stackops.adopt.brokers import RABBITMQ_PARTS, broker_values
from fastapi_stackops.adopt.conventions import REDIS_SERVICE
from fastapi_stackops.adopt.fitting_values import named_value
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.secret_formats import made_up_secret
from fastapi_stackops.adopt.source import AT_LOCALHOST
from fastapi_stackops.adopt.suite_databases import for_the_suite
from fastapi_stackops.adopt.testing import PRESENTED_KEY

#: The name of a database the suite makes itself, beside the app's.
SUITES_OWN = "app_test"
#: A database part the suite reads for its own database (TEST_DB_NAME, POSTGRES_DB_TEST, POSTGRES_TEST_DB).
SUITES_PART = re.compile(r"^test_|_test$|_test_", re.I)


def suites_database(repo: Repository) -> dict[str, str]:
    """When the suite names a database of its own (TEST_DB_NAME) and makes it (`CREATE DATABASE`), that name is one of
    its own, not the app's, which exists. When it drops every table as it ends (`drop_all`), the tests' environment
    gives it and the app's name (DB_NAME, which a suite may assert equal in its test mode) PostgreSQL's maintenance
    database, which every server has: the served app's schema stays for the checks after it. A suite that drops
    nothing shares the app's migrated database. Nothing for MySQL, whose user may use its own alone."""
    settings, suite = repo.settings, repo.service_tests
    names = [f for f in settings.fields if settings.database_parts.get(f.name) == "name"] if settings else []
    own = any(SUITES_PART.search(f.variable) for f in names)
    if repo.database != "postgres" or not (own and suite):
        return {}
    if suite.creates_its_database:  # zagorboda/fastapi-kanban: "DuplicateDatabase: database "app" already exists"
        return {f.variable: f"${{{f.variable}-{SUITES_OWN}}}" for f in names if SUITES_PART.search(f.variable)}
    if not suite.drops_tables:
        return {}
    return {f.variable: f"${{{f.variable}-postgres}}" for f in names}


def tests_environment(repo: Repository) -> dict[str, str]:
    """The app's environment as the repository's own CI would give its tests: the stack's database and brokers where
    the app's defaults cannot reach one (none, or this machine), the app's own defaults for the rest (a suite asserts
    them: an optional broker unset, a database on SQLite); their committed values (.env.test) for what init only made
    up, what their pipelines set for the suite, the app's mode for tests, and the variables only the suite reads."""
    wired = wired_environment(repo)
    made = made_up_environment(repo, wired)
    environment = wired | made
    # Its own file's value over what init made up: given here, as a suite that never loads the file still needs it.
    own = {name: json.dumps(value) for name, value in repo.service_tests.own_values if name in made and "$" not in value}
    # What the suite names and the repository's own pipelines set, which the stack does not wire; then what only the
    # suite reads, with no default: a value its name says, else empty (MYSQL_DRIVER beside PostgreSQL).
    kept = defaults_kept(repo, wired)
    # A service the app's default leaves off (an optional Redis) that the suite sets at this machine is the stack's.
    pipelines = {
        name: json.dumps(stack_part(repo, name) or on_the_stack(repo, value))
        for name, value in repo.service_tests.ci_values
        if name not in wired or name in kept
    }
    examples = committed_environment(repo, environment)
    only_read = {
        name: json.dumps(suite_only_value(repo, name))
        for name in repo.service_tests.reads
        if name not in environment and name not in examples
    }
    suites = suites_database(repo)
    mode = local_mode(repo.settings, repo.root)
    # Its mode for tests, which a suite asserts (`settings.MODE == "TEST"`) or the app picks its test database by.
    testing = {mode.variable: json.dumps(mode.test)} if mode and mode.test else {}
    kept_out = {k: v for k, v in environment.items() if k not in kept}
    return kept_out | testing | own | suites | examples | only_read | pipelines


def suite_only_value(repo: Repository, name: str) -> str:
    """What a variable only the suite reads gets, having no default: the stack's database for a URL of one
    (TEST_DATABASE_URL; PostgreSQL's maintenance database for a suite that drops every table, as in suites_database)
    or a part of one (POSTGRES_TEST_HOST), else a value its name says, else empty (MYSQL_DRIVER beside PostgreSQL)."""
    if PRESENTED_KEY.search(name):  # the key the suite presents and the app checks, in the one process they share
        return made_up_secret(name, repo.formatted, "ci")
    dropped = repo.database == "postgres" and repo.service_tests.drops_tables
    if part := stack_part(repo, name):  # Nk3YQQ/fastapi-tracker-project's os.getenv('POSTGRES_TEST_HOST'), and the rest
        return "postgres" if dropped and DATABASE_PART.match(name).lastgroup == "name" else part
    if not (repo.database and DATABASE_FIELD.search(name)):
        return named_value(name) or ""
    url = database_url(repo, SettingField(name, None, exact=True))
    return f"{url.rsplit('/', 1)[0]}/postgres" if dropped else url


def stack_part(repo: Repository, name: str) -> str:
    """The stack's own value of a database part a pipeline sets for the suite (its job's TEST_DB_NAME, a database the
    stack does not have: "Access denied ... to database 'bankaccountsystem_test'"); "" for any other variable."""
    found, database = DATABASE_PART.match(name), repo.database_server
    part = found.lastgroup if found and database else ""
    return database.parts(database.default_scheme).get(part, "") if part in ("host", "port", "user", "password", "name") else ""


def on_the_stack(repo: Repository, value: str) -> str:
    """A URL at this machine of a service the stack runs (a pipeline's TEST_DATABASE_URL at its job's own service
    container, a suite's default of `redis://localhost:6379/0`) is the stack's, with the URL's own driver and, for
    Redis, its own database number; any other value stays as it is."""
    found = AT_LOCALHOST.match(value)
    database = repo.database_server
    if found and (suites := for_the_suite(repo, value)):
        return suites
    if found and database and database.names(found["scheme"]):
        return database.url(found["scheme"])
    if found and repo.redis and found["scheme"].lower() in ("redis", "rediss"):
        return f"redis://{REDIS_SERVICE}:6379/{value[found.end() :]}"  # the stack's Redis has no password, nor TLS
    if found and repo.rabbitmq and found["scheme"].lower() in ("amqp", "amqps"):
        return RABBITMQ_PARTS["url"][1]
    return value


def committed_environment(repo: Repository, given: dict[str, str]) -> dict[str, str]:
    """What a committed .env sets for the settings and the suite, over the app's defaults: the tests run as in any
    checkout. What the served app is given stays as given (the stack's services; a made-up superuser's password the
    server seeds the shared database with)."""
    fields = setting_fields(repo.settings)
    declared = {f.variable.upper() for f in fields} | set(repo.service_tests.reads)
    # A database's URL the file gives the suite (TEST_DATABASE_URL at its own compose's host) is the stack's instead.
    stacks = {name for name in declared if repo.database and DATABASE_FIELD.search(name)}
    return {
        name: json.dumps(value)
        for name, value in repo.service_tests.committed_env_values
        if name.upper() in declared and name not in given and name.upper() not in stacks
    }


def defaults_kept(repo: Repository, wired: dict[str, str]) -> set[str]:
    """The wired variables the tests leave to the app's defaults, each service's URL or parts together: a database the
    settings default to SQLite (no server needed), a broker every setting of which defaults to None (optional)."""
    fields = {f.variable: f for f in setting_fields(repo.settings)}
    database = set(database_environment(repo))
    brokers = (set(broker_values(wired, repo.redis, False)), set(broker_values(wired, False, repo.rabbitmq)))
    on_sqlite = any(n in fields and (fields[n].default or "").startswith("sqlite") for n in database)
    optional = [names for names in brokers if names and all(n in fields and UNSET.match(fields[n].default_code) for n in names)]
    return (database if on_sqlite else set()) | {name for names in optional for name in names}
