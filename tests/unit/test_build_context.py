"""fastapi_stackops/adopt/build_context.py: what of the repository reaches the image."""

import pytest

from fastapi_stackops.adopt.build_context import code_paths, dockerignore_text
from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.reading import read_repository
from tests.unit.shapes import APP
from tests.utils import written


def test_a_src_folder_the_top_level_app_imports_as_a_package_is_copied_with_it(tmp_path):
    # aikiham82/react-fastapi-spainaikikai-admin: main.py runs `from src.app import create_app`, and src/ (no
    # __init__.py) was taken for a src layout's source root, never copied: "No module named 'src'" in the image.
    factory = "from fastapi import FastAPI\n\ndef create_app():\n    return FastAPI()\n"
    main = "from src.app import create_app\n\napp = create_app()\n"
    written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": main, "src/app.py": factory, "src/domain/user.py": ""})
    repo = read_repository(tmp_path)
    assert repo.app.reference == "main:app" and code_paths(repo) == ["main.py", "src"]


def test_an_app_in_a_top_level_module_copies_that_file(tmp_path):
    written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": "import database\n" + APP, "database.py": ""})
    assert code_paths(read_repository(tmp_path)) == ["main.py", "database.py"]


def test_an_app_outside_its_source_root_is_copied_beside_it(tmp_path):
    # Athroniaeth/fastapi-api-key: examples/example_fastapi.py served with src/ on its path; only src/ was copied, and
    # the image said "No module named 'examples'".
    files = {"requirements.txt": "fastapi\n", "src/keyshield/__init__.py": "", "examples/app.py": "import keyshield\n" + APP}
    assert code_paths(read_repository(written(tmp_path, files))) == ["src", "examples"]


@pytest.mark.parametrize(
    ("worker_file", "copied"),
    [
        ("worker.py", ["main.py", "worker.py"]),  # `arq worker.WorkerSettings`: a module the app never imports
        ("jobs/__init__.py", ["main.py", "jobs"]),  # a package of its own: copied as every top-level package is
    ],
)
def test_the_workers_module_is_copied_though_the_app_never_imports_it(tmp_path, worker_file, copied):
    worker = "class WorkerSettings:\n    functions = []\n"
    written(tmp_path, {"requirements.txt": "fastapi\narq\n", "main.py": APP, worker_file: worker})
    repo = read_repository(tmp_path)
    assert repo.worker.startswith("arq ") and code_paths(repo) == copied


@pytest.mark.parametrize(
    ("procfile", "copied"),
    [
        # edesz/fastapi-async-db-auth: its Procfile serves main:app, which re-exports apit's; init copied apit.py alone,
        # and gunicorn crash-looped at ci on "No module named 'main'".
        ("web: gunicorn -k uvicorn.workers.UvicornWorker main:app --bind 0.0.0.0:$PORT\n", ["apit.py", "main.py"]),
        ("web: uvicorn apit:app --port $PORT\n", ["apit.py"]),
    ],
)
def test_the_module_the_start_command_serves_is_copied(tmp_path, procfile, copied):
    files = {"requirements.txt": "fastapi\ngunicorn\n", "apit.py": APP, "main.py": "from apit import app\n", "Procfile": procfile}
    repo = read_repository(written(tmp_path, files))
    assert repo.app.reference == "apit:app" and repo.start and code_paths(repo) == copied


def test_a_namespace_package_whose_code_is_a_level_down_is_copied(tmp_path):
    main = "from api.v1.routes import router\n" + APP
    written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": main, "api/v1/routes.py": "router = None\n", "docs/x.md": ""})
    assert code_paths(read_repository(tmp_path)) == ["main.py", "api"]


@pytest.mark.parametrize("package", ["reports", "data"])
def test_a_package_of_the_apps_code_named_like_what_the_context_leaves_out_reaches_the_build(tmp_path, package):
    # derivative-programming/Farm-Py-SqlAlchemy-FastApi: its reports/ package was copied, and ignored, so the build failed.
    main = f"from {package}.listing import rows\n" + APP
    files = {"requirements.txt": "fastapi\n", "main.py": main, f"{package}/__init__.py": "", f"{package}/listing.py": ""}
    repo = read_repository(written(tmp_path, files))
    assert package in code_paths(repo)
    ignored = dockerignore_text(repo, "env").splitlines()
    assert package not in ignored and {"data", "reports"} - {package} <= set(ignored)


