"""adopt/import_failure.py and the ImportFailed it makes: each cause the corpus showed, as one line a user can act on."""

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from fastapi_stackops import StackError
from fastapi_stackops.adopt.failure_advice import advice
from fastapi_stackops.adopt.first_start import lessons
from fastapi_stackops.adopt.import_failure import Failure, cause
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.routes import ImportFailed
from tests.utils import written

BARE = Path(__file__).resolve().parents[1] / "fixtures" / "bare"
LOCAL = {"app", "app.core", "tests"}  # app.core: held, as local_modules says of a failure naming it


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        (
            Failure("SyntaxError", "invalid decimal literal", "/srv/app/api/roles.py", 41, ">>>>>>> 41ea131 (Add roles)"),
            "app/api/roles.py line 41 holds a merge-conflict marker (>>>>>>>): resolve the conflict and commit",
        ),
        (
            Failure("SyntaxError", "invalid syntax", "/srv/app/main.py", 3, "match x:"),
            "app/main.py line 3 is not valid Python here (invalid syntax): if it needs a newer Python, give it with --python",
        ),
        (
            Failure("ModuleNotFoundError", "No module named 'slowapi'", "/srv/app/__init__.py", 10, name="slowapi"),
            "app/__init__.py line 10 imports slowapi, which none of its dependencies installs: "
            "add the package providing it to requirements.txt",
        ),
        # rim-nova/fastapi-ml-interview: a model's column named `metadata`, which SQLAlchemy reserves; init advised --set
        (
            Failure(
                "InvalidRequestError",
                "Attribute name 'metadata' is reserved when using the Declarative API.",
                "/srv/app/models/item.py",
                40,
                library="sqlalchemy 2.0.36",
            ),
            "app/models/item.py line 40: InvalidRequestError: Attribute name 'metadata' is reserved when using the "
            "Declarative API: SQLAlchemy refuses the models as the code writes them, whatever it is given: fix them, and commit",
        ),
        # kxankit717/FastAPI-Video-Backend: `mp.solutions`, which mediapipe's later releases dropped; the advice was --set
        (
            Failure("AttributeError", "module 'mediapipe' has no attribute 'solutions'", "/srv/landmark/draw.py", 5),
            "landmark/draw.py line 5: the installed mediapipe has no solutions, which a later release dropped or moved: "
            "pin the mediapipe the code was written for in requirements.txt",
        ),
        (
            Failure("AttributeError", "module 'cv2' has no attribute 'dnn'", "/srv/main.py", 3),
            "main.py line 3: the installed cv2 has no dnn, which a later release dropped or moved: pin the "
            "opencv-python-headless the code was written for in requirements.txt",
        ),
        (Failure("AttributeError", "module 'app.core' has no attribute 'x'", "/srv/main.py", 3), ""),  # its own module
        # nipeone/fastapi_backend_template: `settings.MYSQL_DB` beside its declared MYSQL_DATABASE; init said a pydantic
        # release was at fault, and to pin the one the code was written for
        (
            Failure(
                "AttributeError", "'Settings' object has no attribute 'MYSQL_DB'", "/srv/db.py", 29, library="pydantic 2.7.1"
            ),
            "db.py line 29 reads MYSQL_DB of its Settings, which declares no such field (pydantic raised it, not a "
            "release's fault): declare MYSQL_DB in Settings, or read the field it does declare",
        ),
        # PRATANGGA/fastapi-vote: an editor's `from tkinter import CASCADE`; init said to add a package for it
        (
            Failure("ModuleNotFoundError", "No module named 'tkinter'", "/srv/app/models.py", 1, name="tkinter"),
            "app/models.py line 1 imports tkinter, the standard library's GUI toolkit, which a server's image leaves out: "
            "drop the import (editors add one unasked)",
        ),
        (
            Failure("ModuleNotFoundError", "No module named 'imghdr'", "/srv/app/files.py", 2, name="imghdr"),
            "app/files.py line 2 imports imghdr, which Python 3.13 removed from the standard library: give init --python "
            "3.12, or move the code off it",
        ),
        (
            Failure(
                "PydanticImportError",
                "`BaseSettings` has been moved to the `pydantic-settings` package. See https://...",
                "/srv/app/config.py",
                2,
                pydantic="2.9.2",
            ),
            "app/config.py line 2 is written for pydantic 1 (`BaseSettings` has been moved to the `pydantic-settings` "
            "package), and pydantic 2.9.2 was installed: pin pydantic<2 in requirements.txt, or move the code to pydantic 2",
        ),
        (
            Failure(
                "PydanticUserError",
                "`TypeAdapter[Annotated[ForwardRef('TaskCreate'), FieldInfo()]]` is not fully defined; you should define",
                "/srv/app/routes.py",
                12,
                pydantic="2.12.0",
            ),
            "app/routes.py line 12: pydantic 2.12.0 cannot resolve a forward reference (TaskCreate) in its models: "
            "pin the fastapi and pydantic versions the code was written for in requirements.txt",
        ),
        (
            Failure("TypeError", "build_app() missing 1 required positional argument: 'settings'", "/srv/app/main.py", 0),
            "app/main.py line 0: the factory needs an argument ('settings'); name the app object instead with "
            "--app module:attribute, or give the factory's parameters defaults",
        ),
        (  # a monorepo's sibling folder: init ran in the wrong one
            Failure("ModuleNotFoundError", "No module named 'db'", "/srv/main.py", 5, name="db"),
            "main.py line 5 imports db, which lies outside the service's folder (../db): run init from the folder that holds both",
        ),
        # The repository's own module, not found: a path problem, said by the app's own words and the generic advice.
        (Failure("ModuleNotFoundError", "No module named 'app.core'", "/srv/app/main.py", 1, name="app.core"), ""),
        (  # one the repository does not hold at all (0Ankit0/fastapi_template: a module renamed, an import left)
            Failure("ModuleNotFoundError", "No module named 'app.core.jobs'", "/srv/app/main.py", 2, name="app.core.jobs"),
            "app/main.py line 2 imports app.core.jobs, which the repository does not hold (no app/core/jobs.py): "
            "fix the import, or commit the module",
        ),
        (Failure("ValidationError", "1 validation error for Settings", "/srv/app/config.py", 9), ""),
        (  # point-krapka/fastapi-url-shortener: a module of a package never committed; init sent its user to --set and --app
            Failure(
                "ImportError",
                "cannot import name 'manage_link' from 'app.site' (/srv/app/site/__init__.py)",
                "/srv/main.py",
                9,
            ),
            "main.py line 9 imports app.site.manage_link, which the repository does not hold (no app/site/manage_link.py): "
            "fix the import, or commit the module",
        ),
        (  # a circular import's half-made module: the code's own order, not a missing file
            Failure(
                "ImportError",
                "cannot import name 'db' from partially initialized module 'app.core' (most likely due to a circular import) "
                "(/srv/app/core/__init__.py)",
                "/srv/main.py",
                2,
            ),
            "",
        ),
        (Failure("ImportError", "cannot import name 'x' from 'fastapi' (/opt/venv/lib/fastapi/__init__.py)", "/srv/m.py", 1), ""),
        (  # SimenRoisi/fastapi-llm-starter: a name its own module never defined; init sent its user to --set and --app
            Failure(
                "ImportError", "cannot import name 'get_async_db' from 'app.db' (/srv/app/db.py)", "/srv/app/rag_endpoints.py", 12
            ),
            "app/rag_endpoints.py line 12 imports get_async_db from app/db.py, which does not define it: fix the import, "
            "or commit the code",
        ),
        (Failure("ImportError", "cannot import name 'x' from 'jose' (/opt/venv/lib/jose/jwt.py)", "/srv/m.py", 1), ""),
        (  # ba-lambert/fastapi-library-api: pwdlib's own exception over the argon2 its requirements lack
            Failure(
                "HasherNotAvailable",
                "The argon2 hash algorithm is not available. Are you sure it's installed? Try `pip install pwdlib[argon2]`.",
                "/srv/app/utils/security.py",
                20,
                root="ModuleNotFoundError: No module named 'argon2'",
            ),
            "app/utils/security.py line 20: The argon2 hash algorithm is not available. Are you sure it's installed? Try "
            "`pip install pwdlib[argon2]`: none of its dependencies installs argon2; add it to requirements.txt",
        ),
        (  # the repository's own module, a chain's first: not a dependency's
            Failure("RuntimeError", "startup failed", "/srv/app/main.py", 3, root="ModuleNotFoundError: No module named 'app.x'"),
            "",
        ),
        (  # hdungng/fastapi-clean-architecture: EmailStr, and no email-validator among its requirements; init sent its
            # user to --set and --app
            Failure(
                "ImportError",
                "email-validator is not installed, run `pip install 'pydantic[email]'`",
                "/srv/app/dtos.py",
                5,
                root="ModuleNotFoundError: No module named 'email_validator'",
            ),
            "app/dtos.py line 5: email-validator is not installed, run `pip install 'pydantic[email]'`: none of its "
            "dependencies installs email_validator; add it to requirements.txt",
        ),
        (  # neltia/fastapi-redis-manage: Starlette's own words over the jinja2 its requirements lack; init sent its user
            # to --set and --app
            Failure("AssertionError", "jinja2 must be installed to use Jinja2Templates", "/srv/app/ui/ui_controller.py", 7),
            "app/ui/ui_controller.py line 7: jinja2 must be installed to use Jinja2Templates: none of its dependencies "
            "installs jinja2; add it to requirements.txt",
        ),
    ],
)
def test_the_cause_of_an_import_failure(failure, said):
    assert cause(failure, "requirements.txt", LOCAL, {"db": "../db", "app": "../app"}) == said


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ("OSError: [Errno 30] Read-only file system: '/srv/app/logs'", "it writes /srv/app/logs beside its code at import"),
        ("Can't connect to MySQL server on 'localhost'", "read it from a variable (os.getenv"),
        ("RuntimeError: Frontend directory '/srv/app/frontend' does not exist.", "it needs the folder app/frontend, which"),
        ("RuntimeError: Directory 'static' does not exist", "it needs the folder static, which the repository does not"),
        (  # the traceback quotes the library's own line before its message: the folder is the message's
            "raise RuntimeError(f\"Directory '{directory}' does not exist\")\nRuntimeError: Directory '/srv/static' does not exist",
            "it needs the folder static, which",
        ),
        # morikeli/fastapi-sqlmodel: fastapi-mail's TEMPLATE_FOLDER, a folder the repository does not commit.
        (
            "ValidationError: 1 validation error for ConnectionConfig TEMPLATE_FOLDER Path does not point to a directory "
            "[type=path_not_directory, input_value=PosixPath('/srv/templates'), input_type=PosixPath]",
            "it needs the folder templates, which",
        ),
        ("pydantic ValidationError: 1 validation error for Settings", "give it with --set NAME=VALUE"),
        # urf2fwtmwstw/fastapi-application: a key pair its Makefile makes, read at import; --set was no advice for it.
        (
            "FileNotFoundError: [Errno 2] No such file or directory: '/srv/certs/private.pem'",
            "it opens certs/private.pem at import, a file the repository does not hold",
        ),
        ("FileNotFoundError: [Errno 2] No such file or directory: 'data/cities.csv'", "it opens data/cities.csv at"),
        ("No such file or directory: '/usr/share/zoneinfo/Nowhere'", "give it with --set"),  # not the repository's
        # rogers1992/fastapi-backend-pb: its database's init script failed; --set was no advice for that
        (
            "dependency failed to start: container x-postgres-1 is unhealthy; x-postgres-1 says: psql:init.sql:9: ERROR: x",
            "a service the app depends on never started, for the reason it gives",
        ),
        ("dependency failed to start: container x-postgres-1 is unhealthy", "give it with --set"),  # no reason given
        # m-aamir95/fastapi-ml-service: a model fetched from its hub at import, where no name resolves; --set was no advice
        (
            "OSError: We couldn't connect to 'https://huggingface.co' to load this file, couldn't find it in the cached "
            "files (from gaierror: [Errno -2] Name or service not known)",
            "it reaches huggingface.co as it loads, and no name resolves from here: have it fetch at first use",
        ),
        ('could not translate host name "db" to address: Name or service not known', "give it with --set"),
        # kameshrathore/fastapi-student-api: a host its config.py writes ('enter'); advised as if it reached the
        # internet at sqlalche.me, the link SQLAlchemy's error ends with.
        (
            'OperationalError: (psycopg2.OperationalError) could not translate host name "enter" to address: Name or '
            "service not known (Background on this error at: https://sqlalche.me/e/20/e3q8)",
            "it connects at import to a database at enter, a host nothing here answers to",
        ),
    ],
)
def test_advice_from_last_words_alone(words, said):
    assert said in advice(words)


