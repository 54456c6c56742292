"""The files that say how a repository's dependencies install: a lock (uv, poetry), requirements files, or
pyproject.toml's own list; which one init builds from, and the names they declare."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi_stackops import StackError
from fastapi_stackops.adopt.default_groups import poetry_runtime_dependencies
from fastapi_stackops.adopt.findings import Finding, NotAFastAPIRepository
from fastapi_stackops.adopt.index_pins import refuse_unbuildable_pins
from fastapi_stackops.adopt.installer_version import installer_version
from fastapi_stackops.adopt.package_index import answers, normalized
from fastapi_stackops.adopt.pipfile import pipfile_pins, pipfile_ranges
from fastapi_stackops.adopt.setuptools_files import setup_cfg_requires, setup_py_requires
from fastapi_stackops.adopt.stale_locks import refuse_a_stale_lock
from fastapi_stackops.adopt.vcs_dependencies import refuse_unreached_git_sources
from fastapi_stackops.adopt.wheels import ranges, text_of
from fastapi_stackops.adopt.workspace import read_toml, workspace_of

#: A requirements file at the top, misspelt too (requirments.txt, requirement.txt: pip reads whatever it is called).
REQUIREMENTS = re.compile(r"^req[a-z]{0,5}ments?(?:[-_.](?:prod|production|base|main|app))?\.txt$")  # requeriments.txt too
#: Any other requirements file at the top (requirements_dev.txt, a freeze's req.txt): the app's only when no other
#: names the framework.
ANY_REQUIREMENTS = re.compile(r"^req(?:[a-z]{0,5}ments?[-_.][\w.-]+|s)?\.txt$")


def pyproject(root: Path) -> dict[str, Any]:
    """pyproject.toml's tables; one line naming where it breaks when it is not TOML (init adds its own tables there)."""
    path = root / "pyproject.toml"
    try:
        return tomllib.loads(path.read_text()) if path.is_file() else {}
    except tomllib.TOMLDecodeError as error:
        raise StackError(f"{path}: not TOML ({error}): mend that line, then run init again") from None


def requirement_name(line: str) -> str:
    """The distribution a requirement line names, lowercased and normalised ("" for options and comments)."""
    line = line.split("#")[0].strip()
    if not line or line.startswith("-"):
        return ""
    return re.split(r"[\s\[<>=!~;@]", line, maxsplit=1)[0].lower().replace("_", "-")


#: SQLAlchemy's extras that install a database's driver (`sqlalchemy[postgresql-asyncpg]`), named as pip normalises them.
SQLALCHEMY_DRIVERS = {
    "postgresql": "psycopg2",
    "postgresql-asyncpg": "asyncpg",
    "postgresql-psycopg": "psycopg",
    "postgresql-psycopgbinary": "psycopg",
    "postgresql-psycopg2binary": "psycopg2-binary",
    "postgresql-pg8000": "pg8000",
    "mysql": "mysqlclient",
    "mysql-connector": "mysql-connector-python",
    "aiomysql": "aiomysql",
    "asyncmy": "asyncmy",
    "pymysql": "pymysql",
    "aiosqlite": "aiosqlite",
}


#: The `databases` and Tortoise ORM extras that install a driver (`databases[postgresql]`, `tortoise-orm[asyncpg]`).
ASYNC_DRIVERS = {
    "postgresql": "asyncpg",
    "asyncpg": "asyncpg",
    "aiopg": "aiopg",
    "psycopg": "psycopg",
    "mysql": "aiomysql",
    "aiomysql": "aiomysql",
    "asyncmy": "asyncmy",
    "sqlite": "aiosqlite",
    "aiosqlite": "aiosqlite",
}
#: Which of a package's extras install a driver, by the package.
EXTRA_DRIVERS = {"sqlalchemy": SQLALCHEMY_DRIVERS, "databases": ASYNC_DRIVERS, "tortoise-orm": ASYNC_DRIVERS}


