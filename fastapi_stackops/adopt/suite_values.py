"""The values a repository's suite runs with as the repository gives them: its committed test env files and .env,
what its own pipelines and make or just recipes set, and the variable names its code writes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from fastapi_stackops.adopt.app_settings import UNSET, Settings
from fastapi_stackops.adopt.syntax import every_node, parsed
from fastapi_stackops.adopt.wheels import text_of
from fastapi_stackops.envfiles import literal_values
from fastapi_stackops.repository import git_root, tracked_by_git

#: Env files a suite keeps its own values in, committed beside it.
TEST_ENV_FILES = (".env.test", ".env.testing", ".env.tests", "test.env", "tests/.env", "tests/.env.test")


def test_env_values(root: Path) -> tuple[tuple[str, str], ...]:
    """What the repository's committed test env files set, as written (the first file's value of a name)."""
    found: dict[str, str] = {}
    for path in (root / name for name in TEST_ENV_FILES if (root / name).is_file()):
        found = literal_values(path) | found
    return tuple(found.items())


#: The repository's own pipelines, at its git top (a monorepo's service folder sits below it).
CI_FILES = (".github/workflows/*.yml", ".github/workflows/*.yaml", ".gitlab-ci.yml")
#: A block of variables in a pipeline: GitHub's env: (workflow, job or step), GitLab's variables:.
ENV_BLOCK = re.compile(r"^(\s*)(?:- )?(?:env|variables):\s*$")
ENTRY = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*?)\s*$")
#: Variables for the runner and its tools, not the app's (an image has its own); and the backing services' (the
#: pipeline's own database and broker, where the stack wires its own).
TOOLING = re.compile(
    r"^(CI|PYTHON\w*|PIP_\w+|UV_\w+|POETRY_\w+|PDM_\w+|GITHUB_\w+|RUNNER_\w+|DOCKER_\w+|COMPOSE_\w+|FORCE_COLOR|TERM|PATH"
    r"|(POSTGRES|PG|MYSQL|MARIADB|DATABASE|DB|REDIS|RABBITMQ|AMQP|CELERY|BROKER)_\w+)$"
)


def ci_values(root: Path) -> dict[str, str]:
    """The literal values the repository's own pipelines set for its jobs (`ALLOW_CLEANUP: 1` under an env:), the
    runner's tooling aside; one taken from a secret or another variable (`${{ secrets.KEY }}`, `$KEY`) is none."""
    top = git_root(root) or root
    found: dict[str, str] = {}
    for path in (path for pattern in CI_FILES for path in sorted(top.glob(pattern))):
        block = None  # the indent of the env: block being read
        for line in text_of(path).splitlines():
            entry, opened = ENTRY.match(line), ENV_BLOCK.match(line)
            if line.strip() and block is not None and len(line) - len(line.lstrip()) <= block:
                block = None
            if opened:
                block = len(opened.group(1)) + (2 if "- " in line[: len(opened.group(1)) + 2] else 0)
            elif block is not None and entry and not TOOLING.match(entry.group(2)):
                value = entry.group(3).split(" #")[0].strip().strip("\"'")
                if value and "$" not in value:
                    found.setdefault(entry.group(2), value)
    return found


#: Where a repository keeps the command that runs its tests: a make or just recipe.
RECIPE_FILES = ("Makefile", "makefile", "GNUmakefile", "justfile")
#: A variable a recipe sets before the command: `ENVIRONMENT=test pytest`, `MODE="testing" poetry run pytest`.
ASSIGNED = re.compile(r"""(?:^|\s)([A-Z][A-Z0-9_]*)=("[^"]*"|'[^']*'|[^\s"'$]+)(?=\s)""")


def recipe_values(root: Path) -> dict[str, str]:
    """The literal values a make or just recipe sets on the line that runs pytest: what the suite runs with, as the
    repository runs it; the runner's tooling aside."""
    top = git_root(root) or root
    found: dict[str, str] = {}
    for path in (folder / name for folder in dict.fromkeys([root, top]) for name in RECIPE_FILES):
        for line in text_of(path).splitlines() if path.is_file() else ():
            before = re.split(r"\bpytest\b", line)[0] if re.search(r"\bpytest\b", line) else ""
            for name, value in ASSIGNED.findall(before):
                if not TOOLING.match(name):
                    found.setdefault(name, value.strip("\"'"))
    return found


