"""What a repository says about itself, read without running anything: each finding with the file it came from."""

from __future__ import annotations

import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi_stackops.adopt.app_settings import Settings, find_settings
from fastapi_stackops.adopt.conventions import CONTAINER_PORT
from fastapi_stackops.adopt.source import App, find_apps, find_worker
from fastapi_stackops.adopt.start import procfile_command
from fastapi_stackops.adopt.testing import ServiceTests, find_service_tests
from fastapi_stackops.adopt.wheels import RUST_BUILT, locked_version, native_libraries, normalized, without_wheels
from fastapi_stackops.substitutes import DEBIAN_SHIPS

#: Python versions a base image can be had for on any machine (official images, and Debian's packages for the substitute),
#: likeliest first: 3.9 only when a project allows nothing newer.
BUILDABLE_PYTHONS = tuple(sorted(DEBIAN_SHIPS["python"], key=lambda v: (v == "3.9", int(v.split(".")[1]))))
REQUIREMENTS = re.compile(r"^requirements(?:[-_.](?:prod|production|base|main|app))?\.txt$")
DOCKER_FILES = ("Dockerfile", "compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
POSTGRES_DRIVERS = ("asyncpg", "psycopg", "psycopg2", "psycopg2-binary", "psycopg-binary", "psycopg-c")


@dataclass(frozen=True)
class Finding:
    what: str
    value: str
    source: str

    def line(self) -> str:
        return f"  {self.what:<12} {self.value} (from {self.source})"


@dataclass
class Repository:
    """What init knows of a repository before it writes anything."""

    root: Path
    name: str
    python: str
    installer: str  # uv, poetry, requirements or pip
    requirements: str  # the requirements file, for `requirements`
    dependencies: tuple[str, ...]
    app: App
    server: str  # uvicorn or gunicorn
    settings: Settings | None
    database: str  # postgres, sqlite or ""
    redis: bool
    worker: str  # the worker's command, "" without one
    migrations: str  # the command that migrates, "" without one
    docker_files: tuple[str, ...]  # Dockerfile and Compose files already there
    data_folder: str = ""  # a folder of the repository the SQLite file lives in, mounted from the host
    compiled: tuple[str, ...] = ()  # name==version pins with no wheel for the image's Python: the builder compiles them
    service_tests: ServiceTests | None = None  # the repository's pytest suite, for a test image
    start: tuple[str, ...] = ()  # the repository's own server command (a Procfile's), bound to the container port
    added_server: str = ""  # uvicorn's pin when the app's dependencies lack it (kept among dev ones)
    given: dict[str, str] = field(default_factory=dict)  # variables init --set gave, for the app's environment
    findings: list[Finding] = field(default_factory=list)


class NotAFastAPIRepository(Exception):
    pass


def pyproject(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    return tomllib.loads(path.read_text()) if path.is_file() else {}


def lower_bound(spec: str) -> str | None:
    """The lowest Python minor a version specifier allows: >=3.11, ^3.11, ~=3.11, ==3.11.*, 3.11."""
    match = re.search(r"(?:>=|\^|~=|==|~|^)\s*(3)\.(\d+)", spec.strip())
    return f"3.{match.group(2)}" if match else None


def allows(spec: str, minor: int) -> bool:
    """Whether 3.<minor> is within the specifier's upper bounds (<3.13, <=3.12, ^3.11 is <4, ==3.12.*)."""
    for operator, bound in re.findall(r"(<=|<|==)\s*3\.(\d+)", spec):
        limit = int(bound)
        if (operator == "<" and minor >= limit) or (operator in ("<=", "==") and minor > limit):
            return False
    return True


def buildable(spec: str, low: str) -> list[str]:
    """The buildable Pythons a specifier allows, from its lower bound up, likeliest first (3.9 only when nothing newer fits).
    A floor at a patch release (>=3.11.11) passes over its own minor when a newer one fits: a Debian suite's Python
    is the patch release it shipped with (3.11.2), which uv and pip would refuse."""
    minor = int(low.split(".")[1])
    fits = [v for v in BUILDABLE_PYTHONS if minor <= int(v.split(".")[1]) and allows(spec, int(v.split(".")[1]))]
    patch = re.search(r">=\s*3\.(\d+)\.(\d+)", spec)
    if patch and int(patch.group(2)) > 0 and len(fits) > 1:
        fits = [v for v in fits if v != f"3.{patch.group(1)}"]
    return fits


def declared_python(project: dict) -> tuple[str, str]:
    """The project's Python specifier and where it is: requires-python, else poetry's python dependency."""
    for spec, source in (
        (project.get("project", {}).get("requires-python", ""), "requires-python in pyproject.toml"),
        (project.get("tool", {}).get("poetry", {}).get("dependencies", {}).get("python", ""), "poetry's python dependency"),
    ):
        if spec and lower_bound(spec):
            return spec, source
    return "", ""


def named_in_dockerfile(root: Path) -> str:
    """The Python a Dockerfile names: its FROM python:3.X, or the PYTHON_BASE init wrote (a --python given once)."""
    dockerfile = root / "Dockerfile"
    text = dockerfile.read_text() if dockerfile.is_file() else ""
    named = re.search(r"^(?:FROM\s+(?:\S*/)?|ARG PYTHON_BASE=)python:(3\.\d+)", text, re.M | re.I)
    return named.group(1) if named else ""


def python_version(root: Path, project: dict) -> Finding:
    """The Python the image runs: the Dockerfile's, else .python-version when it can be built, else the project's lower
    bound moved up to one that can be built (a .python-version that cannot be built gives way to a specifier that can)."""
    if named_in_dockerfile(root):
        return Finding("python", named_in_dockerfile(root), "the Dockerfile")
    spec, source = declared_python(project)
    fits = buildable(spec, lower_bound(spec)) if spec else []
    pinned = root / ".python-version"
    if pinned.is_file() and pinned.read_text().split():
        version = ".".join(pinned.read_text().split()[0].split(".")[:2])
        if version in BUILDABLE_PYTHONS or not fits:
            return Finding("python", version, ".python-version")
        return Finding("python", fits[0], f"{source} ({spec}); .python-version's {version} has no base image here")
    if spec:
        return Finding("python", fits[0] if fits else lower_bound(spec), f"{source} ({spec})")
    return Finding("python", BUILDABLE_PYTHONS[0], "nothing names a version; the oldest supported")


def requirement_name(line: str) -> str:
    """The distribution a requirement line names, lowercased and normalised ("" for options and comments)."""
    line = line.split("#")[0].strip()
    if not line or line.startswith("-"):
        return ""
    return re.split(r"[\s\[<>=!~;@]", line, maxsplit=1)[0].lower().replace("_", "-")


def requirements_files(root: Path) -> list[str]:
    """Requirements files, likeliest first: at the root, then a requirements/ folder's prod or base file, two levels deep."""
    found = [p.name for p in sorted(root.iterdir()) if REQUIREMENTS.match(p.name)]
    for pattern in ("requirements/*.txt", "*/requirements/*.txt", "*/requirements*.txt"):
        for path in sorted(root.glob(pattern)):
            if re.match(r"(prod|production|base|main|requirements)", path.stem) and ".venv" not in path.parts:
                found.append(str(path.relative_to(root)))
    return sorted(dict.fromkeys(found), key=lambda p: (p.count("/"), "base" in p, p))


def installer(root: Path, project: dict) -> tuple[str, Finding, str, tuple[str, ...]]:
    """How the dependencies install (uv, poetry, requirements or pip), the requirements file, the declared dependencies."""
    declared = [requirement_name(d) for d in project.get("project", {}).get("dependencies", [])]
    declared += [name.lower() for name in project.get("tool", {}).get("poetry", {}).get("dependencies", {}) if name != "python"]
    requirements = requirements_files(root)
    if (root / "uv.lock").is_file():
        return "uv", Finding("installs", "uv sync --frozen", "uv.lock"), "", tuple(declared)
    if (root / "poetry.lock").is_file():
        return "poetry", Finding("installs", "poetry's lock, exported for pip", "poetry.lock"), "", tuple(declared)
    if requirements:
        file = requirements[0]
        names = [requirement_name(line) for line in (root / file).read_text().splitlines()]
        hashed = "--hash=" in (root / file).read_text()
        value = f"pip install -r {file}" + (" (hashes required)" if hashed else "")
        return "requirements", Finding("installs", value, file), file, tuple(filter(None, names))
    if project.get("tool", {}).get("poetry", {}).get("dependencies"):
        return (
            "poetry-unlocked",
            Finding("installs", "poetry, no lock: resolved in the build", "pyproject.toml"),
            "",
            tuple(declared),
        )
    if project.get("project"):
        return "pip", Finding("installs", "pip install . (no lock)", "[project] in pyproject.toml"), "", tuple(declared)
    raise NotAFastAPIRepository(f"{root}: no uv.lock, poetry.lock, requirements.txt or [project] says how to install it")


def backing_services(dependencies: tuple[str, ...], settings: Settings | None) -> tuple[list[Finding], str, bool]:
    """PostgreSQL, SQLite and Redis, from the drivers the project depends on and its settings' defaults."""
    findings, database = [], ""
    drivers = [d for d in dependencies if d in POSTGRES_DRIVERS]
    url = settings.database_default if settings else ""
    if drivers:
        database = "postgres"
        findings.append(Finding("database", "PostgreSQL", f"the {drivers[0]} dependency"))
    elif "aiosqlite" in dependencies or url.startswith("sqlite"):
        database = "sqlite"
        findings.append(Finding("database", "SQLite on a named volume", "aiosqlite" if "aiosqlite" in dependencies else url))
    redis = next((d for d in dependencies if d in ("redis", "arq", "celery")), "")
    if redis:
        findings.append(Finding("redis", "Redis", f"the {redis} dependency"))
    return findings, database, bool(redis)


def sqlite_folder(root: Path, settings: Settings | None) -> str:
    """The repository folder the settings' SQLite URL puts its file in (./var/app.db: var), if it exists."""
    url = settings.database_default if settings else ""
    if not url.startswith("sqlite") or ":///" not in url:
        return ""
    folder = Path(url.split(":///", 1)[1]).parent
    relative = not folder.is_absolute() and folder.parts and folder.parts[0] != ".."
    return str(folder) if relative and str(folder) != "." and (root / folder).is_dir() else ""


def migrations(root: Path) -> Finding | None:
    """Alembic runs once before the app; a prestart script of the repository's own runs instead when it has one."""
    for script in ("prestart.sh", "scripts/prestart.sh"):
        if (root / script).is_file():
            return Finding("migrations", f"sh {script}", script)
    if (root / "alembic.ini").is_file():
        return Finding("migrations", "alembic upgrade head", "alembic.ini")
    return None


def source_builds(
    root: Path, how: str, requirements: str, python: str, dependencies: tuple[str, ...]
) -> tuple[list[str], list[Finding]]:
    """The pins the builder must compile, as the lock or the index lists their files; known source-only ones if it cannot say."""
    try:
        missing, source = without_wheels(root, how, requirements, python)
    except (OSError, ValueError) as error:  # requests' errors are OSErrors; a lock or an answer that does not parse
        missing = [name for name in dependencies if native_libraries(name)]
        source = f"known to ship no Linux wheels; the index did not answer ({type(error).__name__})"
    if not missing:
        return [], []
    return missing, [
        Finding("compiles", f"{', '.join(missing)} (no wheel for CPython {python}): a compiler in the builder only", source)
    ]


def needs_rust(pins: list[str]) -> list[str]:
    return [pin for pin in pins if normalized(pin.split("==")[0]) in RUST_BUILT]


#: How each installer refreshes its pins for a newer Python.
REFRESH = {"uv": "uv lock --upgrade", "poetry": "poetry lock", "requirements": "newer pins in the requirements file"}


def python_and_builds(
    root: Path, how: str, requirements: str, chosen: Finding, project: dict, dependencies: tuple[str, ...]
) -> tuple[Finding, list[str], list[Finding]]:
    """The Python whose wheels the pins have, and what the builder compiles for it. A pin built with Rust cannot be
    compiled here: another Python the project allows is taken instead, else a one-line refusal says what would work."""
    missing, found = source_builds(root, how, requirements, chosen.value, dependencies)
    if not needs_rust(missing):
        return chosen, missing, found
    spec, _ = declared_python(project)
    allowed = buildable(spec, lower_bound(spec)) if spec and chosen.source != "--python" else []
    for version in (v for v in allowed if v != chosen.value):
        other, found = source_builds(root, how, requirements, version, dependencies)
        if not needs_rust(other):
            moved = f"{chosen.source}; {version}, not {chosen.value}: the pinned {needs_rust(missing)[0]} has wheels for it"
            return Finding("python", version, moved), other, found
    tried = ", ".join(dict.fromkeys([chosen.value, *allowed]))
    fitting = [
        f"3.{minor}" for minor in range(8, 15) if not needs_rust(source_builds(root, how, requirements, f"3.{minor}", ())[0])
    ]
    hint = (
        f"its wheels fit CPython {', '.join(fitting)}: give init --python {fitting[-1]} where that image can be pulled, or "
        if fitting
        else ""
    )
    rust = needs_rust(missing)
    more = f" and {len(rust) - 1} more" if len(rust) > 1 else ""
    raise NotAFastAPIRepository(
        f"{root}: {rust[0]}{more} pinned with no wheel for CPython {tried}, and built with Rust, which no image compiles; "
        f"{hint}refresh the pins for {chosen.value} ({REFRESH.get(how, 'newer pins')})"
    )


def the_app(root: Path) -> App:
    """The likeliest FastAPI app, or NotAFastAPIRepository saying what was looked for and where."""
    apps = find_apps(root)
    if not apps:
        raise NotAFastAPIRepository(
            f"{root}: no FastAPI app found (looked for `= FastAPI(` at module level, or a function returning one, "
            "in the .py files outside tests and virtual environments); name it with --app module:attribute"
        )
    return apps[0]


def service_tests(root: Path, project: dict, how: str, app: App) -> tuple[ServiceTests | None, list[Finding]]:
    """The repository's tests for a test image, and the finding: where their dependencies are, or why there is none."""
    tests, reason = find_service_tests(root, project, how, "" if app.top_level.endswith(".py") else app.top_level)
    if tests:
        return tests, [Finding("tests", tests.summary, tests.source)]
    return None, [Finding("tests", reason, "the test files")] if reason else []


def bundles_uvicorn(root: Path, requirements: str) -> bool:
    """Whether the app depends on fastapi[standard] (or [all]), which brings uvicorn."""
    texts = [root / "pyproject.toml", root / requirements] if requirements else [root / "pyproject.toml"]
    text = "\n".join(path.read_text() for path in texts if path.is_file())
    return bool(
        re.search(
            r"fastapi\W{0,3}\[[^\]]*\b(standard|all)\b|^fastapi\s*=\s*\{[^}]*extras\s*=\s*\[[^\]]*\b(standard|all)\b", text, re.M
        )
    )


def server_of(root: Path, dependencies: tuple[str, ...], requirements: str, how: str) -> tuple[str, list[str], str, Finding]:
    """The server (gunicorn when it is a dependency, else uvicorn), the repository's own start command if any, uvicorn's
    pin when the image must add it (a template may keep it among the dev dependencies only), and the finding."""
    server = "gunicorn" if "gunicorn" in dependencies else "uvicorn"
    start, source = procfile_command(root, CONTAINER_PORT)
    if start:
        return server, start, "", Finding("start", shlex.join(start), f"{source}, bound to the container port")
    if "uvicorn" in dependencies or bundles_uvicorn(root, requirements):
        return server, [], "", Finding("server", server, f"{'the' if server == 'gunicorn' else 'no'} gunicorn dependency")
    version = locked_version(root, how, "uvicorn") if how in ("uv", "poetry") else ""
    added = f"uvicorn=={version}" if version else "uvicorn"
    return (
        server,
        [],
        added,
        Finding("server", f"{server}, with {added} added to the image", "no uvicorn among the app's dependencies"),
    )


def read_repository(root: Path, python: str = "") -> Repository:
    """Everything init needs to know, or NotAFastAPIRepository saying what was looked for and where; `python` (--python)
    instead of the version the repository names."""
    project = pyproject(root)
    how, found_installer, requirements, dependencies = installer(root, project)
    app, settings = the_app(root), find_settings(root)
    backing, database, redis = backing_services(dependencies, settings)
    folder = sqlite_folder(root, settings) if database == "sqlite" else ""
    if folder:
        backing = [Finding("database", f"SQLite in the host folder {folder}/", settings.source if settings else "")]
    server, start, added_server, found_server = server_of(root, dependencies, requirements, how)
    migrate, worker = migrations(root), find_worker(root, dependencies)
    chosen = Finding("python", python, "--python") if python else python_version(root, project)
    findings = [chosen, found_installer, Finding("app", app.reference, app.source), found_server]
    findings += [Finding("settings", settings.summary, settings.source)] if settings else []
    findings += backing + ([migrate] if migrate else [])
    findings += [Finding("worker", worker.command, worker.source)] if worker else []
    findings[0], compiled, findings[2:2] = python_and_builds(root, how, requirements, chosen, project, dependencies)
    tests, about_tests = service_tests(root, project, how, app)
    findings += about_tests
    return Repository(
        root=root,
        name=re.sub(r"[^a-z0-9-]", "-", (project.get("project", {}).get("name") or root.name).lower()).strip("-") or "app",
        python=findings[0].value,
        installer=how,
        requirements=requirements,
        dependencies=dependencies,
        app=app,
        server=server,
        added_server=added_server,
        settings=settings,
        database=database,
        redis=redis,
        worker=worker.command if worker else "",
        migrations=migrate.value if migrate else "",
        docker_files=tuple(name for name in DOCKER_FILES if (root / name).is_file()),
        data_folder=folder,
        compiled=tuple(compiled),
        service_tests=tests,
        start=tuple(start),
        findings=findings,
    )
