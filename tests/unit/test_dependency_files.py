"""fastapi_stackops/adopt/dependency_files.py: which file says how the dependencies install, and what it declares."""

import re
import subprocess

import pytest

from fastapi_stackops.adopt.dependency_files import requirements_files
from fastapi_stackops.adopt.findings import NotAFastAPIRepository
from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.installers import UNWILDCARDED
from fastapi_stackops.adopt.reading import read_repository
from tests.unit.shapes import APP, lines
from tests.utils import written

PIPFILE_LOCK = """{
  "_meta": {"requires": {"python_version": "3.11"}},
  "default": {
    "fastapi": {"version": "==0.115.6", "markers": "python_version >= '3.8'"},
    "asyncpg": {"version": "==0.30.0"},
    "mylib": {"git": "https://example.com/mylib.git", "ref": "abc"}
  },
  "develop": {"pytest": {"version": "==8.3.4"}}
}"""


@pytest.mark.parametrize(
    ("files", "chosen"),
    [
        (["requirements.txt"], "requirements.txt"),
        (["requirements.txt", "requirements/prod.txt"], "requirements/prod.txt"),
        (["requirements.txt", "backend/requirements.txt"], "requirements.txt"),
        # A subfolder's wrapper (`-r requirements/dev.txt`) gives way to its production file.
        (["infra/requirements.txt", "infra/requirements/base.txt", "infra/requirements/prod.txt"], "infra/requirements/prod.txt"),
        (["infra/requirements.txt", "infra/requirements/base.txt"], "infra/requirements.txt"),
        # Mokhles-Abdelmonem/fastapi-celery-app-factory: spelt requirments.txt; init said no file lists the dependencies.
        (["requirments.txt"], "requirments.txt"),
        (["requirement.txt"], "requirement.txt"),
        # samuel005005/FastAPI-Hexagonal-Clean-Architecture: spelt requeriments.txt; init said nothing says how to install
        (["requeriments.txt"], "requeriments.txt"),
    ],
)
def test_the_apps_requirements_file_is_the_production_one_nearest_the_root(tmp_path, files, chosen):
    written(tmp_path, dict.fromkeys(files, "fastapi\n"))
    assert requirements_files(tmp_path)[0] == chosen


@pytest.mark.parametrize(
    ("files", "chosen"),
    [
        # prod.txt adds only the server to base.txt, without including it: the framework's file is the app's
        ({"requirements/base.txt": "fastapi==0.108.0\n", "requirements/prod.txt": "gunicorn==21.2.0\n"}, "requirements/base.txt"),
        ({"requirements/base.txt": "fastapi\n", "requirements/prod.txt": "-r base.txt\ngunicorn\n"}, "requirements/prod.txt"),
        # saptadi73/fastapi-mbg: a testing.txt including base.txt is the tests' file, never the app's
        ({"requirements/base.txt": "fastapi\n", "requirements/testing.txt": "-r base.txt\npytest\n"}, "requirements/base.txt"),
        # no prod or base file: the one that names the framework, never the dev tools' file
        (
            {
                "requirements/dev.txt": "fastapi\nblack\n",
                "requirements/ops.txt": "fastapi\n",
                "requirements/migration.txt": "alembic\n",
            },
            "requirements/ops.txt",
        ),
        # bupemulenga13/todo-fastapi-server: a dev file at the top is the only one, and names the framework
        ({"requirements_dev.txt": "pytest\nfastapi==0.75.0\n"}, "requirements_dev.txt"),
        ({"requirements-dev.txt": "pytest\n", "requirements.txt": "fastapi\n"}, "requirements.txt"),
        # aziyanos/FastAPI-HotelBooking: PowerShell's `pip freeze > req.txt`, its only file; refused as having none
        ({"req.txt": "fastapi==0.115.0\nuvicorn\n"}, "req.txt"),
        ({"req.txt": "fastapi\n", "requirements.txt": "fastapi\nuvicorn\n"}, "requirements.txt"),
    ],
)
def test_the_apps_requirements_file_is_one_that_names_the_framework(tmp_path, files, chosen):
    written(tmp_path, files)
    assert requirements_files(tmp_path)[0] == chosen