def committed_env_values(root: Path) -> tuple[tuple[str, str], ...]:
    """The literal values of a committed .env, beside the service or at the git top: the environment the repository
    runs with as it is (its own CI and every checkout read it), which a suite may assert. Not a template
    (.env.example): a developer edits that before use, and its local toggles (AUTH_ENABLED=false) are not what the
    suite was written against. The runner's tooling and the backing services' aside (the stack wires its own); an
    empty value, or one made of other variables, is none."""
    return tuple((k, v) for k, v in committed_env(root).items() if v and "$" not in v and not TOOLING.match(k))


def committed_blanks(root: Path, settings: Settings | None) -> tuple[str, ...]:
    """Settings defaulting to None that the committed .env leaves empty (SENTRY_DSN=): given empty too, as every
    checkout reads them. pydantic 1 validates defaults, and a validator may take "" and not None (`len(v) == 0`)."""
    blank = {name for name, value in committed_env(root).items() if value == ""} if settings else set()
    return tuple(f.variable for f in settings.fields if f.variable in blank and UNSET.match(f.default_code)) if blank else ()


def committed_numbers(root: Path, settings: Settings | None) -> tuple[tuple[str, str], ...]:
    """Variables the code reads with no default, or must be given, that the committed .env gives a number or a
    boolean (a pool's size, POSTGRES_MAX_CONNECTIONS=20; DB_ECHO=false), with it: the repository's own Compose file
    passed them. Unset, the code's None fails where a number is needed (psycopg2's pool: "int() argument must be ...
    not 'NoneType'"); made up, a secret is no boolean."""
    fields = (settings.fields + settings.others) if settings else ()
    bare = {f.variable for f in fields if (f.exact and f.default == "" and not f.default_code) or f.default is None}
    committed = committed_env(root) if bare else {}
    return tuple((name, value) for name, value in committed.items() if name in bare and SCALAR.match(value))


#: A number or a boolean as an env file writes it.
SCALAR = re.compile(r"^(-?\d+(\.\d+)?|true|false|True|False|yes|no)$")


def committed_env(root: Path) -> dict[str, str]:
    """Every literal value of a committed .env, beside the service or at the git top, empty ones too."""
    for path in (folder / ".env" for folder in dict.fromkeys([root, git_root(root) or root])):
        if path.is_file() and tracked_by_git(path):
            return literal_values(path)
    return {}


def committed_paths(root: Path) -> dict[str, str]:
    """Variable -> a path of the repository's own that a committed env file gives it (ALEMBIC_CONFIG_PATH=
    app/database/alembic.ini in .env.develop), or a configuration file's bare name the code joins to the folder holding
    it (LOGGING = logging.dev.json, in app/config/): no secret, and what the app needs there in any mode."""
    values = {k: v for file in committed_env_files(root) for k, v in file.items() if v and not v.startswith("/")}
    held = {k: v for k, v in values.items() if "/" in v.strip("./") and (root / v).exists()}
    return held | {k: v for k, v in values.items() if CONFIG_FILE_NAME.fullmatch(v) and held_anywhere(root, v)}


#: A configuration file's bare name (logging.dev.json, settings.yaml).
CONFIG_FILE_NAME = re.compile(r"[\w-]+(\.[\w-]+)*\.(json|ya?ml|ini|toml|conf|cfg|xml)")


def held_anywhere(root: Path, name: str) -> bool:
    """Whether git tracks a file of this name anywhere in the repository."""
    return any(tracked_by_git(path) for path in root.rglob(name) if ".git" not in path.parts and path.is_file())


def committed_name(root: Path, variable: str) -> str:
    """The SQL name a committed env file gives the variable (POSTGRES_SCHEMA=application in .env_example): no secret,
    and what the migrations the repository holds were written for; "" for none."""
    values = [file.get(variable, "") for file in committed_env_files(root)]
    return next((value for value in values if re.fullmatch(r"[A-Za-z_]\w*", value)), "")


def committed_env_files(root: Path) -> list[dict[str, str]]:
    """The literal values of each env file git tracks beside the service (.env, .env.example, .env_example), by name."""
    return [literal_values(p) for p in sorted(root.glob(".env*")) if p.is_file() and tracked_by_git(p)]


def names_in_code(paths: list[Path]) -> set[str]:
    """The variable names these files write as strings (`os.getenv(FLAG)` with `FLAG = "ALLOW_CLEANUP"` among them)."""
    trees = (parsed(path) for path in paths)
    return {
        node.value
        for tree in trees
        if tree
        for node in every_node(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"[A-Z][A-Z0-9_]+", node.value)
    }