@pytest.mark.parametrize(("imports_its_tests", "copied"), [(True, ["main.py", "tests"]), (False, ["main.py"])])
def test_tests_the_apps_own_code_imports_are_code(tmp_path, imports_its_tests, copied):
    main = ("from tests.routes import probe\n" if imports_its_tests else "") + APP
    written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": main, "tests/__init__.py": "", "tests/routes.py": ""})
    repo = read_repository(tmp_path)
    assert code_paths(repo) == copied
    assert ("\ntests\n" in dockerignore_text(repo, "docker")) is not imports_its_tests


@pytest.mark.parametrize("suite", [True, False])
def test_a_test_image_keeps_the_tests_folder_whichever_folder_its_suite_is_in(tmp_path, suite):
    # joaoflaviosantos/fastapi-async-sqlmodel-boilerplate: its suite is in src/, its root conftest.py loads
    # `tests.conftest`; tests/ was kept out of the context, and the suite failed at ci: "No module named 'tests'".
    files = {"requirements.txt": "fastapi\n" + ("pytest\n" if suite else ""), "src/__init__.py": "", "src/main.py": APP}
    files |= {"conftest.py": 'pytest_plugins = ["tests.conftest"]\n', "tests/__init__.py": "", "tests/conftest.py": ""}
    repo = read_repository(written(tmp_path, files | {"src/core/tests/test_app.py": "def test_x():\n    pass\n"}))
    assert bool(repo.service_tests) is suite
    assert ("tests" in dockerignore_text(repo, "env").splitlines()) is not suite


def test_a_virtual_environment_committed_under_its_own_name_is_no_code_and_stays_out_of_the_build(tmp_path):
    # sokrat165/fastapi-async-postgres-api commits FastApi/ (pyvenv.cfg, lib/python3.12/site-packages): init read its
    # packages' settings classes and asyncpg's TLS code as the app's, and sent it all to the build.
    installed = "FastApi/lib/python3.12/site-packages"
    settings = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    token: str\n"
    files = {"requirements.txt": "fastapi\n", "main.py": APP, "FastApi/pyvenv.cfg": "home = /usr/bin\n"}
    repo = read_repository(written(tmp_path, files | {f"{installed}/kit/config.py": settings, f"{installed}/kit/app.py": APP}))
    assert repo.settings is None and repo.app.reference == "main:app"
    assert "FastApi" in dockerignore_text(repo, "env").splitlines()


def test_init_ignores_the_reports_ci_writes_and_the_build_cache_a_gitlab_job_keeps(tmp_path):
    from fastapi_stackops.adopt.writing import gitignore_change

    written(tmp_path, {".gitignore": "__pycache__/\n"})
    lines = gitignore_change(tmp_path).text.splitlines()
    assert lines[-3:] == ["*.local.env.docker", "reports/", ".stackops-build-cache/"]


def test_a_file_at_the_top_the_code_names_is_copied_with_it(tmp_path):
    # derivative-programming/Farm-Py-SqlAlchemy-FastApi: config.py reads config.ini at import; the image lacked it.
    # marcyo71/fastapi-backend: a committed app.db a script names; init copied it, and .dockerignore's *.db kept it out
    # of the context: "/app.db" not found, and the build failed. A database file is data, never copied.
    main = "import configparser\nconfig = configparser.ConfigParser()\nconfig.read('config.ini')\nDOC = 'README.md'\n"
    main += "DB = 'app.db'\n" + APP
    files = {"requirements.txt": "fastapi\n", "main.py": main, "config.ini": "[database]\n", "README.md": "", "gen.json": ""}
    files |= {"app.db": ""}
    repo = read_repository(written(tmp_path, files | {".env": "A=1\n"}))
    assert code_paths(repo) == ["main.py", "config.ini"]
    assert "COPY config.ini /srv/config.ini\n" in dockerfile_text(repo, "/", False)


@pytest.mark.parametrize(
    ("code", "copied"),
    [
        # shiningflash/fastapi-backend-starter-kit: fastapi-mail's TEMPLATE_FOLDER "./templates/email" was not in the image
        ('TEMPLATES = "./templates/email"\n', ["main.py", "templates"]),
        (
            'from fastapi.templating import Jinja2Templates\nT = Jinja2Templates(directory="templates")\n',
            ["main.py", "templates"],
        ),
        ('DB = "data/app.db"\nLOGS = "logs/app.log"\n', ["main.py"]),  # what it writes as it runs: never the image's
        # Nk3YQQ/fastapi-tracker-project: a committed file of such a folder, read by name (`joinpath("data", "x.json")`);
        # its suite failed on "No such file or directory: '/srv/data/employees.json'"
        ('from pathlib import Path\nSEED = Path(__file__).parent.joinpath("data", "seed.json")\n', ["main.py", "data"]),
        ('TAG = "tools/x"\n', ["main.py"]),  # a folder of code of its own (tools/run.py) is no data to read
        # lkadin/5-Crowns---Fastapi-HTMX: templates beside a helper script of theirs are still templates to read
        ('from jinja2 import FileSystemLoader\nL = FileSystemLoader("templates")\n', ["main.py", "templates"]),
        ("X = 1\n", ["main.py"]),
    ],
)
def test_a_folder_at_the_top_the_code_names_as_a_path_is_copied_with_it(tmp_path, code, copied):
    files = {"requirements.txt": "fastapi\n", "main.py": code + APP, "templates/email/invite.html": "", "data/seed.json": ""}
    files |= {"templates/render_client.py": ""}
    repo = read_repository(written(tmp_path, files | {"logs/.keep": "", "tools/run.py": ""}))
    assert code_paths(repo) == copied