@pytest.mark.parametrize(
    ("words", "unreached", "writable"),
    [
        ("OSError: [Errno 30] Read-only file system: '/srv/app/logs'", False, "/srv/app/logs"),
        ("(2003, \"Can't connect to MySQL server on 'localhost' ([Errno 99] Cannot assign requested address)\")", True, ""),
        ("ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 5432)", True, ""),
        # zxiaosi/vue3-fastapi: mysqlclient's words for a host that does not resolve (its default, the name of its own
        # Compose service), when its module creates tables at import
        ("OperationalError: (MySQLdb.OperationalError) (2005, \"Unknown server host 'mariadb' (-2)\")", True, ""),
        ("pydantic ValidationError: 1 validation error for Settings", False, ""),
        ("FileNotFoundError... OSError: [Errno 30] Read-only file system: 'logs'", False, "logs"),  # relative to /srv
    ],
)
def test_an_import_failure_says_what_the_next_try_learns(words, unreached, writable):
    failed = ImportFailed(read_repository(BARE / "uv-src-factory"), words)
    assert (failed.unreached, failed.read_only_path) == (unreached, writable)
    assert "\n" not in str(failed)


def test_a_failure_whose_own_text_spans_lines_is_said_in_one():
    repo = read_repository(BARE / "requirements-psycopg2-sync")
    text = "(2003, \"Can't connect to MySQL server on 'db.internal'\")\n(Background on this error at: https://sqlalche.me/e/20)"
    failure = Failure("OperationalError", text, "/srv/models.py", 32)
    said = str(ImportFailed(repo, f"OperationalError: {text}", failure))
    assert "\n" not in said and "on 'db.internal'\") (Background on this error" in said


