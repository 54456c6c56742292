"""The repository's own pytest suite, and the dependencies it needs beside the app's: for a test image `inv ci` runs."""

from __future__ import annotations

import ast
import configparser
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from fastapi_stackops.adopt.app_settings import DATABASE_FIELD, DATABASE_PART, SettingField
from fastapi_stackops.adopt.conventions import (
    AT_THE_MINOR,
    CONTAINER_PORT,
    PIPFILE_READER,
    SET_BY_THE_IMAGE,
    pipfile_pins,
    pipfile_requirements,
)
from fastapi_stackops.adopt.dependency_files import requirement_name
from fastapi_stackops.adopt.environment_reads import environment_settings
from fastapi_stackops.adopt.known_modules import ADDED_WHEN_MISSING, DISTRIBUTION_OF
from fastapi_stackops.adopt.package_index import normalized
from fastapi_stackops.adopt.source import AT_LOCALHOST, LOCAL_HOSTS, python_files
from fastapi_stackops.adopt.suite_values import ci_values, committed_env_values, names_in_code, recipe_values, test_env_values
from fastapi_stackops.adopt.syntax import absolute_imports, every_node, parsed
from fastapi_stackops.adopt.test_dependencies import dev_dependencies
from fastapi_stackops.adopt.wheels import text_of

#: What brings pip back into the venv for the tests' dependencies: the interpreter's own.
ENSUREPIP = "/opt/venv/bin/python -m ensurepip >/dev/null"
PIP = "/opt/venv/bin/python -m pip install -q --no-cache-dir"


@dataclass(frozen=True)
class ServiceTests:
    folder: str  # tests
    kind: str  # how its dependencies install: uv-group, poetry-group, requirements, project-list
    name: str  # the group, the requirements file, or the pyproject.toml key path of a list
    source: str  # where that was read
    own_values: tuple[tuple[str, str], ...] = ()  # what a committed test env file (.env.test) sets for the suite
    reads: tuple[str, ...] = ()  # variables the suite's own code reads with no default
    ci_values: tuple[tuple[str, str], ...] = ()  # what its pipelines set of the variables it names (ALLOW_CLEANUP: 1)
    committed_env_values: tuple[tuple[str, str], ...] = ()  # what a committed .env sets
    run_in: str = ""  # the folder pytest runs from, when its own addopts name paths there (`cd svc && pytest`)
    own_paths: bool = False  # pytest's testpaths say what to collect: it is given no folder, as `pytest` alone runs
    starts_containers: bool = False  # it imports testcontainers: it needs the engine, as a CI runner gives it
    drops_tables: bool = False  # it drops every table as it ends (`drop_all`): a database of its own, where it may
    # Modules the suite needs that its dependencies may not install, with their distributions: httpx for Starlette's
    # TestClient, a well-known module it imports (dotenv): each added when nothing installed it.
    may_lack: tuple[tuple[str, str], ...] = ()
    # pytest's env setting less its entries at this machine (POSTGRES_HOST=localhost), when it has any: pytest-env sets
    # them over the stack's environment, so the test image gives pytest the rest alone (-o env=...).
    suite_env: str | None = None
    calls_the_server: bool = False  # it asks the app itself at localhost, as a suite run beside it would
    creates_its_database: bool = False  # it runs CREATE DATABASE of a name it reads (TEST_DB_NAME): not the app's

    @property
    def arguments(self) -> tuple[str, ...]:
        """What pytest is given to collect, from where it runs."""
        options = ("-o", f"env={self.suite_env}") if self.suite_env is not None else ()
        if self.own_paths:
            return options
        return (*options, Path(self.folder).relative_to(self.run_in).as_posix() if self.run_in else self.folder)

    @property
    def summary(self) -> str:
        engine = (
            "; it starts containers (testcontainers), so the engine's socket is mounted in it" if self.starts_containers else ""
        )
        return f"{self.folder}/ with pytest: a test image, run by inv ci against the stack{engine}"

    @property
    def install(self) -> str:
        """The builder's command that adds the tests' dependencies to /opt/venv, and what the suite may lack when none
        of them brought it (rajendrakumaryadav/fastapi-employee-record: "requires the httpx package")."""
        added = (
            f"/opt/venv/bin/python -c 'import {m}' 2>/dev/null || {{ {ENSUREPIP} && {PIP} {shlex.quote(d)}; }}"
            for m, d in self.may_lack
        )
        return " \\\n    && ".join([self.dependencies_install, *(f"{{ {step}; }}" for step in added)])

    @property
    def dependencies_install(self) -> str:
        """The tests' own dependencies, into /opt/venv. pip left the venv: ensurepip brings back the interpreter's own
        (pip --python needs pip 22.3, and Debian bullseye's 3.9 has 20.3)."""
        pip = f"{ENSUREPIP} && {PIP}"
        if self.kind in ("uv-group", "uv-extra"):
            # --inexact: what the image added beside the lock (a server, greenlet) stays for the suite too.
            option = "--group" if self.kind == "uv-group" else "--extra"
            return f"UV_PROJECT_ENVIRONMENT=/opt/venv /opt/uv/bin/uv sync --frozen --inexact --no-install-project --no-cache {option} {self.name}"
        if self.kind == "main":
            return "true"  # pytest is among the app's own dependencies
        if self.kind == "poetry-group":
            return (
                f"/opt/poetry/bin/poetry export --only {self.name} --without-hashes -o /tmp/test-requirements.txt \\\n"
                f"    && {AT_THE_MINOR} /tmp/test-requirements.txt && {pip} -r /tmp/test-requirements.txt"
            )
        if self.kind == "requirements":
            return f"{pip} -r {self.name}"
        if self.kind == "pipfile-dev":
            return f"{PIPFILE_READER} python -c {pipfile_requirements('dev-packages')} > /tmp/test-requirements.txt && {pip} -r /tmp/test-requirements.txt"
        if self.kind == "pipenv-develop":
            return (
                f"python -c {pipfile_pins('develop')} > /tmp/test-requirements.txt \\\n"
                f"    && {AT_THE_MINOR} /tmp/test-requirements.txt && {pip} -r /tmp/test-requirements.txt"
            )
        keys = ", ".join(repr(k) for k in self.name.split("."))
        listed = f"functools.reduce(dict.get, [{keys}], tomllib.load(open('pyproject.toml', 'rb')))"
        return (
            f'python -c "import functools, tomllib; print(chr(10).join(r for r in {listed} if isinstance(r, str)))" '
            f"> /tmp/test-requirements.txt \\\n    && {pip} -r /tmp/test-requirements.txt"
        )