@pytest.mark.parametrize(
    ("files", "named"),
    [
        # microservices, each with its requirements two levels down: the refusal names where to run init
        (
            {
                "src/auth/auth/requirements.txt": "fastapi\n",
                "src/auth/auth/auth/main.py": APP,
                "src/store/store/requirements.txt": "FastAPI==0.110\n",
                "src/store/store/store/main.py": APP,
                "src/core/setup.py": "",
                "src/auth/tests/requirements.txt": "fastapi\n",
            },
            "; run init from a service's folder: src/auth/auth, src/store/store",
        ),
        (
            {"services/api/pyproject.toml": '[project]\ndependencies = ["fastapi"]\n', "services/api/main.py": APP},
            "; run init from a service's folder: services/api",
        ),
        ({"frontend/package.json": "{}", "main.py": APP}, ""),  # nothing below either: the line as it was
        # andgineer/fastapi-celery: docker/backend holds the compiled requirements its Dockerfile copied, and no code;
        # init sent the user there.
        ({"docker/backend/requirements.txt": "fastapi==0.115\n", "docker/backend/start.sh": "", "backend/app/main.py": APP}, ""),
    ],
)
def test_a_root_with_no_dependency_file_is_refused_naming_the_services_below(tmp_path, files, named):
    written(tmp_path, {"pyproject.toml": "[tool.black]\nline-length = 79\n", **files})
    with pytest.raises(NotAFastAPIRepository) as refused:
        read_repository(tmp_path)
    assert str(refused.value).endswith("[project] or setuptools' install_requires says how to install it" + named)


@pytest.mark.parametrize(
    ("files", "installs"),
    [
        # Shushma21/fastapi-ticket-system: an empty requirements.txt; the build installed nothing, and failed 5 s in.
        ({"requirements.txt": ""}, None),
        ({"requirements.txt": "# pinned later\n\n"}, None),
        ({"requirements.txt": "", "pyproject.toml": '[project]\nname = "x"\ndependencies = ["fastapi"]\n'}, "pip install ."),
    ],
)
def test_an_empty_requirements_file_installs_nothing_and_is_refused_without_another_way(tmp_path, files, installs):
    written(tmp_path, {"main.py": APP, **files})
    if installs:
        assert read_repository(tmp_path).findings[1].value.startswith(installs)
        return
    with pytest.raises(NotAFastAPIRepository, match=r"^requirements.txt names no dependency: list the app's in it"):
        read_repository(tmp_path)


def test_the_dependencies_of_a_requirements_file_include_those_of_the_files_it_includes(tmp_path):
    # kolenkoal's shape: prod.txt adds gunicorn to base.txt, which holds the driver; the database was missed.
    written(tmp_path, {"requirements/base.txt": "fastapi\nasyncpg\n", "requirements/prod.txt": "-r base.txt\ngunicorn\n"})
    written(tmp_path, {"main.py": APP})
    repo = read_repository(tmp_path)
    assert (repo.requirements, repo.database, repo.server) == ("requirements/prod.txt", "postgres", "gunicorn")


@pytest.mark.parametrize("lock", [True, False])
def test_the_groups_uv_installs_by_default_are_among_the_dependencies(tmp_path, lock):
    # sayonetech/fastapi-boilerplate: fastapi in an `api` group, psycopg and sqlmodel in a `db` one, both default groups
    # uv syncs; init found no database, and the app refused to start without one.
    project = '[project]\nname = "svc"\nversion = "1"\ndependencies = ["pydantic"]\n[tool.uv]\ndefault-groups = ["api", "db"]\n'
    project += '[dependency-groups]\napi = ["fastapi"]\ndb = ["psycopg[binary]>=3.2", "sqlmodel"]\ndev = ["pytest", "aiomysql"]\n'
    written(tmp_path, {"pyproject.toml": project, "main.py": APP} | ({"uv.lock": "version = 1\n"} if lock else {}))
    if not lock:  # pip installs the project alone: no group
        assert "psycopg" not in read_repository(tmp_path).dependencies
        return
    repo = read_repository(tmp_path)
    assert {"fastapi", "psycopg", "sqlmodel"} <= set(repo.dependencies) and "aiomysql" not in repo.dependencies
    assert repo.database == "postgres"