def test_a_failure_whose_library_writes_a_screen_is_said_by_its_first_sentence_once():
    # sajanv88/full_stack_fastapi_react_template: GitPython's 700-character message, said twice (its chain's root too)
    words = "Bad git executable.\nThe git executable must be specified in one of the following ways:\n" + "- be set\n" * 80
    failure = Failure("ImportError", f"Failed to initialize: {words}", "/srv/api/repo.py", 2, root=f"ImportError: {words}")
    assert failure.said == "api/repo.py line 2: ImportError: Failed to initialize: Bad git executable."
    short = Failure("ValueError", "bad value", "/srv/a.py", 1, root="KeyError: 'X'")
    assert short.said == "a.py line 1: ValueError: bad value (from KeyError: 'X')"  # a root that says more stays


def test_a_reported_failure_is_one_line_naming_the_dependency_file():
    repo = read_repository(BARE / "requirements-psycopg2-sync")
    failure = Failure("ModuleNotFoundError", "No module named 'slowapi'", "/srv/main.py", 3, name="slowapi")
    said = str(ImportFailed(repo, "ModuleNotFoundError: No module named 'slowapi'", failure))
    assert said.endswith(
        f"main.py line 3 imports slowapi, which none of its dependencies installs: add the package "
        f"providing it to {repo.requirements}"
    )
    assert "--set" not in said


def test_a_module_a_release_of_an_installed_package_lacks_is_said_as_the_release_not_the_package():
    # Madi-S/fastapi-celery-template: socketio.asyncio_namespace, gone from the python-socketio its pins install; init
    # said no dependency installs socketio, which one did.
    repo = read_repository(BARE / "requirements-psycopg2-sync")
    name = "socketio.asyncio_namespace"
    failure = Failure("ModuleNotFoundError", f"No module named '{name}'", "/srv/main.py", 3, name=name)
    said = str(ImportFailed(repo, f"ModuleNotFoundError: No module named '{name}'", failure))
    assert said.endswith(
        f"main.py line 3 imports {name}, which the installed socketio lacks: pin the socketio the code was written for in {repo.requirements}"
    )


@pytest.mark.parametrize(("module", "package"), [("pkg_resources", "setuptools"), ("yaml", "PyYAML"), ("jwt", "PyJWT")])
def test_a_module_whose_distribution_has_another_name_is_said_by_the_name_to_add(module, package):
    repo = read_repository(BARE / "requirements-psycopg2-sync")
    failure = Failure("ModuleNotFoundError", f"No module named '{module}'", "/srv/main.py", 3, name=module)
    said = str(ImportFailed(repo, f"ModuleNotFoundError: No module named '{module}'", failure))
    assert said.endswith(
        f"imports {module}, which none of its dependencies installs: add {package}, which provides it, to {repo.requirements}"
    )