def test_folder(root: Path, package: str = "") -> str:
    """tests/ or test/, when it holds pytest-style test files; else the app's package when its tests live inside it."""
    for folder in ("tests", "test"):
        if any((root / folder).rglob("test_*.py")) or any((root / folder).rglob("*_test.py")):
            return folder
    inside = [p for p in (root / package).rglob("test_*.py") if {"tests", "test"} & set(p.parts)] if package else []
    return package if inside else ""


def suite_fields(root: Path, folder: str) -> list[SettingField]:
    """The environment reads of the suite's own code, read once for what follows."""
    return [f for s in environment_settings(root, sorted((root / folder).rglob("*.py"))) for f in s.fields]


def suite_reads(root: Path, fields: list[SettingField]) -> list[str]:
    """The variables the suite's own code reads with no default: required ones, a database's URL or part read bare
    (`os.getenv("TEST_DATABASE_URL")`, `os.getenv("POSTGRES_TEST_HOST")`), which a suite points the app at, None or not, and a key read bare that the app
    reads too, which the suite presents to it (`headers={"Authorization": os.getenv("API_KEY")}`)."""
    keys = [f.variable for f in fields if not f.default and PRESENTED_KEY.search(f.variable)]
    apps = {f.variable for s in environment_settings(root, python_files(root)) for f in s.fields} if keys else set()
    database = (DATABASE_FIELD.search, DATABASE_PART.match)
    read = [f.variable for f in fields if f.default is None or (not f.default and any(d(f.variable) for d in database))]
    # The image's own (PATH, HOME), which a suite passes on to a server it starts (`os.environ["PATH"]`): never set.
    return [name for name in read + [key for key in keys if key in apps] if name not in SET_BY_THE_IMAGE]


#: A key a suite presents to the app it tests: API_KEY, X_API_KEY, ADMIN_TOKEN.
PRESENTED_KEY = re.compile(r"(^|_)(API_?KEY|TOKEN)$", re.I)