def extra_drivers(name: str, extras: list[str]) -> list[str]:
    """The drivers a package's extras install with it (SQLAlchemy's, `databases`'s, Tortoise's): dependencies of the
    app as much as those it names."""
    normalised = [extra.strip().lower().replace("_", "-") for extra in extras]
    drivers = EXTRA_DRIVERS.get(name, {})
    return [drivers[e] for e in normalised if e in drivers]


def requirement_names(line: str) -> list[str]:
    """The distribution a requirement line names, and the drivers its extras install ([] for options and comments)."""
    name = requirement_name(line)
    extras = re.match(r"^[\w.-]+\s*\[([^\]]*)\]", line.split("#")[0].strip())
    return [name, *extra_drivers(name, extras.group(1).split(",") if extras else [])] if name else []


#: A requirements file for the developer's tools, never the app's alone (requirements/dev.txt, lint.txt).
TOOLS_ONLY = re.compile(r"(dev|develop|test|tests|testing|lint|docs?|ci|local|typing|types)([-_.]|$)", re.I)


def requirements_files(root: Path) -> list[str]:
    """Requirements files, likeliest first: at the root, then a requirements/ folder's prod or base file (or another
    that names the framework, `ops.txt`; a dev or test file never), two levels deep. One that names the framework,
    itself or through `-r`, comes before one that does not (a prod.txt holding only gunicorn, beside base.txt). A dev
    file at the top is the app's when it alone names the framework."""
    found = [p.name for p in sorted(root.iterdir()) if REQUIREMENTS.match(p.name)]
    for pattern in ("requirements/*.txt", "*/requirements/*.txt", "*/requirements*.txt"):
        for path in sorted(root.glob(pattern)):
            named = str(path.relative_to(root))
            production = re.match(r"(prod|production|base|main|requirements)", path.stem)
            framework = not TOOLS_ONLY.match(path.stem) and "fastapi" in ranges(root, named)
            if (production or framework) and ".venv" not in path.parts:
                found.append(named)
    if not any("fastapi" in ranges(root, path) for path in found):  # bupemulenga13/todo-fastapi-server's only file
        found += [p.name for p in sorted(root.iterdir()) if ANY_REQUIREMENTS.match(p.name) and "fastapi" in ranges(root, p.name)]
    return sorted(dict.fromkeys(found), key=lambda path: ("fastapi" not in ranges(root, path), *requirements_likelihood(path)))


def requirements_likelihood(path: str) -> tuple:
    """The root's files (and its requirements/ folder's) before a subfolder's; within each, a production file before
    one that may bring the dev tools too (`-r requirements/dev.txt`), then the shallower, then one that is not a base."""
    area = 0 if path.count("/") == 0 or path.startswith("requirements/") else 1
    production = re.search(r"(^|[-_./])(prod|production)([-_.]|$)", path) is not None
    return area, not production, path.count("/"), "base" in path, path


def installer(root: Path, project: dict) -> tuple[str, Finding, str, tuple[str, ...]]:
    """How the dependencies install (uv, poetry, requirements or pip), said with the installer's version the project
    requires, the requirements file, the declared dependencies."""
    how, found, requirements, declared = chosen_installer(root, project)
    refuse_unreached_git_sources(root, requirements)
    if version := installer_version(root, project, how):
        found = Finding(found.what, f"{found.value}, with {version}", f"{found.source}; the version the project requires")
    return how, found, requirements, declared


def uv_default_groups(project: dict) -> list[str]:
    """The names the groups uv installs beside the main dependencies declare ([tool.uv] default-groups), dev aside:
    the image installs with --no-dev."""
    groups = project.get("dependency-groups", {})
    named = project.get("tool", {}).get("uv", {}).get("default-groups", [])
    named = list(groups) if named == "all" else named if isinstance(named, list) else []
    return [n for g in named if g != "dev" for d in groups.get(g, []) if isinstance(d, str) for n in requirement_names(d)]