def test_a_dependency_pyproject_declares_and_the_lock_lacks_is_said_as_a_lock_older_than_the_file(tmp_path):
    shutil.copytree(BARE / "uv-src-factory", tmp_path / "repo")
    repo = read_repository(tmp_path / "repo")  # before slowapi is declared: init refuses such a lock before any build
    project = tmp_path / "repo" / "pyproject.toml"
    project.write_text(project.read_text().replace('"fastapi>=0.110",', '"fastapi>=0.110",\n    "slowapi>=0.1.9",'))
    repo = replace(repo, dependencies=(*repo.dependencies, "slowapi"))
    failure = Failure("ModuleNotFoundError", "No module named 'slowapi'", "/srv/src/main.py", 9, name="slowapi")
    said = str(ImportFailed(repo, "ModuleNotFoundError: No module named 'slowapi'", failure))
    assert said.endswith(
        "src/main.py line 9 imports slowapi, which pyproject.toml declares and uv.lock does not pin: the lock is older "
        "than pyproject.toml; lock again (uv lock) and commit it"
    )


def test_what_an_import_failure_teaches_the_next_try_reaches_the_files_init_writes():
    from fastapi_stackops.adopt.app_environment import app_environment, secret_variables
    from fastapi_stackops.adopt.first_start import learned
    from fastapi_stackops.adopt.image import dockerfile_text
    from fastapi_stackops.adopt.init import setup_for

    setup = setup_for(read_repository(BARE / "uv-src-factory"), system_ca=False)
    env_file = "FileNotFoundError: Config file '/srv/src/app/core/../../.env' not found."
    setup, _ = learned(setup, ImportFailed(setup.repo, env_file), False)
    assert setup.repo.placeholders == ("/srv/src/.env",)
    assert "RUN mkdir -p /srv/src && touch /srv/src/.env" in dockerfile_text(setup.repo, "/", False)
    # A folder another build makes (a frontend's static/), which the app mounts at import: empty in the image, and said.
    setup, _ = learned(setup, ImportFailed(setup.repo, "RuntimeError: Directory 'static' does not exist"), False)
    assert setup.repo.folders == ("/srv/static",) and "static, empty in the image" in setup.repo.findings[-1].value
    assert "RUN mkdir -p /srv/src /srv/static && touch /srv/src/.env" in dockerfile_text(setup.repo, "/", False)
    missing = "KeyError: \"Config 'JWT_SIGNING_KEY' is missing, and has no default.\""
    setup, _ = learned(setup, ImportFailed(setup.repo, missing), False)
    assert "JWT_SIGNING_KEY" in secret_variables(setup.repo)
    assert app_environment(setup.repo)["JWT_SIGNING_KEY"].startswith("${JWT_SIGNING_KEY?")
    with pytest.raises(ImportFailed):  # the same failure again teaches nothing: it is the app's own
        learned(setup, ImportFailed(setup.repo, missing), False)
    # A variable learned at import whose name says it is a URL gets one, not a secret its validator refuses.
    setup, _ = learned(setup, ImportFailed(setup.repo, "KeyError: 'PUBLIC_BASE_URL'"), False)
    assert app_environment(setup.repo)["PUBLIC_BASE_URL"] == "${PUBLIC_BASE_URL-http://localhost:8000}"
    assert "PUBLIC_BASE_URL" not in secret_variables(setup.repo)
    # A generated value its type refused gets a value of that type, as --set would give it.
    setup, _ = learned(setup, ImportFailed(setup.repo, "KeyError: 'TRUST_PROXY_HEADERS'"), False)
    refused = "TRUST_PROXY_HEADERS\n  Input should be a valid boolean, unable to interpret input [type=bool_parsing"
    setup, _ = learned(setup, ImportFailed(setup.repo, refused), False)
    assert "${TRUST_PROXY_HEADERS-false}" in app_environment(setup.repo)["TRUST_PROXY_HEADERS"]
    assert "TRUST_PROXY_HEADERS" not in secret_variables(setup.repo)
    with pytest.raises(ImportFailed):  # refused again with that value: the app's own
        learned(setup, ImportFailed(setup.repo, refused), False)
    # A made-up value the app's own check refuses, quoting it, gets the local one of the members the check lists.
    refused = "ValueError: Invalid environment: ci-0123456789abcdef. It must be production, development (case-sensitive)"
    setup, _ = learned(setup, ImportFailed(setup.repo, "KeyError: 'SECRET_KEY'"), False)
    setup, _ = learned(setup, ImportFailed(setup.repo, refused), False, {"SECRET_KEY": "ci-0123456789abcdef"})
    assert "${SECRET_KEY-development}" in app_environment(setup.repo)["SECRET_KEY"]