def services_at_home(fields: list[SettingField]) -> dict[str, str]:
    """The URLs of this machine's services the suite's own code defaults to (`os.environ.get("REDIS_TEST_URL",
    "redis://localhost:6379/0")`), as a pipeline would set them: the stack's own services stand in for them."""
    at_home = {f.variable: f.default for f in fields if f.default and AT_LOCALHOST.match(f.default)}
    return {name: url for name, url in at_home.items() if not url.lower().startswith("http")}  # a server, not the stack's


#: What a suite that asks the app itself reads its host and port from (API_SERVER, BACKEND_HOST, SERVER_PORT, PORT); a
#: bare SERVER is as often a database's (SQL Server's own word for its host), so SERVER names the app only with a suffix.
ASKED_HOST = re.compile(r"^(?:(API|APP|BACKEND|SERVICE)_?(HOST|HOSTNAME|SERVER|ADDRESS)?|SERVER_?(HOST|HOSTNAME|ADDRESS))$", re.I)
ASKED_PORT = re.compile(r"^((API|APP|SERVER|BACKEND|SERVICE)_?)?PORT$", re.I)


def the_app_at_home(fields: list[SettingField]) -> tuple[bool, dict[str, str]]:
    """Whether the suite asks the app itself at this machine by a host it reads (marcinsobala/fastapi-queue-app's
    `os.environ.get("API_SERVER", "localhost")`), and its port variables (the same name's PORT): the app's own port in the
    stack, where the suite shares the app's network (localhost is the app's server)."""
    if not any(ASKED_HOST.match(f.variable) and f.default in LOCAL_HOSTS for f in fields):
        return False, {}
    return True, {f.variable: str(CONTAINER_PORT) for f in fields if ASKED_PORT.match(f.variable) and (f.default or "").isdigit()}


#: A test pytest collects: a test function (or method) or a Test class. A template's empty test_app.py holds none, and
#: a suite of none fails (exit 5) however good the app is (amrit2356/template-fastapi-rest).
A_TEST = re.compile(r"^\s*(async\s+)?def test|^class Test", re.M)


def find_service_tests(root: Path, project: dict, installer: str, package: str = "") -> tuple[ServiceTests | None, str]:
    """The suite and how its dependencies install, or None and why not (a reason only when there are tests)."""
    folder = test_folder(root, package)
    if not folder:
        return None, ""
    if not any(A_TEST.search(text_of(p)) for p in [*(root / folder).rglob("test_*.py"), *(root / folder).rglob("*_test.py")]):
        return None, f"{folder}/'s test files hold no test (no test function or Test class): no test image"
    found = dev_dependencies(root, project, installer)
    if not found:
        return None, f"{folder}/ has tests, but no dev group, extra or requirements file names pytest: no test image"
    fields = suite_fields(root, folder)
    reads = list(dict.fromkeys(suite_reads(root, fields)))
    named = names_in_code(sorted((root / folder).rglob("*.py")))
    pipelines = {name: value for name, value in ci_values(root).items() if name in named}
    asks_the_app, app_ports = the_app_at_home(fields)
    given = tuple((services_at_home(fields) | pipelines | recipe_values(root) | app_ports).items())
    values = (test_env_values(root), tuple(reads), given, committed_env_values(root))
    own_paths = bool(pytest_setting(root, project, "testpaths").strip())
    paths = sorted((root / folder).rglob("*.py"))
    engine, drops = any(TESTCONTAINERS.search(text_of(p)) for p in paths), any(drops_at_its_end(p) for p in paths)
    run_in = run_folder(root, project, folder)
    extra = {
        "starts_containers": engine,
        "drops_tables": drops,
        "may_lack": may_lack(paths, project),
        "suite_env": away_from_home(root, project),
        "calls_the_server": asks_the_app or any(THE_SERVER_HERE.search(text_of(path)) for path in paths),
        "creates_its_database": any(CREATES_A_DATABASE.search(text_of(path)) for path in paths),
    }
    return ServiceTests(folder, *found, *values, run_in, own_paths, **extra), ""


#: A test module on Starlette's TestClient (FastAPI's re-exports it).
TEST_CLIENT = re.compile(r"\b(?:fastapi|starlette)\.testclient\b")