def chosen_installer(root: Path, project: dict) -> tuple[str, Finding, str, tuple[str, ...]]:
    """How the dependencies install, the requirements file, the declared dependencies."""
    declared = [name for d in project.get("project", {}).get("dependencies", []) for name in requirement_names(d)]
    declared += uv_default_groups(project) if (root / "uv.lock").is_file() else []  # uv sync installs them
    poetry = project.get("tool", {}).get("poetry", {}).get("dependencies", {}) | poetry_runtime_dependencies(project)
    declared += [name.lower() for name in poetry if name != "python"]
    declared += [d for n, s in poetry.items() if isinstance(s, dict) for d in extra_drivers(n.lower(), s.get("extras", []))]
    # A requirements file that lacks the framework [project] declares holds tools, not the app (requirements.dev.txt).
    requirements = [f for f in requirements_files(root) if "fastapi" not in declared or "fastapi" in ranges(root, f)]
    if locked := locked_install(root, tuple(declared)):
        return locked
    names = requirements_names(root, requirements[0]) if requirements else []
    empty = requirements[0] if requirements and not names else ""  # installs nothing: another way, or none
    requirements = [] if empty else requirements
    lacking = lacking_what_the_pipfile_locks(root, names)
    if requirements and not lacking:
        refuse_unbuildable_pins(root, requirements[0])
        hashed = "--hash=" in text_of(root / requirements[0])
        value = f"pip install -r {requirements[0]}" + (" (hashes required)" if hashed else "")
        return "requirements", Finding("installs", value, requirements[0]), requirements[0], tuple(names)
    if (root / "Pipfile.lock").is_file():
        pins = tuple(name.lower() for name in pipfile_pins(root))
        value = "pipenv's lock, its main pins given to pip"
        if lacking:  # a requirements file left behind: the Pipfile has grown since it was written
            value += f" ({requirements[0]} lacks {', '.join(lacking[:3])}, which the Pipfile names)"
        return "pipenv", Finding("installs", value, "Pipfile.lock"), "", pins
    if listed := pipfile_ranges(root):
        return "pipfile", Finding("installs", "the Pipfile's packages, with pip (no lock)", "Pipfile"), "", tuple(listed)
    if workspace := workspace_of(root, project):
        value = f"uv sync --frozen --package {workspace.package}, from the workspace's lock"
        return "uv", Finding("installs", value, f"{workspace.up}/uv.lock"), "", tuple(declared)
    if unlocked := declared_alone(root, project, tuple(declared)):
        return unlocked
    below = ", ".join(services_below(root))
    if empty:
        raise NotAFastAPIRepository(f"{empty} names no dependency: list the app's in it (fastapi among them), and commit it")
    raise NotAFastAPIRepository(
        f"{root}: no uv.lock, poetry.lock, requirements.txt, Pipfile, [project] or setuptools' install_requires says how to install it"
        + (f"; run init from a service's folder: {below}" if below else "")
    )


def locked_install(root: Path, declared: tuple[str, ...]) -> tuple[str, Finding, str, tuple[str, ...]] | None:
    """uv's or poetry's lock, said with the index it was made against when that does not answer here; None for none."""
    for installer, said in (("uv", "uv sync --frozen"), ("poetry", "poetry's lock, exported for pip")):
        lock = root / f"{installer}.lock"
        if not lock.is_file() or not read_toml(lock):  # a placeholder, comments alone, is no lock
            continue
        refuse_a_stale_lock(root, installer, declared)
        if away := unreached_lock_index(lock):
            said = f"{installer}'s lock exported, its pins from this machine's index: {away}, where it was made, does not answer here"
        return installer, Finding("installs", said, lock.name), "", declared
    return None


def requirements_names(root: Path, file: str) -> list[str]:
    """The names a requirements file installs, the files it includes too (-r base.txt: a prod.txt adds only gunicorn)."""
    names = [name for line in text_of(root / file).splitlines() for name in requirement_names(line)]
    return list(filter(None, dict.fromkeys([*names, *ranges(root, file)])))