def test_a_requirements_file_in_utf16_is_read(tmp_path):
    # One with a UTF-8 line added, an odd length, pip cannot read: refused (test_index_pins.py).
    (tmp_path / "requirements.txt").write_bytes("fastapi==0.115.6\r\nasyncpg==0.30.0\r\n".encode("utf-16"))
    written(tmp_path, {"main.py": APP})
    assert read_repository(tmp_path).database == "postgres"


def test_pipenvs_lock_installs_its_main_pins_with_pip(tmp_path):
    repo = read_repository(written(tmp_path, {"Pipfile.lock": PIPFILE_LOCK, "main.py": APP}))
    assert (repo.installer, repo.dependencies, repo.database) == ("pipenv", ("fastapi", "asyncpg"), "postgres")
    dockerfile = dockerfile_text(repo, "/", False)
    assert "COPY Pipfile.lock ./" in dockerfile and "json.load(open('Pipfile.lock'))['default']" in dockerfile
    assert not repo.resolved_as_of  # a lock: nothing resolves at build time


@pytest.mark.parametrize(
    ("requirements", "installer"),
    [
        # 250mon's shape: a requirements.txt written once, the Pipfile grown since (asyncpg added): the lock installs.
        ("fastapi==0.115.6\n", "pipenv"),
        ("fastapi==0.115.6\nasyncpg==0.30.0\n", "requirements"),  # a file that keeps up with the Pipfile is the one
        ("fastapi==0.115.6\nAsyncPG==0.30.0\nuvicorn\n", "requirements"),
    ],
)
def test_a_requirements_file_lacking_what_the_pipfile_locks_gives_way_to_the_lock(tmp_path, requirements, installer):
    pipfile = '[packages]\nfastapi = "*"\nasyncpg = "*"\n\n[dev-packages]\npytest = "*"\n'
    files = {"Pipfile": pipfile, "Pipfile.lock": PIPFILE_LOCK, "requirements.txt": requirements, "main.py": APP}
    repo = read_repository(written(tmp_path, files))
    assert repo.installer == installer and (installer == "requirements" or repo.database == "postgres")


@pytest.mark.parametrize(
    ("files", "installs"),
    [
        # r0x0d/fastapi-game-api-experiment: the app's pins in [project], the dev tools in requirements/: pip install .
        ({"requirements/requirements.dev.txt": "pytest==7.4.4\n"}, "pip install . (no lock)"),
        # A requirements file that brings the framework through an include is the app's.
        (
            {"requirements.txt": "-r requirements/base.txt\n", "requirements/base.txt": "fastapi\n"},
            "pip install -r requirements.txt",
        ),
    ],
)
def test_a_requirements_file_without_the_framework_project_declares_is_not_the_apps(tmp_path, files, installs):
    project = '[project]\nname = "svc"\nversion = "1"\ndependencies = ["fastapi==0.109.0", "uvicorn"]\n'
    repo = read_repository(written(tmp_path, files | {"pyproject.toml": project, "main.py": APP}))
    assert f"  installs     {installs}" in "\n".join(lines(repo)), lines(repo)


def test_a_requirements_line_naming_the_project_itself_is_left_out_of_the_dependencies_install(tmp_path):
    # insistence/RuoYi-Vue3-FastAPI: `.` ends its requirements.txt; the builder, which has only that file, failed on it.
    files = {"requirements.txt": "fastapi\n.\n", "pyproject.toml": '[project]\nname = "svc"\nversion = "1"\n', "main.py": APP}
    repo = read_repository(written(tmp_path, files))
    run = next(line for line in dockerfile_text(repo, "/", False).splitlines() if "sed -i -E -e '/^[[:space:]]*((-e" in line)
    sed = (
        next(part for part in run.split("&& ") if "editable" in part)
        .strip(" \\")
        .replace("requirements.txt", str(tmp_path / "requirements.txt"))
    )
    # wm0630/fastapi-crypto: a freeze on its developer's Windows machine named the project at its drive; pip refused it
    windows = "-e c:\\users\\me\\documents\\project\n-e C:/work/project\n"
    (tmp_path / "requirements.txt").write_text(
        f"fastapi==0.110\n.\n-e ./  # the project\n{windows}./libs/shared\n-e git+https://x/y.git\n"
    )
    subprocess.run(sed, shell=True, check=True)
    assert (tmp_path / "requirements.txt").read_text() == "fastapi==0.110\n./libs/shared\n-e git+https://x/y.git\n"