def may_lack(paths: list[Path], project: dict | None = None) -> tuple[tuple[str, str], ...]:
    """What the suite's modules need that its dependencies may not install: httpx for TestClient, the well-known
    modules they import (MrFreeman-code/FastAPI-pet-project's suite imports dotenv, which nothing declares), and what
    an extra of the project alone lists (borhanst/fastapi-admin-kit's imports pydantic_ai, its `ai` extra's)."""
    client = [("httpx", "httpx")] if any(TEST_CLIENT.search(text_of(p)) for p in paths) else []
    imported = {name.split(".")[0] for tree in filter(None, map(parsed, paths)) for _, name in absolute_imports(tree)}
    extras = (project or {}).get("project", {}).get("optional-dependencies", {}).values()
    offered = {normalized(requirement_name(r)): r for listed in extras for r in listed if requirement_name(r)}
    known = [(m, DISTRIBUTION_OF.get(m, m)) for m in sorted(imported & ADDED_WHEN_MISSING)]
    return tuple(
        dict.fromkeys(client + known + [(m, offered[normalized(m)]) for m in sorted(imported) if normalized(m) in offered])
    )


#: The app's own server, asked where a suite run beside it finds it (`httpx.AsyncClient(base_url=...)` at localhost and its port).
THE_SERVER_HERE = re.compile(rf"https?://(localhost|127\.0\.0\.1):{CONTAINER_PORT}\b")
#: SQL a suite runs to make a database of its own.
CREATES_A_DATABASE = re.compile(r"\bCREATE\s+DATABASE\b", re.I)
#: A test module that starts containers of its own.
TESTCONTAINERS = re.compile(r"^\s*(?:from|import)\s+testcontainers\b", re.M)


def pytest_setting(root: Path, project: dict, key: str) -> str:
    """A pytest setting (addopts, testpaths), from pyproject.toml (pytest 9's [tool.pytest] too) or an ini file of its
    own; a list joined by spaces."""
    tables = project.get("tool", {}).get("pytest", {})
    found = tables.get("ini_options", {}).get(key, "") or (tables.get(key, "") if key != "ini_options" else "")
    for name, section in (("pytest.ini", "pytest"), ("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        ini = configparser.ConfigParser(interpolation=None)
        if not found and (root / name).is_file():
            ini.read_string(text_of(root / name))
            found = ini.get(section, key, fallback="")
    return " ".join(found) if isinstance(found, list) else found


def suite_env(root: Path, project: dict) -> list[tuple[str, str]]:
    """pytest's env setting (pytest-env) as (entry, value): `D:` and `R:` flags stay in the entry, off the value."""
    entries = pytest_setting(root, project, "env").split()
    return [(entry, re.sub(r"^(?:[DR]:)+", "", entry).partition("=")[2]) for entry in entries]


def away_from_home(root: Path, project: dict) -> str | None:
    """pytest's env setting less the entries that point at this machine (`POSTGRES_HOST=localhost`, a URL at localhost),
    which in the test image is the container itself (PureLeach/fastapi-sqlalchemy-boilerplate's suite found no database
    there); None when none does."""
    entries = suite_env(root, project)
    kept = [entry for entry, value in entries if not (value in LOCAL_HOSTS or AT_LOCALHOST.match(value))]
    return "\n".join(kept) if len(kept) < len(entries) else None


def run_folder(root: Path, project: dict, folder: str) -> str:
    """The tests' folder or one above it, when a path pytest's addopts name is there and not at the root: the
    repository runs its suite from there. (An option's value, `--maxfail 1`, is no path in either.)"""
    try:
        named = [word for word in shlex.split(pytest_setting(root, project, "addopts")) if not word.startswith("-")]
    except ValueError:
        return ""
    missing = [word for word in named if not (root / word).exists()]
    above = [Path(folder), *Path(folder).parents][:-1]  # never the root itself
    return next((d.as_posix() for d in above if any((root / d / word).exists() for word in missing)), "")


#: pytest's hooks that run as the session ends.
SESSION_ENDS = ("pytest_sessionfinish", "pytest_unconfigure")


def drops_at_its_end(path: Path) -> bool:
    """Whether the file drops every table (`metadata.drop_all`) as the suite ends: in a hook run at the session's end,
    or in a fixture's teardown (after its `yield`). One that drops and creates again as it sets up leaves a schema."""
    tree = parsed(path)
    for function in (n for n in every_node(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)) if tree else ():
        nodes = every_node(function)
        drops = [n.lineno for n in nodes if isinstance(n, ast.Attribute) and n.attr == "drop_all"]
        yields = [n.lineno for n in nodes if isinstance(n, ast.Yield)]
        if drops and (function.name in SESSION_ENDS or (yields and max(drops) > min(yields))):
            return True
    return False