def lacking_what_the_pipfile_locks(root: Path, names: list[str]) -> list[str]:
    """The Pipfile's main packages, locked in Pipfile.lock, that a requirements file's names lack; none without a
    requirements file or a lock."""
    if not names or not (root / "Pipfile.lock").is_file() or not (root / "Pipfile").is_file():
        return []
    locked = {normalized(name) for name in pipfile_pins(root)}
    wanted = [normalized(name) for name in read_toml(root / "Pipfile").get("packages", {})]
    return [name for name in wanted if name in locked and name not in {normalized(n) for n in names}]


def declared_alone(root: Path, project: dict, declared: tuple[str, ...]) -> tuple[str, Finding, str, tuple[str, ...]] | None:
    """A project that declares its dependencies with no lock: poetry's table, [project]'s list, setup.cfg's or setup.py's."""
    if project.get("tool", {}).get("poetry", {}).get("dependencies"):
        return "poetry-unlocked", Finding("installs", "poetry, no lock: resolved in the build", "pyproject.toml"), "", declared
    if project.get("project"):
        return "pip", Finding("installs", "pip install . (no lock)", "[project] in pyproject.toml"), "", declared
    # setuptools' own: its declarative config (with a pyproject.toml for its build alone), or setup()'s literal list
    for file, listed in (("setup.cfg", setup_cfg_requires(root)), ("setup.py", setup_py_requires(root))):
        if listed:
            found = Finding("installs", f"{file}'s install_requires, with pip (no lock)", file)
            return file, found, "", tuple(filter(None, map(requirement_name, listed)))
    return None


#: Folders a service's dependency file never lies in.
NOT_A_SERVICE = {".git", ".venv", "venv", "node_modules", "site-packages", "tests", "test"}


def services_below(root: Path, most: int = 5) -> list[str]:
    """The folders under `root` (four levels at most) whose own dependency file names the framework, with code below it
    (not a Docker folder's copy of the requirements): the services of a repository that has none at its root. The
    first `most`, shallowest first."""
    found = []
    for depth in range(1, 5):
        for path in sorted(root.glob("/".join(["*"] * depth))):
            named = REQUIREMENTS.match(path.name) or path.name == "pyproject.toml"
            coded = named and next(path.parent.rglob("*.py"), None) is not None
            if coded and not NOT_A_SERVICE & set(path.relative_to(root).parts) and "fastapi" in text_of(path).lower():
                found.append(path.parent.relative_to(root).as_posix())
    return list(dict.fromkeys(found))[:most]


#: Where uv.lock records each package's index: `source = { registry = "https://mirror.example/simple" }`.
#: The index a lock's pin came from: uv's `source = { registry = "..." }`, poetry's `[package.source]` table's url.
LOCK_REGISTRY = re.compile(
    r'source = \{ registry = "(https?://[^"]+)" \}|^\[package\.source\]\n(?:\w+ = .*\n)*?url = "(https?://[^"]+)"', re.M
)


@cache
def unreached_lock_index(lock: Path) -> str:
    """The host of an index the lock was made against (a regional mirror) that does not answer from here: its pins
    come from the index this machine reaches instead, the same files. "" when each answers, or it is PyPI."""
    locked = {uv or poetry for uv, poetry in LOCK_REGISTRY.findall(text_of(lock))} if lock.is_file() else set()
    # uv's own index settings too: its builds fetch an sdist's build requirements there (Sckx666/Fastapi-news).
    uv = pyproject(lock.parent).get("tool", {}).get("uv", {}) if lock.name == "uv.lock" and locked else {}
    locked |= {i["url"] for i in uv.get("index", []) if isinstance(i, dict) and "url" in i} | set(
        filter(None, [uv.get("index-url")])
    )
    for url in sorted(locked):
        if not answers(url):
            return urlsplit(url).hostname or ""
    return ""