@pytest.mark.parametrize(
    ("committed", "pattern"),
    [
        # ShahriyarR/hexagonal-fastapi-jobboard commits src/jobboard/configurator/.env: the image held it, and smoke's
        # "no forbidden files in image" failed inv ci on the image init had written.
        ("src/config/.env", "**/.env"),
        # VladiFinogenov/FastAPI-Warehouse-Management-Service reads its settings from a committed app/core/.env.docker,
        # a name smoke forbids in an image as stackops' own env files': so it failed inv ci
        ("app/core/.env.docker", "**/*.env.docker"),
    ],
)
def test_an_env_file_at_any_depth_stays_out_of_the_build(tmp_path, committed, pattern):
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": APP, committed: "A=1\n"}))
    assert pattern in dockerignore_text(repo, "env").splitlines()


def test_a_pyproject_whose_lines_end_in_stray_carriage_returns_is_read_as_everywhere_else(tmp_path):
    """hirenmistry87/fastapi-tortoise-mysql: `[tool.aerich]\r\r\n`; init read it whole once, then crashed reading it
    again for [tool.alembic] with a traceback."""
    (tmp_path / "pyproject.toml").write_bytes(b'[tool.aerich]\r\r\nlocation = "./migrations"\r\r\n')
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\nuvicorn\n", "main.py": APP}))
    assert "COPY main.py /srv/main.py" in dockerfile_text(repo, "/", False)


def test_the_migrations_folder_tool_aerich_names_is_copied_with_pyproject(tmp_path):
    """ZyphrZero/react-fastapi-admin runs aerich's upgrade as it starts, from [tool.aerich]'s ./migrations: the image
    had neither, and the app's first query found no table."""
    pyproject = '[project]\nname = "svc"\nversion = "1"\ndependencies = ["fastapi", "uvicorn", "tortoise-orm", "aerich"]\n'
    pyproject += '\n[tool.aerich]\ntortoise_orm = "app.settings.TORTOISE_ORM"\nlocation = "./migrations"\n'
    files = {"pyproject.toml": pyproject, "app/__init__.py": "", "app/main.py": APP, "migrations/models/0_init.py": ""}
    paths = code_paths(read_repository(written(tmp_path, files)))
    assert "migrations" in paths and "pyproject.toml" in paths


@pytest.mark.parametrize(
    ("files", "copies"),
    [
        # pydemia/fastapi-admin-auth: requirements.txt begins `-r requirements-preinstall.txt`; the builder copied
        # requirements.txt alone, and pip stopped on "Could not open requirements file".
        (
            {"requirements.txt": "-r requirements-preinstall.txt\nfastapi\n", "requirements-preinstall.txt": "wheel\n"},
            ["COPY requirements.txt ./", "COPY requirements-preinstall.txt ./requirements-preinstall.txt"],
        ),
        (
            {
                "requirements.txt": "--requirement=requirements/base.txt\n-c constraints.txt\nfastapi\n",
                "requirements/base.txt": "-r common.txt\nuvicorn\n",
                "requirements/common.txt": "pydantic\n",
                "constraints.txt": "pydantic<3\n",
            },
            [
                "COPY requirements.txt ./",
                "COPY requirements/base.txt ./requirements/base.txt",
                "COPY requirements/common.txt ./requirements/common.txt",
                "COPY constraints.txt ./constraints.txt",
            ],
        ),
        ({"requirements.txt": "-r missing.txt\nfastapi\n"}, ["COPY requirements.txt ./"]),  # pip's own words, then
    ],
)
def test_the_files_a_top_level_requirements_file_includes_are_copied_where_it_reads_them(tmp_path, files, copies):
    dockerfile = dockerfile_text(read_repository(written(tmp_path, {"main.py": APP, **files})), "/health", False)
    builder = dockerfile.split(" AS builder\n", 1)[1].split("\nFROM ", 1)[0]
    assert [line for line in builder.splitlines() if line.startswith("COPY ")] == copies, builder
