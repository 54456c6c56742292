"""The names init gives what it writes, in one place: its own choices for a repository, not any project's.

(tests/unit/test_repository.py keeps the reference service's names out of the
package; this module alone is exempt, as these are init's conventions.)
"""

from __future__ import annotations

from pathlib import Path

from fastapi_stackops.project import WRITTEN_BY_INIT

#: What runs the workflow's tasks: Invoke, from the tasks.py init writes; `fastapi-stackops <task>` runs the same
#: tasks where the repository's tasks.py (or tasks/) is its own, Celery's say, which init never touches.
INVOKE = "inv"
OWN_TASKS_RUNNER = "fastapi-stackops"


def task_runner(root: Path) -> str:
    """`inv`, unless the repository keeps a tasks module of its own that is not stackops's."""
    module = root / "tasks.py"
    if (root / "tasks").is_dir() or (module.is_file() and "fastapi_stackops" not in module.read_text(errors="replace")):
        return OWN_TASKS_RUNNER
    return INVOKE


#: The Compose service running the app, the one stackops calls the entry.
ENTRY = "web"
#: The Compose service that runs the repository's own tests (profile `test`), which `inv ci` runs.
TEST_SERVICE = "web-test"
DATABASE_SERVICE = "postgres"
#: The MariaDB service that stands in for MySQL (the app's MySQL client speaks to it).
MARIADB_SERVICE = "mariadb"
REDIS_SERVICE = "redis"
RABBITMQ_SERVICE = "rabbitmq"
#: The ports Redis and RabbitMQ (AMQP) listen on, in their containers and by their clients' default.
REDIS_PORT = 6379
AMQP_PORT = 5672
WORKER = "worker"
#: The port the app listens on in its container (uvicorn's default), and the variable publishing it on the host.
CONTAINER_PORT = 8000
PORT_VARIABLE = "WEB_PORT"
#: What a setting naming the URL the app is served at gets when init must give it one (a validator wants http(s)).
SERVED_AT = f"http://localhost:{CONTAINER_PORT}"
#: Where the code lives in the image, and where SQLite keeps its file (a named volume).
CODE_DIR = "/srv"


def in_the_image(path: str) -> str:
    """Where a path the code names is in the image: an absolute one as it is, a relative one under the code, where the
    app runs."""
    return path if not path or path.startswith("/") else f"{CODE_DIR}/{path}"


#: Variables the image or the system sets whatever the app's settings (PATH, where python is): never made up.
SET_BY_THE_IMAGE = frozenset("PATH HOME HOSTNAME PWD LANG PYTHONPATH PYTHONUNBUFFERED PYTHONDONTWRITEBYTECODE".split())
DATA_DIR = "/var/lib/app"
#: A numeric UID clear of the host's system and login users.
UID = 10001
#: The env folder, and the one used when the repository's .gitignore ignores that (GitHub's Python template does).
ENV_DIR = "env"
ENV_DIR_IF_IGNORED = "deploy-env"
#: With the SQLite file in a host folder: the variable naming the folder (ci names a volume instead), and the
#: one-shot service that hands the folder to UID before the app starts.
DATA_FOLDER_VARIABLE = "DATA_FOLDER"
DATA_PERMISSIONS = "data-permissions"
#: Where the official PostgreSQL image (17 and older) and MariaDB image declare their VOLUME: a named volume must be
#: mounted exactly there.
POSTGRES_DATA = "/var/lib/postgresql/data"
MARIADB_DATA = "/var/lib/mysql"
#: The official Redis image's working directory and VOLUME.
REDIS_DATA = "/data"
#: The official RabbitMQ image's VOLUME (its home, with the Erlang cookie).
RABBITMQ_DATA = "/var/lib/rabbitmq"

#: The first line of every file init writes.
HEADER = WRITTEN_BY_INIT

#: The build cache a GitLab job keeps between runs (GitLab caches only folders inside the project): ignored by git and
#: by the build, whose context it would otherwise join.
BUILD_CACHE = ".stackops-build-cache"

#: A marker at an exact patch release (`python_full_version == "3.11.7"`, which poetry and uv export for a project pinned
#: to one), or from one on (`>= "3.11.6"`, poetry's `python = "^3.11.6"`), matches no image's Python of that minor older
#: than it (Debian's 3.11.2), and pip skips the line without a word: such a marker is read at the minor.
AT_THE_MINOR = "sed -i -E \"s/python_full_version ?(==|>=) ?[\\\"'](3\\.[0-9]+)\\.[0-9]+[\\\"']/python_version \\1 '\\2'/g\""


def pipfile_pins(section: str = "default") -> str:
    """A Python program, quoted for the shell, printing a section of Pipfile.lock as requirements lines (name==version;
    markers): its main pins ("default") or its dev ones ("develop"); an entry with no version is left out."""
    return (
        f"\"import json; d = json.load(open('Pipfile.lock'))['{section}']; "
        "print('\\\\n'.join(n + e['version'] + ('; ' + e['markers'] if e.get('markers') else '') "
        "for n, e in d.items() if e.get('version')))\""
    )


def pipfile_requirements(section: str = "packages") -> str:
    """A Python program, quoted for the shell, printing a section of a Pipfile with no lock as requirements lines
    (name[extras]range; markers): its packages, or its dev-packages; a git or path source is left out. tomllib from
    3.11, tomli before (PIPFILE_READER puts it on the path)."""
    return (
        "\"import sys; t = __import__('tomllib') if sys.version_info >= (3, 11) else __import__('tomli'); "
        f"p = t.load(open('Pipfile', 'rb')).get('{section}', {{}}); "
        "p = {n: ({'version': s} if isinstance(s, str) else s) for n, s in p.items()}; "
        "print('\\\\n'.join(n + ('[' + ','.join(s['extras']) + ']' if s.get('extras') else '') + s.get('version', '*').replace('*', '') "
        "+ ('; ' + s['markers'] if s.get('markers') else '') for n, s in p.items() if not {'git', 'path', 'file', 'editable'} & set(s)))\""
    )


#: Before Python 3.11 (no tomllib), tomli where only the Pipfile's reading finds it, not among the app's packages; a
#: tool of the build's, so the newest, not one as of the app's date (tomli is younger than some Pipfiles).
PIPFILE_READER = (
    "{ python -c 'import tomllib' 2>/dev/null || env -u PIP_UPLOADED_PRIOR_TO pip install -q --target /tmp/toml tomli; }"
    " && PYTHONPATH=/tmp/toml"
)