#: Plain pydantic models fed os.environ, one per concern: each lists every field it lacks, and the output's last lines
#: hold only the last of them.
MODELS_FED_THE_ENVIRONMENT = "ValidationError: 5 validation errors for StoreConfig\n" + "\n".join(
    f"{name}\n  Field required [type=missing, input_value={{'PATH': '/opt/venv/bin', 'HOME': '/'}}, input_type=dict]"
    for name in ("REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "POSTGRES_HOST", "POSTGRES_PASSWORD")
)


def test_a_first_start_teaches_every_missing_field_at_once_and_wires_those_naming_the_stack():
    from fastapi_stackops.adopt.app_environment import app_environment, secret_variables
    from fastapi_stackops.adopt.first_start import learned
    from fastapi_stackops.adopt.init import setup_for

    setup = setup_for(read_repository(BARE / "postgres-redis-worker"), system_ca=False)
    last_lines = MODELS_FED_THE_ENVIRONMENT.splitlines()[-1]
    failure = Failure("ValidationError", MODELS_FED_THE_ENVIRONMENT.split(": ", 1)[1])
    setup, _ = learned(setup, ImportFailed(setup.repo, last_lines, failure), False)
    assert setup.repo.required == ("REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "POSTGRES_HOST", "POSTGRES_PASSWORD")
    environment = app_environment(setup.repo)
    assert environment["REDIS_HOST"] == "redis" and environment["REDIS_PORT"] == "6379"
    assert environment["POSTGRES_HOST"] == "${POSTGRES_HOST-postgres}"
    assert environment["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD-${POSTGRES_PASSWORD}}"
    assert not {"REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "POSTGRES_HOST"} & set(secret_variables(setup.repo))


@pytest.mark.parametrize(
    ("words", "learned"),
    [
        # A file in the code's own folder: a link into /tmp, as a tmpfs there would hide the code.
        ("OSError: [Errno 30] Read-only file system: '/srv/app.log'", ("linked", "/srv/app.log")),
        ("OSError: [Errno 30] Read-only file system: 'app.log'", ("linked", "/srv/app.log")),  # relative to /srv
        ("OSError: [Errno 30] Read-only file system: '/srv/20261202_1.log'", None),  # a name made at run time
        # Deeper down: the folder becomes a tmpfs.
        ("OSError: [Errno 30] Read-only file system: '/srv/app/logs/x.log'", ("writable", "/srv/app/logs")),
        ("OSError: [Errno 30] Read-only file system: '/srv/app/logs'", ("writable", "/srv/app/logs")),
        # A log file in a folder the image lacks (logs/ holds no Python): the folder, writable.
        ("FileNotFoundError: [Errno 2] No such file or directory: '/srv/logs/app.log'", ("writable", "/srv/logs")),
        # leejianrong/fastapi-notes: logging's file handler at /var/log/app/app.jsonl ("Unable to configure handler")
        ("FileNotFoundError: [Errno 2] No such file or directory: '/var/log/app/app.jsonl'", ("writable", "/var/log/app")),
        ("FileNotFoundError: [Errno 2] No such file or directory: '/var/log/svc/events.txt'", ("writable", "/var/log/svc")),
        ("FileNotFoundError: [Errno 2] No such file or directory: '/var/log/svc/events'", None),  # a file or a folder?
        ("FileNotFoundError: [Errno 2] No such file or directory: '/srv/config/app.yaml'", None),  # read, not written
        # Milon34/fastapi-newsapp: its log file beside the code, which the app's user may not write (a root-owned
        # folder); the refusal quoted the PermissionError.
        ("PermissionError: [Errno 13] Permission denied: '/srv/app_logs_dev.log'", ("linked", "/srv/app_logs_dev.log")),
        ("PermissionError: [Errno 13] Permission denied: '/etc/app.conf'", None),  # not under the code
    ],
)
def test_a_read_only_path_is_learned_as_a_link_or_a_tmpfs(words, learned):
    repo = read_repository(BARE / "uv-src-factory")
    failed = ImportFailed(repo, words)
    assert [(name, value) for name, value, _ in lessons(failed, repo) if value] == ([learned] if learned else [])


READ_ONLY = "OSError: [Errno 30] Read-only file system: '{}'"
NO_FOLDER = "RuntimeError: Directory '{}' does not exist"


@pytest.mark.parametrize(
    ("words", "path", "field"),
    [
        # tyvekzhang/fastapi-sqlmodel-starter: loguru writes `../log/fast_web/log.txt` from the code's folder, /log;
        # init refused it ("beside its code") although a tmpfs there is all it needs.
        (READ_ONLY, "/log", "writable"),
        (READ_ONLY, "/var/log/app", "writable"),
        (READ_ONLY, "/srv/app/logs", "writable"),
        (READ_ONLY, "/etc/app", ""),  # the image's own: never the app's to have
        (READ_ONLY, "/usr/share/app", ""),
        # hafid-Qa/FastApi-social-media-API: `StaticFiles(directory="/files")`, a volume its own compose file gave it;
        # init refused the app ("it needs the folder /files"): a folder of its own, made empty in the image.
        (NO_FOLDER, "/files", "folders"),
        (NO_FOLDER, "/etc/app", ""),
    ],
)
def test_a_folder_the_app_needs_outside_its_code_is_its_own_unless_the_systems(words, path, field):
    from fastapi_stackops.adopt.first_start import learned
    from fastapi_stackops.adopt.image import dockerfile_text
    from fastapi_stackops.adopt.init import setup_for

    setup = setup_for(read_repository(BARE / "uv-src-factory"), system_ca=False)
    failed = ImportFailed(setup.repo, words.format(path))
    if not field:
        with pytest.raises(ImportFailed):
            learned(setup, failed, False)
        return
    setup, _ = learned(setup, failed, False)
    assert getattr(setup.repo, field) == (path,)
    assert field != "folders" or f"RUN mkdir -p {path}" in dockerfile_text(setup.repo, "/", False)


@pytest.mark.parametrize(
    ("message", "learned"),
    [
        ("storage var/storage is not writable: [Errno 30] Read-only file system: 'var'", ("writable", ("/srv/var",))),
        ("APP_AUTH_JWT_SECRET_KEY is required at startup", ("required", ("APP_AUTH_JWT_SECRET_KEY",))),
        # The stack's to show: the probe started no database; asking again with it up would slow every init.
        ("[Errno 111] Connection refused", None),
        ("the scheduler could not start", None),
    ],
)
def test_a_failed_startup_teaches_what_an_import_failure_would_and_else_leaves_the_routes(message, learned):
    from fastapi_stackops.adopt.first_start import taught_by_startup
    from fastapi_stackops.adopt.init import setup_for

    setup = setup_for(read_repository(BARE / "postgres-redis-worker"), system_ca=False)
    asked = {"routes": [], "startup": {"kind": "RuntimeError", "message": message, "file": "/srv/app/main.py", "line": 9}}
    taught = taught_by_startup(setup, asked)
    if learned is None:
        assert taught is None
    else:
        field, value = learned
        assert getattr(taught.repo, field) == value
    assert taught_by_startup(setup, {"routes": [], "startup": None}) is None


@pytest.mark.parametrize(
    ("kind", "file", "library", "refused"),
    [
        # davidscmx/fastapi-email-newsletter: its startup schedules a job it never defines; it crash-looped under inv ci
        ("NameError", "/srv/main.py", "", True),
        ("UnboundLocalError", "/srv/main.py", "", False),  # may follow from a service the probe runs without
        ("NameError", "/opt/venv/lib/python3.12/site-packages/x/y.py", "x 1.0", False),  # a release's, not the app's
    ],
)
def test_a_startup_using_a_name_the_code_never_defines_is_refused_in_one_line(kind, file, library, refused):
    from fastapi_stackops.adopt.first_start import taught_by_startup
    from fastapi_stackops.adopt.init import setup_for

    setup = setup_for(read_repository(BARE / "postgres-redis-worker"), system_ca=False)
    failure = {"kind": kind, "message": "name 'send_digest' is not defined", "file": file, "line": 29, "library": library}
    if not refused:
        assert taught_by_startup(setup, {"routes": [], "startup": failure}) is None
        return
    with pytest.raises(
        StackError, match=r"^the app's startup fails in its own code.*main.py line 29: NameError: name 'send_digest'"
    ):
        taught_by_startup(setup, {"routes": [], "startup": failure})


def test_a_librarys_field_refusing_an_empty_setting_gets_a_value_through_the_setting_that_fed_it(tmp_path):
    """0Ankit0/fastapi_template: fastapi-mail's config, made at import, refuses MAIL_FROM, which the app's own
    `EMAIL_FROM_ADDRESS: str = ""` fed it; setting MAIL_FROM would change nothing."""
    from fastapi_stackops.adopt.first_start import learned
    from fastapi_stackops.adopt.init import setup_for

    (tmp_path / "requirements.txt").write_text("fastapi\npydantic-settings\nfastapi-mail\n")
    (tmp_path / "main.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n")
    (tmp_path / "config.py").write_text(
        "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
        '    EMAIL_FROM_ADDRESS: str = ""\n    EMAIL_HOST: str = ""\n    SECRET_KEY: str\n'
    )
    setup = setup_for(read_repository(tmp_path), system_ca=False)
    refused = "1 validation error for ConnectionConfig\nMAIL_FROM\n  value is not a valid email address: An email address must have an @-sign."
    setup, _ = learned(setup, ImportFailed(setup.repo, refused), False)
    assert setup.repo.given == {"EMAIL_FROM_ADDRESS": "ci@example.com"}
    # The app's own field refused is itself, whatever else holds its words.
    setup, _ = learned(setup, ImportFailed(setup.repo, "SECRET_KEY\n  value is not a valid email address"), False)
    assert setup.repo.given["SECRET_KEY"] == "ci@example.com" and "EMAIL_HOST" not in setup.repo.given


def test_the_modules_a_failure_names_are_held_as_far_as_the_repository_has_them():
    from fastapi_stackops.adopt.routes import local_modules

    repo = read_repository(BARE / "uv-src-factory")
    held = local_modules(repo, "tracklens.store.nowhere")
    assert {"tracklens", "tracklens.store"} <= held and "tracklens.store.nowhere" not in held


def test_an_apps_bare_assert_on_a_name_teaches_the_variable_read_into_it(tmp_path):
    """BUTCHHO/fastapi_storage: `assert cls.COOKIE_TTL is not None`, of `COOKIE_TTL = getenv("COOKIE_TTL_SECONDS")`:
    the failure names no variable, its line names the attribute the variable was read into."""
    from fastapi_stackops.adopt.first_start import unset

    (tmp_path / "requirements.txt").write_text("fastapi\n")
    (tmp_path / "main.py").write_text("from fastapi import FastAPI\nimport config\n\napp = FastAPI()\n")
    (tmp_path / "config.py").write_text(
        "from os import getenv\n\n\nclass Config:\n    STORE_DIR = getenv('STORE_DIR')\n"
        "    COOKIE_TTL = getenv('COOKIE_TTL_SECONDS')\n    TITLE = getenv('TITLE', 'files')\n\n"
        "    @classmethod\n    def check(cls):\n        assert cls.COOKIE_TTL is not None\n        assert cls.TITLE\n\n\n"
        "Config.check()\n"
    )
    repo = read_repository(tmp_path)
    at = [ImportFailed(repo, "AssertionError", Failure("AssertionError", "", "/srv/config.py", n)) for n in (11, 12)]
    assert unset(at[0], repo) == ("COOKIE_TTL_SECONDS",)
    assert unset(at[1], repo) == ()  # a read with a default: the app's own check, nothing to learn


def test_a_library_assert_on_a_setting_the_apps_line_hands_on_empty_teaches_that_setting(tmp_path):
    """My-Wang825/FastApi-Poetry: `FastAPI(title=configs.APP_TITLE)`, of `APP_TITLE: str = os.getenv("APP_TITLE")` in
    another module: FastAPI's own assert ("A title must be provided for OpenAPI") on the app's line."""
    from fastapi_stackops.adopt.first_start import unset

    config = "import os\n\nclass Config:\n    APP_TITLE: str = os.getenv('APP_TITLE')\n    NAME = os.getenv('NAME', 'x')\n\nconfigs = Config()\n"
    main = "from fastapi import FastAPI\nfrom config import configs\n\napp = FastAPI(title=configs.APP_TITLE, version=configs.NAME)\n"
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\n", "config.py": config, "main.py": main}))
    words = "A title must be provided for OpenAPI, e.g.: 'My API'"
    failed = ImportFailed(repo, "AssertionError", Failure("AssertionError", words, "/srv/main.py", 4))
    assert unset(failed, repo) == ("APP_TITLE",)
    # labeebkm/fastapi-websocket-chat: the call spans lines, the title below the line the failure names
    (tmp_path / "main.py").write_text(main.replace("FastAPI(title=", "FastAPI(\n    title="))
    assert unset(failed, repo) == ("APP_TITLE",)


def test_a_conversion_of_an_unset_variable_on_the_apps_own_line_teaches_that_variable(tmp_path):
    """shiningflash/fastapi-backend-starter-kit: `MAIL_PORT: int = int(os.getenv('MAIL_PORT'))` in a class body,
    `int() argument must be ... not 'NoneType'`: the failure names no variable, its own line reads one."""
    from fastapi_stackops.adopt.first_start import unset

    (tmp_path / "requirements.txt").write_text("fastapi\n")
    (tmp_path / "main.py").write_text("from fastapi import FastAPI\nimport config\n\napp = FastAPI()\n")
    config = (
        "import os\n\nclass Settings:\n    MAIL_PORT: int = int(os.getenv('MAIL_PORT'))\n    N: int = int(os.getenv('N', '3'))\n"
    )
    (tmp_path / "config.py").write_text(config)
    repo = read_repository(tmp_path)
    words = "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'"
    at = [ImportFailed(repo, "TypeError", Failure("TypeError", words, "/srv/config.py", n)) for n in (4, 5)]
    assert unset(at[0], repo) == ("MAIL_PORT",)
    assert unset(at[1], repo) == ()  # read with a default


def test_a_models_field_given_none_teaches_the_variable_read_into_it(tmp_path):
    """shiningflash/fastapi-backend-starter-kit, next: `MAIL_FROM_NAME: str = os.getenv('MAIN_FROM_NAME')` (its own
    spelling), and pydantic refusing None for MAIL_FROM_NAME where `Settings()` is made."""
    from fastapi_stackops.adopt.first_start import unset

    (tmp_path / "requirements.txt").write_text("fastapi\npydantic-settings\n")
    (tmp_path / "main.py").write_text("from fastapi import FastAPI\nimport config\n\napp = FastAPI()\n")
    config = "import os\nfrom pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n"
    config += "    MAIL_FROM_NAME: str = os.getenv('MAIN_FROM_NAME')\n\nsettings = Settings()\n"
    (tmp_path / "config.py").write_text(config)
    repo = read_repository(tmp_path)
    words = "1 validation error for Settings\nMAIL_FROM_NAME\n  Input should be a valid string [type=string_type, "
    words += "input_value=None, input_type=NoneType]\n    For further information visit https://errors.pydantic.dev"
    failed = ImportFailed(repo, "ValidationError", Failure("ValidationError", words, "/srv/config.py", 7))
    assert "MAIN_FROM_NAME" in unset(failed, repo)


def test_a_library_models_field_given_none_teaches_the_variable_its_call_feeds_it(tmp_path):
    """apucsd/fastapi-backend: fastapi-mail's ConnectionConfig made at import from names the config module reads with
    no default (`MAIL_USERNAME=smtp_user`, `smtp_user = os.getenv("SMTP_USER")`); init named no variable. Then the
    made-up user, fed to MAIL_FROM as well, is no email: that variable gets one."""
    from fastapi_stackops.adopt.first_start import as_settings, unset

    config = "import os\n\nsmtp_user = os.getenv('SMTP_USER')\nsmtp_password = os.getenv('SMTP_PASSWORD')\n"
    config += "smtp_host = os.getenv('SMTP_HOST', 'smtp.example.com')\n"
    mail = "from fastapi_mail import ConnectionConfig\nfrom app.config import smtp_host, smtp_password, smtp_user\n\n"
    mail += "conf = ConnectionConfig(\n    MAIL_USERNAME=smtp_user,\n    MAIL_PASSWORD=smtp_password,\n"
    mail += "    MAIL_FROM=smtp_user,\n    MAIL_SERVER=smtp_host,\n)\n"
    files = {
        "requirements.txt": "fastapi\nfastapi-mail\n",
        "app/main.py": "from fastapi import FastAPI\nimport app.mail\n\napp = FastAPI()\n",
    }
    repo = read_repository(written(tmp_path, files | {"app/__init__.py": "", "app/config.py": config, "app/mail.py": mail}))
    words = "3 validation errors for ConnectionConfig\nMAIL_USERNAME\n  Input should be a valid string [type=string_type, "
    words += "input_value=None, input_type=NoneType]\nMAIL_PASSWORD\n  Input should be a valid string [type=string_type, "
    words += "input_value=None, input_type=NoneType]\n"
    failed = ImportFailed(repo, "ValidationError", Failure("ValidationError", words, "/srv/app/mail.py", 4))
    assert unset(failed, repo) == ("SMTP_PASSWORD", "SMTP_USER")
    assert as_settings({"MAIL_FROM": "ci@example.com"}, repo, tmp_path / "app/mail.py") == {"SMTP_USER": "ci@example.com"}


def test_a_startup_failure_re_raised_over_a_read_only_path_teaches_the_path():
    # jkloaiza19/fastapi-app: dictConfig's RotatingFileHandler("api.log") in its lifespan; the probe reported
    # "Unable to configure handler", whose cause (the read-only path) init did not read, and ci crash-looped.
    from fastapi_stackops.adopt.first_start import learned
    from fastapi_stackops.adopt.init import setup_for

    setup = setup_for(read_repository(BARE / "uv-src-factory"), system_ca=False)
    root = "OSError: [Errno 30] Read-only file system: '/srv/api.log'"
    failure = Failure("ValueError", "Unable to configure handler 'rotating_file'", "/srv/core/logger.py", 67, root=root)
    setup, _ = learned(setup, ImportFailed(setup.repo, "", failure), True)
    assert setup.repo.linked == ("/srv/api.log",)


@pytest.mark.parametrize(
    ("words", "placeholder"),
    [
        # andreynorvatov/fastapi-starter: its settings module logs the path in Russian, in JSON, and exits.
        ('{"level": "CRITICAL", "message": "Отсутствует файл: /srv/.env", "module": "config"}', "/srv/.env"),
        ("FileNotFoundError: Config file '/srv/src/app/../.env' not found.", "/srv/src/.env"),
        ("error: missing /srv/config/.env.production.", "/srv/config/.env.production"),
        ("cannot read /etc/app/.env", ""),  # not under the code: no file of the repository's
        ("loaded /srv/.envrc and /srv/.env-example", ""),  # other files
    ],
)
def test_an_env_file_the_app_names_as_missing_is_found_in_any_words(words, placeholder):
    assert ImportFailed(read_repository(BARE / "uv-src-factory"), words).missing_env_file == placeholder


@pytest.mark.parametrize(
    ("call", "placeholder"),
    [
        ('env.read_env(f"{BASE_DIR}/env/.env")', ("/srv/env/.env",)),  # husanIbragimov/ddd_fastapi_template
        ("env.read_env('.env.local')", ("/srv/.env.local",)),
        ("env.read_env(path)", ()),  # a path init cannot read from the line: nothing learned
    ],
)
def test_an_env_file_environs_reads_from_a_folder_the_image_lacks_is_placed_empty(tmp_path, call, placeholder):
    from fastapi_stackops.adopt.first_start import learned
    from fastapi_stackops.adopt.init import setup_for

    (tmp_path / "requirements.txt").write_text("fastapi\nenvirons\n")
    (tmp_path / "main.py").write_text("from fastapi import FastAPI\nimport settings\n\napp = FastAPI()\n")
    (tmp_path / "settings.py").write_text(f"from environs import Env\n\nenv = Env()\n{call}\n")
    setup = setup_for(read_repository(tmp_path), system_ca=False)
    failed = ImportFailed(
        setup.repo, "OSError: Starting path not found", Failure("OSError", "Starting path not found", "/srv/settings.py", 4)
    )
    if not placeholder:
        with pytest.raises(ImportFailed):
            learned(setup, failed, False)
        return
    setup, _ = learned(setup, failed, False)
    assert setup.repo.placeholders == placeholder


@pytest.mark.parametrize(
    ("kind", "library", "inside"),
    [
        # nickAnhel/FastAPI-Weather-Service: its pinned SQLAlchemy 2.0.30 on 3.13; init's words sent the user to
        # --set and --app, which had nothing to do with it.
        ("TypeError", "sqlalchemy 2.0.30", True),
        ("TypeError", "", False),  # the app's own
        ("ValidationError", "pydantic 2.9.0", False),  # a value the app was given, said as before
    ],
)
def test_a_failure_raised_inside_a_dependency_as_it_loads_is_said_as_its_release(kind, library, inside):
    repo = read_repository(BARE / "requirements-psycopg2-sync")
    message = "Can't replace canonical symbol for '__firstlineno__' with new int value 615"
    failure = Failure(kind, message, "/srv/auth/router.py", 3, library=library, python="3.13")
    said = str(ImportFailed(repo, f"{kind}: {message}", failure))
    assert ("TypeError inside sqlalchemy 2.0.30, not the app's code" in said) is inside
    assert ("pin the sqlalchemy the code was written for in requirements.txt, or give init --python" in said) is inside
    assert ("--set" in said) is not inside


@pytest.mark.parametrize(
    ("line", "statement"),
    [
        (5, "mgr = socketio.AsyncRedisManager(setting.WS_MESSAGE_QUEUE)"),  # a call's argument below its first line
        (4, "mgr = socketio.AsyncRedisManager(setting.WS_MESSAGE_QUEUE)"),
        (1, "import socketio"),
        (9, ""),  # past the file's end
    ],
)
def test_the_statement_a_failure_arose_in_is_read_whole(tmp_path, line, statement):
    # brestok-1/fastapi-docker: the failing line opens a call whose argument, a line down, names the setting.
    code = (
        "import socketio\n\ndef register(app):\n    mgr = socketio.AsyncRedisManager(\n        setting.WS_MESSAGE_QUEUE\n    )\n"
    )
    written(tmp_path, {"project/ws/views.py": code})
    failure = Failure("ValueError", "Redis URL must ...", file="/srv/project/ws/views.py", line=line)
    assert failure.own_statement(tmp_path) == statement


@pytest.mark.parametrize(
    ("words", "learned"),
    [
        ("KeyError: 'JWT_SECRET'", ("required", ("JWT_SECRET",))),
        # sokrat165/fastapi-async-postgres-api: PATH was learned as a secret and made up; the next image had no python.
        ("KeyError: 'PATH'", None),
        ("Missing required environment settings: HOME, TOKEN_ISSUER", ("required", ("TOKEN_ISSUER",))),
    ],
)
def test_a_variable_the_image_sets_is_never_learned_as_a_secret(words, learned):
    repo = read_repository(BARE / "uv-src-factory")
    failed = ImportFailed(repo, words)
    assert [(name, value) for name, value, _ in lessons(failed, repo) if value] == ([learned] if learned else [])


@pytest.mark.parametrize(
    ("kind", "message", "placeholder"),
    [
        # MasterKwon/FastAPI_demo: its config checks Path(".env").exists() and raises FileNotFoundError in Korean
        ("FileNotFoundError", ".env 파일이 존재하지 않습니다. 프로젝트 루트 디렉토리에 .env 파일을 생성하세요.", "/srv/.env"),
        ("FileNotFoundError", "'.env.local' is missing", "/srv/.env.local"),
        ("RuntimeError", ".env 파일이 존재하지 않습니다.", ""),  # no file's absence
        ("FileNotFoundError", ".envrc is missing", ""),
    ],
)
def test_an_env_file_the_apps_own_check_names_first_is_placed_where_it_runs(kind, message, placeholder):
    failure = Failure(kind, message, "/srv/core/config.py", 75)
    assert ImportFailed(read_repository(BARE / "uv-src-factory"), "", failure).missing_env_file == placeholder