def test_a_project_declared_in_setup_cfg_installs_its_install_requires(tmp_path):
    # hongocphuong/fastapi-jwt-sqlmodel: setup.cfg's install_requires beside a pyproject.toml for the build alone;
    # init said nothing told it how to install the project.
    config = "[metadata]\nname = svc\n\n[options]\npackages = find:\ninstall_requires =\n    fastapi\n    sqlmodel>=0.0.14\n"
    written(tmp_path, {"setup.cfg": config, "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n', "main.py": APP})
    repo = read_repository(tmp_path)
    assert (repo.installer, repo.dependencies) == ("setup.cfg", ("fastapi", "sqlmodel"))
    dockerfile = dockerfile_text(repo, "", data_dir=False)
    command = re.search(r'(python -c "import configparser.*?") > /tmp/requirements.txt', dockerfile)
    listed = subprocess.run(["sh", "-c", command.group(1)], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert listed.stdout.split() == ["fastapi", "sqlmodel>=0.0.14"] and "COPY setup.cfg" in dockerfile


POETRY_PROJECT = '[tool.poetry]\nname = "svc"\n\n[tool.poetry.dependencies]\npython = "^3.11"\nfastapi = "*"\nslowapi = "*"\n'


def locked(*names: str) -> str:
    return "".join(f'[[package]]\nname = "{name}"\nversion = "1.0"\n\n' for name in names) + '[metadata]\nlock-version = "2.0"\n'


@pytest.mark.parametrize(
    ("lock", "refused"),
    [
        # AIgen-Solutions-s-r-l/fastapi-auth-service: slowapi added to pyproject.toml, poetry.lock never made again; the
        # trial's build failed 13 s in, on poetry's "changed significantly since poetry.lock was last generated".
        (locked("fastapi", "starlette"), "poetry.lock pins no slowapi, which pyproject.toml declares"),
        (locked("fastapi", "Slowapi"), ""),  # as the lock spells it
        # tomaszbk/fastapi-bank-web-application: every dependency pinned, and the content-hash another pyproject's
        (locked("fastapi", "slowapi") + 'content-hash = "0123"\n', "poetry.lock was made from another pyproject.toml"),
    ],
)
def test_a_poetry_lock_older_than_pyproject_is_refused_before_any_build(tmp_path, lock, refused):
    root = written(tmp_path, {"pyproject.toml": POETRY_PROJECT, "poetry.lock": lock, "main.py": APP})
    if not refused:
        assert read_repository(root).installer == "poetry"
        return
    with pytest.raises(NotAFastAPIRepository, match=re.escape(refused) + ".*lock again \\(poetry lock\\) and commit it"):
        read_repository(root)


def test_a_uv_lock_older_than_pyproject_is_refused_before_any_build(tmp_path):
    """owais6531/fastapi-invoice-generator declares pandas, and its uv.lock pins none: the trial built for 31 s, and
    its import failed on pandas; refused now in a second, as a poetry.lock is."""
    project = '[project]\nname = "svc"\nversion = "0"\ndependencies = ["fastapi", "pandas"]\n'
    lock = 'version = 1\n\n[[package]]\nname = "fastapi"\nversion = "0.115.0"\n'
    root = written(tmp_path, {"pyproject.toml": project, "uv.lock": lock, "main.py": APP})
    with pytest.raises(NotAFastAPIRepository, match=r"^uv.lock pins no pandas, which .* lock again \(uv lock\) and commit it$"):
        read_repository(root)


@pytest.mark.parametrize(("locked", "refused"), [("ml-api", True), ("ml-api-mobilenet", False), ("ML_API_mobilenet", False)])
def test_a_uv_lock_made_for_another_project_name_is_refused_before_any_build(tmp_path, locked, refused):
    """moulinh/Fastapi-MobileNetv2 renamed its project after locking: uv refused the lock in the build ("Missing
    workspace member")."""
    project = '[project]\nname = "ml-api-mobilenet"\nversion = "0"\ndependencies = ["fastapi"]\n'
    lock = f'version = 1\n\n[[package]]\nname = "{locked}"\nversion = "0"\nsource = {{ virtual = "." }}\n'
    lock += '\n[[package]]\nname = "fastapi"\nversion = "0.115.0"\n'
    root = written(tmp_path, {"pyproject.toml": project, "uv.lock": lock, "main.py": APP})
    if not refused:
        assert read_repository(root).installer == "uv"
        return
    with pytest.raises(NotAFastAPIRepository, match=r"^uv.lock was made for the project ml-api, and pyproject.toml names"):
        read_repository(root)


@pytest.mark.parametrize(("requirements", "installer"), [("fastapi\nuvicorn\n", "requirements"), ("", "poetry-unlocked")])
def test_a_lock_pinning_nothing_is_no_lock(tmp_path, requirements, installer):
    """princeHrajbhar/fastapi-webhook-service commits a poetry.lock of three comment lines "to satisfy the Dockerfile
    COPY": the build's export failed on it. Its requirements.txt installs the app; without one, poetry locks afresh."""
    files = {"pyproject.toml": POETRY_PROJECT, "poetry.lock": "# a placeholder\n", "main.py": APP}
    root = written(tmp_path, files | ({"requirements.txt": requirements} if requirements else {}))
    assert read_repository(root).installer == installer


@pytest.mark.parametrize(
    "files",
    [
        # rhoboro/async-fastapi-sqlalchemy: asyncpg only through SQLAlchemy's extra; init ran no database, and the app
        # could not parse the URL it was given.
        {"pyproject.toml": '[project]\nname = "svc"\ndependencies = ["fastapi", "sqlalchemy[postgresql-asyncpg]>=2.0"]\n'},
        {"requirements.txt": "fastapi\nSQLAlchemy[asyncio, postgresql_asyncpg]==2.0.36  # the driver too\n"},
        {
            "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\nfastapi = "*"\n'
            'sqlalchemy = {version = "^2.0", extras = ["asyncio", "postgresql_asyncpg"]}\n'
        },
        # `databases` and Tortoise ORM install theirs the same way.
        {"requirements.txt": "fastapi\ndatabases[postgresql]==0.9.0\n"},
        {"requirements.txt": "fastapi\ntortoise-orm[asyncpg]\n"},
    ],
)
def test_a_driver_sqlalchemys_extra_installs_is_a_dependency_of_the_app(tmp_path, files):
    repo = read_repository(written(tmp_path, {**files, "main.py": APP}))
    assert "asyncpg" in repo.dependencies and repo.database == "postgres"


UV_SERVICE = '[project]\nname = "svc"\ndependencies = ["fastapi", "uvicorn"]\n'
POETRY_SERVICE = '[tool.poetry]\nname = "svc"\n[tool.poetry.dependencies]\npython = "^3.11"\nfastapi = "*"\nuvicorn = "*"\n'


@pytest.mark.parametrize(
    ("files", "version", "installed"),
    [
        # GlebKostousov/fastapi-url-shortener: `required-version = "~=0.9.7"`; the build's newest uv refused to run.
        (
            {"pyproject.toml": UV_SERVICE + '[tool.uv]\nrequired-version = "~=0.9.7"\n', "uv.lock": "version = 1\n"},
            "uv~=0.9.7",
            "/opt/uv/bin/pip install -q 'uv~=0.9.7' ",
        ),
        (
            {"pyproject.toml": UV_SERVICE, "uv.toml": 'required-version = "0.8.4"\n', "uv.lock": "version = 1\n"},
            "uv==0.8.4",
            "'uv==0.8.4' ",
        ),
        # mksmin/fastapi-url-shortener: requires-poetry; poetry 2.5 refused the project.
        (
            {
                "pyproject.toml": POETRY_SERVICE.replace("\n[", '\nrequires-poetry = ">=2.1.4,<2.2.0"\n[', 1),
                "poetry.lock": "[metadata]\n",
            },
            "poetry>=2.1.4,<2.2.0",
            "/opt/poetry/bin/pip install -q 'poetry>=2.1.4,<2.2.0' poetry-plugin-export ",
        ),
        ({"pyproject.toml": UV_SERVICE, "uv.lock": "version = 1\n"}, "", "/opt/uv/bin/pip install -q uv "),  # any uv
        # yoophi/todo-fastapi: a lock of poetry before 1.1 (no lock-version), which poetry 2 refuses and 1.8 reads
        (
            {"pyproject.toml": POETRY_SERVICE, "poetry.lock": '[metadata]\npython-versions = "^3.7"\n'},
            "poetry<2",
            "/opt/poetry/bin/pip install -q 'poetry<2' poetry-plugin-export ",
        ),
        (
            {"pyproject.toml": POETRY_SERVICE, "poetry.lock": '[metadata]\nlock-version = "2.0"\n'},
            "",
            "/opt/poetry/bin/pip install -q poetry poetry-plugin-export ",
        ),
    ],
)
def test_the_installer_is_the_version_the_project_requires(tmp_path, files, version, installed):
    repo = read_repository(written(tmp_path, {"svc/__init__.py": "", "svc/main.py": APP, **files}))
    assert repo.installer_version == version
    assert installed in dockerfile_text(repo, "/", False)
    assert not version or any(f", with {version} (from " in line for line in lines(repo))


def test_a_pyproject_that_is_not_toml_is_refused_in_one_line_naming_where(tmp_path):
    # SergeyBarshin/FastApi-booking-app: `include_trailing_comma = Itrue` in [tool.isort]; init ended in tomllib's traceback.
    from fastapi_stackops import StackError

    written(tmp_path, {"pyproject.toml": "[tool.isort]\nprofile = 'black'\ninclude_trailing_comma = Itrue\n", "main.py": APP})
    written(tmp_path, {"requirements.txt": "fastapi\n"})
    with pytest.raises(StackError) as refused:
        read_repository(tmp_path)
    assert str(refused.value).endswith(
        "pyproject.toml: not TOML (Invalid value (at line 3, column 26)): mend that line, then run init again"
    )


def test_an_old_locks_wildcard_after_an_ordering_operator_is_dropped_before_poetry_exports_it(tmp_path):
    # yevgenybulochnik/fastapi-tracker: its lock (format 1.1) gives python-pydebug 0.6 `>=3.*.*`; poetry 2 refused to
    # export it ("Invalid python versions '>=3.*.*'"), and the trial build stopped.
    lock = (
        '[[package]]\nname = "python-pydebug"\nversion = "0.6"\npython-versions = ">=3.*.*"\n\n'
        '[[package]]\nname = "six"\nversion = "1.16.0"\npython-versions = ">=2.7, !=3.0.*, !=3.1.*"\n\n'
        '[[package]]\nname = "x"\nversion = "1"\npython-versions = ">= 3.6.*, <4.0.*"\ndescription = "for >=3.*.*"\n'
    )
    files = {"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.9"\nfastapi = "*"\n', "poetry.lock": lock}
    repo = read_repository(written(tmp_path, files | {"main.py": APP}))
    assert UNWILDCARDED in dockerfile_text(repo, "/", False)
    subprocess.run(UNWILDCARDED, shell=True, check=True, cwd=tmp_path)
    mended = re.findall(r'^python-versions = "(.*)"$', (tmp_path / "poetry.lock").read_text(), re.M)
    assert mended == [">=3", ">=2.7, !=3.0.*, !=3.1.*", ">= 3.6, <4.0"]
    assert 'description = "for >=3.*.*"' in (tmp_path / "poetry.lock").read_text()
